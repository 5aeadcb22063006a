import FlotillaAPI
import FlotillaEngine
import FlotillaStore
import FlotillaTrading
import Foundation
import Hummingbird

/// A bot's trading records: orders, fills, positions and balances, per instance (each incarnation
/// of a revision on a symbol has its own account).
enum TradingRoutes {
    static func add(to router: Router<FlotillaRequestContext>, server: ServerContext) {
        let store = server.store
        router.on(Routes.botFills, server: server) { request, context in
            // Real (live) fills by default; shadow fills were simulated on notional capital and
            // are listed only when asked for (`?mode=shadow`, or `?mode=all` for both). Each fill
            // says its `mode` and `instance`.
            let view = try bot(context, store)
            let limit = limit(request)
            let mode: FillMode?
            switch request.uri.queryParameters.get("mode").map({ String($0) }) {
            case nil, "live": mode = .live
            case "shadow": mode = .shadow
            case "all": mode = nil
            case let other?: throw APIError.badRequest("mode \"\(other.prefix(20))\": use live, shadow or all")
            }
            let objects: [Any] = try store.fills(bot: view.name, mode: mode, limit: limit).compactMap { fill in
                guard var object = try? JSONSerialization.jsonObject(with: Data(fill.json.utf8)) as? [String: Any] else { return nil }
                object["mode"] = fill.mode.rawValue
                object["instance"] = fill.instance
                return object
            }
            let data = try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.on(Routes.botPositions, server: server) { _, context in
            struct Position: Encodable { var instance: String; var symbol: String; var quantity: Fixed; var cash: Fixed; var equity: Fixed }
            let view = try bot(context, store)
            return try JSON.response(view.instances.map {
                Position(instance: $0.id, symbol: $0.symbol, quantity: $0.metrics?.position ?? .zero, cash: $0.metrics?.cash ?? .zero, equity: $0.metrics?.equity ?? .zero)
            })
        }
        router.on(Routes.botOrders, server: server) { request, context in
            let view = try bot(context, store)
            let status = request.uri.queryParameters.get("status").map { String($0) }
            guard status == nil || ["open", "filled", "cancelled", "rejected"].contains(status!) else {
                throw APIError.badRequest("status \"\(status!.prefix(20))\": use open, filled, cancelled or rejected")
            }
            var orders: [OrderView] = []
            for (instance, venue) in try venues(view.name, store) {
                for order in venue.orders.values {
                    let shown = OrderView(instance: instance.id, symbol: instance.symbol, order)
                    if status == nil || shown.status == status { orders.append(shown) }
                }
            }
            orders.sort { ($0.submittedAt, $0.instance, $0.id) < ($1.submittedAt, $1.instance, $1.id) }
            return try JSON.response(Array(orders.suffix(limit(request))))
        }
        router.on(Routes.botBalances, server: server) { _, context in
            struct Balance: Encodable {
                var instance: String
                var symbol: String
                var mode: String
                var startingCash: Fixed
                var cash: Fixed
                var position: Fixed
                var costBasis: Fixed
                var realizedPnL: Fixed
                var feesPaid: Fixed
                var equity: Fixed
            }
            struct Balances: Encodable {
                var bot: String
                var capital: String
                /// Sum over live instances; shadow instances trade notional capital.
                var liveEquity: String
                var instances: [Balance]
            }
            let view = try bot(context, store)
            let equity = Dictionary(uniqueKeysWithValues: view.instances.compactMap { i in i.metrics.map { (i.id, $0.equity) } })
            let balances = try venues(view.name, store).map { instance, venue in
                Balance(instance: instance.id, symbol: instance.symbol, mode: instance.mode.rawValue, startingCash: venue.startingCash, cash: venue.cash,
                        position: venue.position, costBasis: venue.costBasis, realizedPnL: venue.realizedPnL, feesPaid: venue.feesPaid,
                        equity: equity[instance.id] ?? venue.cash)
            }
            return try JSON.response(Balances(bot: view.name, capital: view.capital, liveEquity: view.equity, instances: balances))
        }
    }

    /// An order as the API shows it: flat fields, prices and quantities as exact decimal strings.
    struct OrderView: Encodable {
        var instance: String
        var symbol: String
        var id: Int64
        var clientOrderId: String
        var side: String
        var type: String
        var price: Fixed?
        var quantity: Fixed
        var quoteBudget: Fixed?
        var status: String
        var rejectReason: String?
        var submittedAt: Int64
        var filledAt: Int64?
        var fillPrice: Fixed?
        var fee: Fixed?

        init(instance: String, symbol: String, _ order: Order) {
            self.instance = instance
            self.symbol = symbol
            id = order.id
            clientOrderId = order.clientOrderId
            side = order.side.rawValue
            switch order.type {
            case .market: type = "market"
            case .limit(let p): type = "limit"; price = p
            case .stop(let p): type = "stop"; price = p
            }
            quantity = order.quantity
            quoteBudget = order.quoteBudget
            switch order.status {
            case .open: status = "open"
            case .filled: status = "filled"
            case .cancelled: status = "cancelled"
            case .rejected(let why): status = "rejected"; rejectReason = why
            }
            submittedAt = order.submittedAt
            filledAt = order.filledAt
            fillPrice = order.fillPrice
            fee = order.fee
        }
    }

    /// The running instances' paper accounts.
    private static func venues(_ bot: String, _ store: StateStore) throws -> [(InstanceState, PaperVenue)] {
        try store.runtimeInstances(bot: bot, withVenue: true).filter { $0.phase != .stopped }.compactMap { instance in
            guard let json = instance.venueJSON, let venue = try? JSONDecoder().decode(PaperVenue.self, from: Data(json.utf8)) else { return nil }
            return (instance, venue)
        }
    }

    private static func limit(_ request: Request) -> Int {
        max(1, min(1000, Int(request.uri.queryParameters.get("limit") ?? "") ?? 100))
    }
}
