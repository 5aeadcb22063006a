import FlotillaTrading
import FlotillaVenues

/// The Binance Spot subset Flotilla uses, as an exchange in memory: one account, markets with
/// their filters, balances, orders by client id and trades. Market orders fill at the market's
/// current price; limit orders fill when they cross it (at the limit) or rest; stop-limits rest
/// until the price reaches the stop. `setPrice` moves a market and fills what it crosses.
/// Requests are checked as Binance checks them: API key, HMAC signature (-1022), timestamp
/// window (-1021).
public actor SimulatedBinance {
    public struct Market: Sendable {
        public var symbol: Symbol
        public var rules: VenueRules
        public var minQuantity: Fixed
        public var price: Fixed

        public init(symbol: Symbol, rules: VenueRules, minQuantity: Fixed, price: Fixed) {
            self.symbol = symbol
            self.rules = rules
            self.minQuantity = minQuantity
            self.price = price
        }

        var name: String { BinanceRequests.venueSymbol(symbol) }
    }

    /// A refusal in Binance's words: HTTP status, code, message.
    public struct Refusal: Error, Sendable, Equatable {
        public var status: Int
        public var code: Int
        public var msg: String
    }

    struct Order: Sendable {
        var id: Int64
        var clientOrderId: String
        var market: String
        var side: Side
        var type: String
        var quantity: Fixed
        var quoteQuantity: Fixed?
        var price: Fixed?
        var stopPrice: Fixed?
        var executed: Fixed = .zero
        var cumulativeQuote: Fixed = .zero
        var status: String = "NEW"
        var time: Int64
        var fills: [Trade] = []
    }

    struct Trade: Sendable {
        var id: Int64
        var orderId: Int64
        var market: String
        var side: Side
        var price: Fixed
        var quantity: Fixed
        var commission: Fixed
        var commissionAsset: String
        var time: Int64
        var maker: Bool
    }

    public let apiKey: String
    let secretKey: Secret
    /// The exchange's clock, Unix ms.
    public internal(set) var now: Int64
    var markets: [String: Market] = [:]
    /// Markets whose klines and price follow a candle series (`CandleSeries.swift`).
    var seriesByMarket: [String: CandleSeries] = [:]
    var klineRequestCount: [String: Int] = [:]
    var free: [String: Fixed] = [:]
    var locked: [String: Fixed] = [:]
    var orders: [Int64] = []
    var byId: [Int64: Order] = [:]
    var trades: [Trade] = []
    var nextOrderId: Int64 = 1
    var nextTradeId: Int64 = 1
    /// Taker fee charged on every fill, in the asset received.
    public var fee: Fixed

    public init(apiKey: String, secretKey: String, now: Int64, markets: [Market], balances: [String: Fixed],
                fee: Fixed = Fixed(units: 100_000)) {
        self.apiKey = apiKey
        self.secretKey = Secret(secretKey)
        self.now = now
        self.fee = fee
        for m in markets { self.markets[m.name] = m }
        self.free = balances
    }

    public func advance(milliseconds: Int64) {
        now += milliseconds
        followSeries()
    }

    func marketSymbol(_ name: String) -> Symbol? { markets[name]?.symbol }
    func price(of name: String) -> Fixed? { markets[name]?.price }

    public func balance(_ asset: String) -> (free: Fixed, locked: Fixed) { (free[asset] ?? .zero, locked[asset] ?? .zero) }

    /// Money the account's owner moves in (or out, negative) outside any order.
    public func deposit(_ asset: String, _ amount: Fixed) { free[asset] = (free[asset] ?? .zero) + amount }

    /// Moves a market's price and fills every resting order it reaches.
    public func setPrice(_ symbol: Symbol, _ price: Fixed) {
        let name = BinanceRequests.venueSymbol(symbol)
        markets[name]?.price = price
        for id in orders {
            guard var o = byId[id], o.market == name, o.status == "NEW" || o.status == "PARTIALLY_FILLED" else { continue }
            if o.type == "STOP_LOSS_LIMIT", let stop = o.stopPrice {
                let triggered = o.side == .buy ? price >= stop : price <= stop
                guard triggered else { continue }
                o.type = "LIMIT"
            }
            if let limit = o.price, o.side == .buy ? price <= limit : price >= limit {
                fill(&o, at: limit, maker: true, lockedHeld: true)
            }
            byId[id] = o
        }
    }

    // MARK: Signed-request checks

    /// Checks key, signature and timestamp of a signed request's raw query text.
    public func authenticate(query: String, apiKeyHeader: String?) throws(Refusal) -> [String: String] {
        guard apiKeyHeader == apiKey else { throw Refusal(status: 401, code: -2015, msg: "Invalid API-key, IP, or permissions for action.") }
        guard let r = query.range(of: "&signature=", options: .backwards) else {
            throw Refusal(status: 400, code: -1102, msg: "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.")
        }
        let signed = String(query[..<r.lowerBound])
        let signature = String(query[r.upperBound...])
        guard BinanceSigner.signature(of: signed, secretKey: secretKey) == signature.lowercased() else {
            throw Refusal(status: 400, code: -1022, msg: "Signature for this request is not valid.")
        }
        let params = Self.parameters(signed)
        guard let ts = params["timestamp"].flatMap({ Int64($0) }) else {
            throw Refusal(status: 400, code: -1102, msg: "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
        }
        let window = params["recvWindow"].flatMap { Int64($0) } ?? 5000
        guard ts < now + 1000, now - ts <= window else {
            throw Refusal(status: 400, code: -1021, msg: "Timestamp for this request is outside of the recvWindow.")
        }
        return params
    }

    static func parameters(_ query: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            out[String(kv[0])] = String(kv[1]).removingPercentEncoding ?? String(kv[1])
        }
        return out
    }

    // MARK: Answers as JSON bytes (Sendable, so they leave the actor)

    func exchangeInfo(_ p: [String: String]) throws(Refusal) -> JSONBody { JSONBody(try exchangeInfoValue(p)) }
    func account() -> JSONBody { JSONBody(accountValue()) }
    func newOrder(_ p: [String: String]) throws(Refusal) -> JSONBody { JSONBody(try newOrderValue(p)) }
    func queryOrder(_ p: [String: String]) throws(Refusal) -> JSONBody { JSONBody(try queryOrderValue(p)) }
    func cancelOrder(_ p: [String: String]) throws(Refusal) -> JSONBody { JSONBody(try cancelOrderValue(p)) }
    func openOrders(_ p: [String: String]) throws(Refusal) -> JSONBody { JSONBody(try openOrdersValue(p)) }
    func myTrades(_ p: [String: String]) throws(Refusal) -> JSONBody { JSONBody(try myTradesValue(p)) }
    func klines(_ p: [String: String]) throws(Refusal) -> JSONBody { JSONBody(try klinesValue(p)) }
    func time() -> JSONBody { JSONBody(["serverTime": now]) }

    // MARK: Endpoints (answers as JSON-ready values)

    func market(_ params: [String: String]) throws(Refusal) -> Market {
        guard let name = params["symbol"], let m = markets[name] else { throw Refusal(status: 400, code: -1121, msg: "Invalid symbol.") }
        return m
    }

    func decimal(_ params: [String: String], _ name: String) throws(Refusal) -> Fixed? {
        guard let text = params[name] else { return nil }
        guard let v = VenueDecimal.exact(text), v > .zero else {
            throw Refusal(status: 400, code: -1100, msg: "Illegal characters found in parameter '\(name)'; legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.")
        }
        return v
    }

    private func exchangeInfoValue(_ params: [String: String]) throws(Refusal) -> [String: Any] {
        var names = Array(markets.keys).sorted()
        if let one = params["symbol"] { names = [one] }
        if let many = params["symbols"] {
            names = many.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",").map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        var symbols: [[String: Any]] = []
        for n in names {
            guard let m = markets[n] else { throw Refusal(status: 400, code: -1121, msg: "Invalid symbol.") }
            symbols.append([
                "symbol": n, "status": "TRADING", "baseAsset": m.symbol.base, "quoteAsset": m.symbol.quote,
                "filters": [
                    ["filterType": "PRICE_FILTER", "minPrice": text(m.rules.tickSize), "maxPrice": "1000000.00000000", "tickSize": text(m.rules.tickSize)],
                    ["filterType": "LOT_SIZE", "minQty": text(m.minQuantity), "maxQty": "9000.00000000", "stepSize": text(m.rules.lotSize)],
                    ["filterType": "NOTIONAL", "minNotional": text(m.rules.minNotional), "applyMinToMarket": true,
                     "maxNotional": "9000000.00000000", "applyMaxToMarket": false, "avgPriceMins": 5],
                ],
            ])
        }
        return ["timezone": "UTC", "serverTime": now, "rateLimits": [], "exchangeFilters": [], "symbols": symbols]
    }

    private func accountValue() -> [String: Any] {
        let assets = Set(free.keys).union(locked.keys).sorted()
        return [
            "makerCommission": 10, "takerCommission": 10, "canTrade": true, "accountType": "SPOT", "updateTime": now,
            "balances": assets.compactMap { a -> [String: Any]? in
                let f = free[a] ?? .zero, l = locked[a] ?? .zero
                return f.isZero && l.isZero ? nil : ["asset": a, "free": text(f), "locked": text(l)]
            },
        ]
    }

    private func newOrderValue(_ params: [String: String]) throws(Refusal) -> [String: Any] {
        let m = try market(params)
        guard let sideText = params["side"], let side = sideText == "BUY" ? Side.buy : sideText == "SELL" ? Side.sell : nil else {
            throw Refusal(status: 400, code: -1102, msg: "Mandatory parameter 'side' was not sent, was empty/null, or malformed.")
        }
        let clientId = params["newClientOrderId"] ?? "sim-\(nextOrderId)"
        if orders.contains(where: { byId[$0]?.clientOrderId == clientId && ["NEW", "PARTIALLY_FILLED"].contains(byId[$0]?.status ?? "") }) {
            throw Refusal(status: 400, code: -2010, msg: "Duplicate order sent.")
        }
        let type = params["type"] ?? ""
        let quantity = try decimal(params, "quantity")
        let quote = try decimal(params, "quoteOrderQty")
        let price = try decimal(params, "price")
        let stop = try decimal(params, "stopPrice")
        if let q = quantity, q.rounded(toMultipleOf: m.rules.lotSize, .towardZero) != q || q < m.minQuantity {
            throw Refusal(status: 400, code: -1013, msg: "Filter failure: LOT_SIZE")
        }
        if let p = price, p.rounded(toMultipleOf: m.rules.tickSize, .towardZero) != p {
            throw Refusal(status: 400, code: -1013, msg: "Filter failure: PRICE_FILTER")
        }
        var o = Order(id: nextOrderId, clientOrderId: clientId, market: m.name, side: side, type: type, quantity: quantity ?? .zero,
                      quoteQuantity: quote, price: price, stopPrice: stop, time: now)
        switch type {
        case "MARKET":
            var q = quantity ?? .zero
            if let quote { q = quote.divided(by: m.price, rounding: .down).rounded(toMultipleOf: m.rules.lotSize, .down) }
            guard q > .zero else { throw Refusal(status: 400, code: -1013, msg: "Filter failure: LOT_SIZE") }
            guard q.multiplied(by: m.price) >= m.rules.minNotional else { throw Refusal(status: 400, code: -1013, msg: "Filter failure: NOTIONAL") }
            o.quantity = q
            try reserve(o, m, at: m.price)
            nextOrderId += 1
            fill(&o, at: m.price, maker: false, lockedHeld: true)
        case "LIMIT", "STOP_LOSS_LIMIT":
            guard params["timeInForce"] == "GTC", let q = quantity, let p = price, type == "LIMIT" || stop != nil else {
                throw Refusal(status: 400, code: -1102, msg: "Mandatory parameter was not sent, was empty/null, or malformed.")
            }
            guard q.multiplied(by: p) >= m.rules.minNotional else { throw Refusal(status: 400, code: -1013, msg: "Filter failure: NOTIONAL") }
            if type == "STOP_LOSS_LIMIT", let stop, side == .buy ? m.price >= stop : m.price <= stop {
                throw Refusal(status: 400, code: -2010, msg: "Order would immediately trigger.")
            }
            try reserve(o, m, at: p)
            nextOrderId += 1
            if type == "LIMIT", side == .buy ? m.price <= p : m.price >= p { fill(&o, at: m.price, maker: false, lockedHeld: true) }
        default:
            throw Refusal(status: 400, code: -1116, msg: "Invalid orderType.")
        }
        orders.append(o.id)
        byId[o.id] = o
        var answer = render(o)
        answer["transactTime"] = now
        answer["fills"] = o.fills.map { ["price": text($0.price), "qty": text($0.quantity), "commission": text($0.commission),
                                         "commissionAsset": $0.commissionAsset, "tradeId": $0.id] as [String: Any] }
        return answer
    }

    /// Moves what the order could spend from free to locked, or refuses for insufficient balance.
    func reserve(_ o: Order, _ m: Market, at price: Fixed) throws(Refusal) {
        let asset = o.side == .buy ? m.symbol.quote : m.symbol.base
        let amount = o.side == .buy ? o.quantity.multiplied(by: price, rounding: .up) : o.quantity
        guard (free[asset] ?? .zero) >= amount else {
            throw Refusal(status: 400, code: -2010, msg: "Account has insufficient balance for requested action.")
        }
        free[asset, default: .zero] -= amount
        locked[asset, default: .zero] += amount
    }

    func fill(_ o: inout Order, at price: Fixed, maker: Bool, lockedHeld: Bool) {
        guard let m = markets[o.market] else { return }
        execute(&o, quantity: o.quantity - o.executed, at: price, market: m, maker: maker)
    }

    /// Executes `q` of `o` at `price`, releasing what was reserved for that part at the
    /// reserving price: partial when some is left.
    func execute(_ o: inout Order, quantity q: Fixed, at price: Fixed, market m: Market, maker: Bool) {
        guard q > .zero else { return }
        let notional = q.multiplied(by: price)
        // Release what was reserved for this part, at the reserving price.
        let reservedPrice = o.type == "MARKET" ? price : (o.price ?? price)
        if o.side == .buy {
            let reserved = q.multiplied(by: reservedPrice, rounding: .up)
            locked[m.symbol.quote, default: .zero] -= reserved
            free[m.symbol.quote, default: .zero] += reserved - notional
            let commission = q.multiplied(by: fee, rounding: .up)
            free[m.symbol.base, default: .zero] += q - commission
            record(&o, price: price, quantity: q, commission: commission, asset: m.symbol.base, maker: maker)
        } else {
            locked[m.symbol.base, default: .zero] -= q
            let commission = notional.multiplied(by: fee, rounding: .up)
            free[m.symbol.quote, default: .zero] += notional - commission
            record(&o, price: price, quantity: q, commission: commission, asset: m.symbol.quote, maker: maker)
        }
        o.executed += q
        o.cumulativeQuote += notional
        o.status = o.executed >= o.quantity ? "FILLED" : "PARTIALLY_FILLED"
    }

    func record(_ o: inout Order, price: Fixed, quantity: Fixed, commission: Fixed, asset: String, maker: Bool) {
        let t = Trade(id: nextTradeId, orderId: o.id, market: o.market, side: o.side, price: price, quantity: quantity,
                      commission: commission, commissionAsset: asset, time: now, maker: maker)
        nextTradeId += 1
        trades.append(t)
        o.fills.append(t)
    }

    func find(_ params: [String: String]) throws(Refusal) -> Order {
        let m = try market(params)
        guard let cid = params["origClientOrderId"],
            let id = orders.last(where: { byId[$0]?.clientOrderId == cid && byId[$0]?.market == m.name }), let o = byId[id]
        else { throw Refusal(status: 400, code: -2013, msg: "Order does not exist.") }
        return o
    }

    private func queryOrderValue(_ params: [String: String]) throws(Refusal) -> [String: Any] { render(try find(params)) }

    private func cancelOrderValue(_ params: [String: String]) throws(Refusal) -> [String: Any] {
        var o: Order
        do { o = try find(params) } catch { throw Refusal(status: 400, code: -2011, msg: "Unknown order sent.") }
        guard o.status == "NEW" || o.status == "PARTIALLY_FILLED", let m = markets[o.market] else {
            throw Refusal(status: 400, code: -2011, msg: "Unknown order sent.")
        }
        let left = o.quantity - o.executed
        if o.side == .buy {
            let reserved = left.multiplied(by: o.price ?? m.price, rounding: .up)
            locked[m.symbol.quote, default: .zero] -= reserved
            free[m.symbol.quote, default: .zero] += reserved
        } else {
            locked[m.symbol.base, default: .zero] -= left
            free[m.symbol.base, default: .zero] += left
        }
        o.status = "CANCELED"
        byId[o.id] = o
        var answer = render(o)
        answer["origClientOrderId"] = o.clientOrderId
        answer["transactTime"] = now
        return answer
    }

    private func openOrdersValue(_ params: [String: String]) throws(Refusal) -> [[String: Any]] {
        let name = params["symbol"]
        if let name, markets[name] == nil { throw Refusal(status: 400, code: -1121, msg: "Invalid symbol.") }
        return orders.compactMap { byId[$0] }.filter { ($0.status == "NEW" || $0.status == "PARTIALLY_FILLED") && (name == nil || $0.market == name) }
            .map(render)
    }

    private func myTradesValue(_ params: [String: String]) throws(Refusal) -> [[String: Any]] {
        let m = try market(params)
        let from = params["fromId"].flatMap { Int64($0) } ?? 0
        let limit = min(1000, params["limit"].flatMap { Int($0) } ?? 500)
        return trades.filter { $0.market == m.name && $0.id >= from }.prefix(limit).map { t in
            ["symbol": t.market, "id": t.id, "orderId": t.orderId, "orderListId": -1, "price": text(t.price), "qty": text(t.quantity),
             "quoteQty": text(t.quantity.multiplied(by: t.price)), "commission": text(t.commission), "commissionAsset": t.commissionAsset,
             "time": t.time, "isBuyer": t.side == .buy, "isMaker": t.maker, "isBestMatch": true]
        }
    }

    private func klinesValue(_ params: [String: String]) throws(Refusal) -> [[Any]] {
        let m = try market(params)
        if let series = seriesByMarket[m.name] { return try seriesKlines(series, market: m.name, params) }
        // A flat series at the current price: enough for the shape; candle replay comes with the matching engine.
        let start = params["startTime"].flatMap { Int64($0) } ?? now - 60_000
        let end = params["endTime"].flatMap { Int64($0) } ?? now
        var rows: [[Any]] = []
        var t = (start + 59_999) / 60_000 * 60_000
        while t <= end && rows.count < 1000 {
            let p = text(m.price)
            rows.append([t, p, p, p, p, "0.00000000", t + 59_999, "0.00000000", 0, "0.00000000", "0.00000000", "0"])
            t += 60_000
        }
        return rows
    }

    private func render(_ o: Order) -> [String: Any] {
        [
            "symbol": o.market, "orderId": o.id, "orderListId": -1, "clientOrderId": o.clientOrderId,
            "price": text(o.price ?? .zero), "origQty": text(o.quantity), "executedQty": text(o.executed),
            "cummulativeQuoteQty": text(o.cumulativeQuote), "status": o.status, "timeInForce": o.type == "MARKET" ? "GTC" : "GTC",
            "type": o.type, "side": o.side == .buy ? "BUY" : "SELL", "stopPrice": text(o.stopPrice ?? .zero),
            "time": o.time, "updateTime": now, "isWorking": o.type != "STOP_LOSS_LIMIT", "workingTime": o.time,
            "origQuoteOrderQty": text(o.quoteQuantity ?? .zero), "selfTradePreventionMode": "NONE",
        ]
    }

    /// Binance prints every decimal with 8 places.
    nonisolated func text(_ v: Fixed) -> String {
        let s = v.description
        let parts = s.split(separator: ".", maxSplits: 1)
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        return String(parts[0]) + "." + fraction + String(repeating: "0", count: 8 - fraction.count)
    }
}

/// A JSON answer, serialized.
public struct JSONBody: Sendable {
    public var bytes: [UInt8]
    init(_ value: Any) { bytes = Array((try? JSONSerialization.data(withJSONObject: value)) ?? Data("{}".utf8)) }
}

import Foundation
