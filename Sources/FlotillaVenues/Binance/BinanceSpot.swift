import FlotillaTrading

/// Binance Spot (live or test network) as a `Venue`: signed requests with a measured clock
/// offset, request weight tracked from `X-MBX-USED-WEIGHT-1M`, and `Retry-After` honoured after a
/// 429 or 418 by refusing to send until it has passed.
public actor BinanceSpot: Venue {
    public nonisolated let name = "binance"
    public let account: BinanceAccount
    public let requests: BinanceRequests
    let transport: any HTTPTransport
    let clock: VenueClock
    /// The account's budget, shared with every other client on the same account (nil: none).
    public let budget: RateBudget?

    /// Venue time minus local time, milliseconds; nil until measured.
    public private(set) var clockOffset: Int64?
    /// The last `X-MBX-USED-WEIGHT-1M` the venue reported.
    public private(set) var usedWeight: Int?
    /// Local time (ms) before which nothing is sent, after a 429 or 418.
    public private(set) var quietUntil: Int64?
    /// Venue symbol → our symbol, learnt from `markets`.
    private var known: [String: Symbol] = [:]

    public init(account: BinanceAccount, transport: any HTTPTransport, clock: VenueClock = .system, budget: RateBudget? = nil) {
        self.account = account
        self.requests = BinanceRequests(baseURL: account.baseURL)
        self.transport = transport
        self.clock = clock
        self.budget = budget
    }

    // MARK: Venue

    public func serverTime() async throws -> Int64 {
        let r = requests.serverTime()
        return try decode(BinanceWire.ServerTime.self, try await send(r, signed: false), r).serverTime
    }

    public func markets(_ symbols: [Symbol]) async throws -> [VenueMarket] {
        let r = requests.exchangeInfo(symbols)
        let info = try decode(BinanceWire.ExchangeInfo.self, try await send(r, signed: false), r)
        return try info.symbols.map { s in
            let m = try BinanceSpot.market(s, operation: r.operation)
            known[m.venueSymbol] = m.symbol
            return m
        }
    }

    public func balances() async throws -> [VenueBalance] {
        let r = requests.account()
        let a = try decode(BinanceWire.Account.self, try await send(r, signed: true), r)
        return try a.balances.compactMap { b in
            let free = try fixed(b.free, "balances.free", r), locked = try fixed(b.locked, "balances.locked", r)
            return free.isZero && locked.isZero ? nil : VenueBalance(asset: b.asset, available: free, held: locked)
        }
    }

    public func candles(_ symbol: Symbol, interval: CandleInterval, start: Int64, end: Int64) async throws -> [Candle] {
        var out: [Candle] = []
        var from = start * 1000
        let last = end * 1000 - 1
        while from <= last {
            let r = requests.klines(symbol, interval: interval, startMs: from, endMs: last)
            let rows = try decode([BinanceWire.Kline].self, try await send(r, signed: false), r)
            for k in rows where k.openTime >= from {
                out.append(try candle(k, r))
            }
            guard rows.count == 1000, let next = rows.last?.openTime else { break }
            from = next + interval.seconds * 1000
        }
        return out
    }

    public func place(_ order: OrderRequest) async throws -> VenueOrderReport {
        let r = requests.newOrder(order)
        let o = try decode(BinanceWire.Order.self, try await send(r, signed: true), r)
        return try report(o, symbol: order.symbol, r)
    }

    public func cancel(_ order: OrderReference) async throws -> CancelOutcome {
        let r = requests.cancelOrder(order.clientOrderId, symbol: order.symbol)
        do {
            _ = try decode(BinanceWire.Order.self, try await send(r, signed: true), r)
            return .cancelled
        } catch let e as VenueError where e.kind == .orderNotFound {
            // -2011 "Unknown order sent." also answers an order that is already done.
            guard let found = try await self.order(order.clientOrderId, symbol: order.symbol) else { return .notFound }
            return found.status.isOpen ? .notFound : .alreadyDone
        }
    }

    public func order(_ clientOrderId: ClientOrderId, symbol: Symbol) async throws -> VenueOrderReport? {
        let r = requests.queryOrder(clientOrderId, symbol: symbol)
        do {
            return try report(decode(BinanceWire.Order.self, try await send(r, signed: true), r), symbol: symbol, r)
        } catch let e as VenueError where e.kind == .orderNotFound {
            return nil
        }
    }

    public func openOrders(_ symbol: Symbol?) async throws -> [VenueOrderReport] {
        let r = requests.openOrders(symbol)
        return try decode([BinanceWire.Order].self, try await send(r, signed: true), r).map { o in
            try report(o, symbol: symbol ?? self.symbol(named: o.symbol, r), r)
        }
    }

    public func fills(_ symbol: Symbol, since cursor: FillCursor?) async throws -> FillPage {
        var fromId: Int64? = nil
        if let cursor {
            guard let id = Int64(cursor.rawValue), id >= 0 else {
                throw VenueError(.rejected, venue: name, operation: "myTrades",
                                 message: "fill cursor \"\(cursor.rawValue.prefix(40))\" is not a Binance trade id")
            }
            fromId = id
        }
        var fills: [VenueFill] = []
        while true {
            let r = requests.myTrades(symbol, fromId: fromId)
            let trades = try decode([BinanceWire.Trade].self, try await send(r, signed: true), r)
            for t in trades {
                fills.append(VenueFill(
                    id: String(t.id), venueOrderId: String(t.orderId), symbol: symbol, side: t.isBuyer ? .buy : .sell,
                    price: try fixed(t.price, "price", r), quantity: try fixed(t.qty, "qty", r),
                    fee: try fixed(t.commission, "commission", r), feeAsset: t.commissionAsset,
                    liquidity: t.isMaker ? .maker : .taker, time: t.time))
            }
            guard trades.count == 1000, let last = trades.last else { break }
            fromId = last.id + 1
        }
        let next = fills.last.flatMap { Int64($0.id) }.map { FillCursor(String($0 + 1)) }
        return FillPage(fills: fills, next: next)
    }

    // MARK: Sending

    /// Measures the venue's clock against ours (offset = server − midpoint of the round trip).
    public func measureClockOffset() async throws {
        let before = clock.nowMilliseconds()
        let server = try await serverTime()
        let after = clock.nowMilliseconds()
        clockOffset = server - (before + after) / 2
    }

    func send(_ request: VenueRequest, signed: Bool) async throws -> [UInt8] {
        do {
            return try await sendOnce(request, signed: signed)
        } catch let e as VenueError where e.kind == .clockSkew && signed {
            // -1021 is refused before it is processed: re-measure and send once more.
            try await measureClockOffset()
            return try await sendOnce(request, signed: signed)
        }
    }

    private func sendOnce(_ request: VenueRequest, signed: Bool) async throws -> [UInt8] {
        if let until = quietUntil {
            let now = clock.nowMilliseconds()
            if now < until {
                throw VenueError(.rateLimited(retryAfterSeconds: Int((until - now + 999) / 1000)), venue: name,
                                 operation: request.operation, message: "waiting out the venue's Retry-After; not sent")
            }
            quietUntil = nil
        }
        var r = request
        if signed, clockOffset == nil { try await measureClockOffset() }
        // Admitted before it is signed: a wait for the budget never ages the timestamp.
        try await admit(request, budget, venue: name)
        if signed {
            r = BinanceRequests.signed(request, timestamp: clock.nowMilliseconds() + (clockOffset ?? 0), account: account)
        }
        let response: VenueResponse
        do {
            response = try await transport.send(r)
        } catch {
            throw transportFailure(error, request)
        }
        await budget?.observe(response)
        if let w = response.header("X-MBX-USED-WEIGHT-1M").flatMap({ Int($0) }) { usedWeight = w }
        if (200..<300).contains(response.status) { return response.body }
        let body = try? JSONDecoder().decode(BinanceWire.ErrorBody.self, from: Data(response.body))
        let error = BinanceErrors.classify(
            status: response.status, body: body, retryAfter: response.retryAfterSeconds, effect: request.effect,
            operation: request.operation)
        if let seconds = error.retryAfterSeconds { quietUntil = clock.nowMilliseconds() + Int64(seconds) * 1000 }
        throw redacted(error)
    }

    func transportFailure(_ error: TransportError, _ request: VenueRequest) -> VenueError {
        let write = request.effect == .write
        switch error {
        case .notSent(let m): return redacted(VenueError(.network, venue: name, operation: request.operation, message: m))
        case .timedOut(sent: false):
            return VenueError(.timedOutBeforeSending, venue: name, operation: request.operation, message: "not sent")
        case .timedOut(sent: true):
            return VenueError(write ? .unknownOutcome : .unavailable, venue: name, operation: request.operation,
                              message: "timed out after sending")
        case .lost(let m):
            return redacted(VenueError(write ? .unknownOutcome : .unavailable, venue: name, operation: request.operation,
                                       message: "connection lost after sending: \(m)"))
        }
    }

    /// No key or secret in any message, whatever the venue echoed.
    func redacted(_ error: VenueError) -> VenueError {
        var e = error
        e.message = account.secretKey.redact(account.apiKey.redact(e.message))
        return e
    }

    // MARK: Decoding

    private func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], _ request: VenueRequest) throws -> T {
        try WireDecoding.decode(type, body, venue: name, request: request)
    }

    private func fixed(_ text: String, _ field: String, _ request: VenueRequest) throws -> Fixed {
        try VenueDecimal.parse(text, field: field, venue: name, operation: request.operation)
    }

    private func symbol(named venueSymbol: String, _ request: VenueRequest) throws -> Symbol {
        if let s = known[venueSymbol] { return s }
        for quote in ["USDT", "USDC", "FDUSD", "BTC", "ETH", "BNB", "EUR", "TRY", "BRL", "JPY"]
        where venueSymbol.hasSuffix(quote) && venueSymbol.count > quote.count {
            return Symbol(base: String(venueSymbol.dropLast(quote.count)), quote: quote)
        }
        throw VenueError(.malformedResponse, venue: name, operation: request.operation,
                         message: "symbol \(venueSymbol) is not a market read from exchangeInfo")
    }

    private func candle(_ k: BinanceWire.Kline, _ r: VenueRequest) throws -> Candle {
        guard let volume = Double(k.volume) else {
            throw VenueError(.malformedResponse, venue: name, operation: r.operation, message: "kline volume is not a number")
        }
        return Candle(time: k.openTime / 1000, open: try fixed(k.open, "open", r), high: try fixed(k.high, "high", r),
                      low: try fixed(k.low, "low", r), close: try fixed(k.close, "close", r), volume: volume)
    }

    private func report(_ o: BinanceWire.Order, symbol: Symbol, _ r: VenueRequest) throws -> VenueOrderReport {
        let status: VenueOrderStatus
        switch o.status {
        case "NEW", "PENDING_CANCEL": status = .open
        case "PENDING_NEW": status = .pending
        case "PARTIALLY_FILLED": status = .partiallyFilled
        case "FILLED": status = .filled
        case "CANCELED": status = .cancelled
        case "REJECTED": status = .rejected
        case "EXPIRED", "EXPIRED_IN_MATCH": status = .expired
        default:
            throw VenueError(.malformedResponse, venue: name, operation: r.operation, message: "order status \(o.status) is not documented")
        }
        let side: Side
        switch o.side {
        case "BUY": side = .buy
        case "SELL": side = .sell
        default: throw VenueError(.malformedResponse, venue: name, operation: r.operation, message: "order side \(o.side) is not BUY or SELL")
        }
        let quantity = try o.origQty.map { try fixed($0, "origQty", r) }
        let price = try o.price.map { try fixed($0, "price", r) }
        return VenueOrderReport(
            venueOrderId: String(o.orderId), clientOrderId: ClientOrderId(o.clientOrderId), symbol: symbol, side: side,
            status: status, quantity: quantity.flatMap { $0.isZero ? nil : $0 },
            filledQuantity: try o.executedQty.map { try fixed($0, "executedQty", r) } ?? .zero,
            filledQuote: try o.cummulativeQuoteQty.map { try fixed($0, "cummulativeQuoteQty", r) } ?? .zero,
            limitPrice: price.flatMap { $0.isZero ? nil : $0 }, createdAt: o.time ?? o.transactTime)
    }

    static func market(_ s: BinanceWire.SymbolInfo, operation: String) throws -> VenueMarket {
        func value(_ text: String?, _ field: String) throws -> Fixed {
            guard let text else {
                throw VenueError(.malformedResponse, venue: "binance", operation: operation, message: "\(s.symbol): \(field) is missing")
            }
            return try VenueDecimal.parse(text, field: "\(s.symbol) \(field)", venue: "binance", operation: operation)
        }
        guard let lot = s.filters.first(where: { $0.filterType == "LOT_SIZE" }),
            let price = s.filters.first(where: { $0.filterType == "PRICE_FILTER" })
        else {
            throw VenueError(.malformedResponse, venue: "binance", operation: operation,
                             message: "\(s.symbol) has no LOT_SIZE or PRICE_FILTER filter")
        }
        let notional = s.filters.first { $0.filterType == "NOTIONAL" } ?? s.filters.first { $0.filterType == "MIN_NOTIONAL" }
        let rules = VenueRules(
            lotSize: try value(lot.stepSize, "LOT_SIZE.stepSize"), tickSize: try value(price.tickSize, "PRICE_FILTER.tickSize"),
            minNotional: try notional.map { try value($0.minNotional, "\($0.filterType).minNotional") } ?? .zero)
        return VenueMarket(
            symbol: Symbol(base: s.baseAsset, quote: s.quoteAsset), venueSymbol: s.symbol, rules: rules,
            minQuantity: try value(lot.minQty, "LOT_SIZE.minQty"), trading: s.status == "TRADING")
    }
}

import Foundation
