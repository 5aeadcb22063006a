import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The loopback HTTP face of a `SimulatedBinance`: the REST paths Flotilla's Binance client uses,
/// with Binance's status codes and error bodies. Bound to 127.0.0.1 on the port asked (0: any free).
public enum BinanceSimulatorApp {
    /// - Parameters:
    ///   - inspection: also serve `GET /simulator/state` (every order's client id, every trade,
    ///     the balances) for a test in another process to check the exchange against its store.
    ///   - onListening: called with the bound port once the server listens.
    public static func application(_ exchange: SimulatedBinance, port: Int = 0, inspection: Bool = false,
                                   onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        if inspection {
            router.get("/simulator/state") { _, _ in json(await exchange.inspection()) }
        }
        router.get("/api/v3/time") { _, _ in json(await exchange.time()) }
        router.get("/api/v3/exchangeInfo") { request, _ in
            await answer { () async throws(SimulatedBinance.Refusal) -> JSONBody in
                try await exchange.exchangeInfo(SimulatedBinance.parameters(request.uri.query ?? ""))
            }
        }
        router.get("/api/v3/klines") { request, _ in
            await answer { () async throws(SimulatedBinance.Refusal) -> JSONBody in
                try await exchange.klines(SimulatedBinance.parameters(request.uri.query ?? ""))
            }
        }
        router.get("/api/v3/account") { request, _ in
            await signed(request, exchange) { _ in await exchange.account() }
        }
        router.post("/api/v3/order") { request, _ in
            await signed(request, exchange) { p async throws(SimulatedBinance.Refusal) in try await exchange.newOrder(p) }
        }
        router.get("/api/v3/order") { request, _ in
            await signed(request, exchange) { p async throws(SimulatedBinance.Refusal) in try await exchange.queryOrder(p) }
        }
        router.delete("/api/v3/order") { request, _ in
            await signed(request, exchange) { p async throws(SimulatedBinance.Refusal) in try await exchange.cancelOrder(p) }
        }
        router.get("/api/v3/openOrders") { request, _ in
            await signed(request, exchange) { p async throws(SimulatedBinance.Refusal) in try await exchange.openOrders(p) }
        }
        router.get("/api/v3/myTrades") { request, _ in
            await signed(request, exchange) { p async throws(SimulatedBinance.Refusal) in try await exchange.myTrades(p) }
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                           onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) })
    }

    static func signed(_ request: Request, _ exchange: SimulatedBinance,
                       _ body: @escaping @Sendable ([String: String]) async throws(SimulatedBinance.Refusal) -> JSONBody) async -> Response {
        let key = HTTPField.Name("X-MBX-APIKEY").flatMap { request.headers[$0] }
        let query = request.uri.query ?? ""
        return await answer { () async throws(SimulatedBinance.Refusal) -> JSONBody in
            let params = try await exchange.authenticate(query: query, apiKeyHeader: key)
            return try await body(params)
        }
    }

    static func answer(_ body: () async throws(SimulatedBinance.Refusal) -> JSONBody) async -> Response {
        do {
            return json(try await body())
        } catch {
            return json(JSONBody(["code": error.code, "msg": error.msg]), status: HTTPResponse.Status(code: error.status))
        }
    }

    static func json(_ body: JSONBody, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.bytes)))
    }
}
