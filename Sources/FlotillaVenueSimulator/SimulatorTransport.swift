import FlotillaVenues

/// An `HTTPTransport` that hands each request straight to a `SimulatedBinance`: the same paths,
/// checks and answers as `BinanceSimulatorApp`, without sockets, so a test (or the benchmark)
/// can run thousands of order sequences through the real Binance client in a second.
public struct SimulatorTransport: HTTPTransport {
    public let exchange: SimulatedBinance
    /// When given, the exchange's clock is set from it before each request (a virtual clock).
    public let clock: (@Sendable () -> Int64)?
    /// False skips re-computing each signature (the key and the timestamp window are still
    /// checked): for runs of many thousand requests whose signing the contract tests already cover.
    public let checksSignatures: Bool

    public init(_ exchange: SimulatedBinance, clock: (@Sendable () -> Int64)? = nil, checksSignatures: Bool = true) {
        self.exchange = exchange
        self.clock = clock
        self.checksSignatures = checksSignatures
    }

    public func send(_ request: VenueRequest) async throws(TransportError) -> VenueResponse {
        if let clock { await exchange.setTime(clock()) }
        return await exchange.answer(request, checkingSignature: checksSignatures)
    }
}

extension SimulatedBinance {
    /// The answer to one request, as the HTTP face would give it.
    public func answer(_ request: VenueRequest, checkingSignature: Bool = true) -> VenueResponse {
        let query = checkingSignature || !request.query.contains(where: { $0.name == "signature" }) ? request.queryText : ""
        let key = request.header("X-MBX-APIKEY")
        func signed(_ body: ([String: String]) throws(Refusal) -> JSONBody) -> VenueResponse {
            respond { () throws(Refusal) -> JSONBody in
                try body(checkingSignature ? try authenticate(query: query, apiKeyHeader: key) : try window(request.query, apiKeyHeader: key))
            }
        }
        switch (request.method, request.path) {
        case (.get, "/api/v3/time"): return respond { () throws(Refusal) -> JSONBody in time() }
        case (.get, "/api/v3/exchangeInfo"): return respond { () throws(Refusal) -> JSONBody in try exchangeInfo(Self.parameters(query)) }
        case (.get, "/api/v3/klines"): return respond { () throws(Refusal) -> JSONBody in try klines(Self.parameters(query)) }
        case (.get, "/api/v3/account"): return signed { _ throws(Refusal) in account() }
        case (.post, "/api/v3/order"): return signed { p throws(Refusal) in try newOrder(p) }
        case (.get, "/api/v3/order"): return signed { p throws(Refusal) in try queryOrder(p) }
        case (.delete, "/api/v3/order"): return signed { p throws(Refusal) in try cancelOrder(p) }
        case (.get, "/api/v3/openOrders"): return signed { p throws(Refusal) in try openOrders(p) }
        case (.get, "/api/v3/myTrades"): return signed { p throws(Refusal) in try myTrades(p) }
        default: return VenueResponse(status: 404, text: "")
        }
    }

    /// `authenticate` without the HMAC: the key and the timestamp window, from the fields as sent.
    private func window(_ fields: [VenueRequest.Field], apiKeyHeader: String?) throws(Refusal) -> [String: String] {
        guard apiKeyHeader == apiKey else { throw Refusal(status: 401, code: -2015, msg: "Invalid API-key, IP, or permissions for action.") }
        var params: [String: String] = [:]
        for f in fields where f.name != "signature" { params[f.name] = f.value }
        guard let ts = params["timestamp"].flatMap({ Int64($0) }) else {
            throw Refusal(status: 400, code: -1102, msg: "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
        }
        let window = params["recvWindow"].flatMap { Int64($0) } ?? 5000
        guard ts < now + 1000, now - ts <= window else {
            throw Refusal(status: 400, code: -1021, msg: "Timestamp for this request is outside of the recvWindow.")
        }
        return params
    }

    private func respond(_ body: () throws(Refusal) -> JSONBody) -> VenueResponse {
        do {
            return VenueResponse(status: 200, headers: [.init("Content-Type", "application/json")], body: try body().bytes)
        } catch {
            return VenueResponse(status: error.status, headers: [.init("Content-Type", "application/json")],
                                 body: JSONBody(["code": error.code, "msg": error.msg]).bytes)
        }
    }
}
