import FlotillaTrading
import FlotillaVenues

/// Order-side matching beyond `setPrice`: resting orders filled in part (another trader took
/// some of the book), an order filled just before our cancel arrives, and what a test reads back
/// to check it never held two orders for one intent and that balances follow the trades.
extension SimulatedBinance {
    /// One trade of one of the account's orders, as the exchange recorded it.
    public struct ExecutedTrade: Sendable, Equatable {
        public var clientOrderId: String
        public var side: Side
        public var price: Fixed
        public var quantity: Fixed
        public var commission: Fixed
        public var commissionAsset: String
    }

    /// Sets the exchange's clock (a virtual clock's time, before each request).
    public func setTime(_ milliseconds: Int64) { now = milliseconds }

    /// Fills part of the oldest resting limit order in `symbol` at its limit (a maker fill):
    /// `numerator/denominator` of what is left, down to the lot size; all of it when that rounds
    /// to nothing or to everything. Returns the client order id filled, or nil when nothing rests.
    @discardableResult
    public func fillPart(_ symbol: Symbol, numerator: Int64, denominator: Int64) -> String? {
        let name = BinanceRequests.venueSymbol(symbol)
        guard let m = markets[name],
            let id = orders.first(where: { byId[$0].map { $0.market == name && $0.type == "LIMIT" && Self.resting($0) } ?? false }),
            var o = byId[id], let limit = o.price
        else { return nil }
        let left = o.quantity - o.executed
        var q = left.scaled(by: numerator, over: denominator, rounding: .down).rounded(toMultipleOf: m.rules.lotSize, .down)
        if q <= .zero || q > left { q = left }
        execute(&o, quantity: q, at: limit, market: m, maker: true)
        byId[id] = o
        return o.clientOrderId
    }

    /// Fills what is left of the resting order with this client id at its limit (the fill that
    /// lands before a cancel). Returns whether anything filled.
    @discardableResult
    public func fillResting(clientOrderId: String) -> Bool {
        guard let id = orders.last(where: { byId[$0]?.clientOrderId == clientOrderId }), var o = byId[id], Self.resting(o),
            let m = markets[o.market], let limit = o.price, o.type == "LIMIT"
        else { return false }
        execute(&o, quantity: o.quantity - o.executed, at: limit, market: m, maker: true)
        byId[id] = o
        return true
    }

    /// How many orders the exchange holds (in any status) with this client id.
    public func orderCount(clientOrderId: String) -> Int { orders.filter { byId[$0]?.clientOrderId == clientOrderId }.count }

    /// Every client order id the exchange has an order for, once per order (a doubled intent shows twice).
    public func clientOrderIds() -> [String] { orders.compactMap { byId[$0]?.clientOrderId } }

    /// The status Binance would report for the order with this client id (`NEW`, `FILLED`, …).
    public func status(clientOrderId: String) -> String? { orders.last(where: { byId[$0]?.clientOrderId == clientOrderId }).flatMap { byId[$0]?.status } }

    /// Every trade, oldest first, with the client id of its order.
    public func executedTrades() -> [ExecutedTrade] {
        trades.map { t in
            ExecutedTrade(clientOrderId: byId[t.orderId]?.clientOrderId ?? "", side: t.side, price: t.price, quantity: t.quantity,
                          commission: t.commission, commissionAsset: t.commissionAsset)
        }
    }

    /// What a test in another process checks the exchange by (`GET /simulator/state`): every
    /// order's client id (a doubled order shows twice), every trade, and free + locked per asset,
    /// amounts as exact decimal text.
    func inspection() -> JSONBody {
        JSONBody([
            "clientOrderIds": clientOrderIds(),
            "trades": executedTrades().map { t in
                ["clientOrderId": t.clientOrderId, "side": t.side.rawValue, "price": t.price.description, "quantity": t.quantity.description,
                 "commission": t.commission.description, "commissionAsset": t.commissionAsset]
            },
            "balances": totals().mapValues(\.description),
        ] as [String: Any])
    }

    /// Free plus locked, per asset.
    public func totals() -> [String: Fixed] {
        var out = free
        for (a, l) in locked { out[a, default: .zero] += l }
        return out
    }

    static func resting(_ o: Order) -> Bool { o.status == "NEW" || o.status == "PARTIALLY_FILLED" }
}
