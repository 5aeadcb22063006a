import FlotillaTrading
import Foundation

/// Coinbase Advanced Trade as a `Venue`: a fresh ES256 JWT on every private request, cursor
/// paging, and `Retry-After` honoured after a 429.
public actor CoinbaseAdvancedTrade: Venue {
    public nonisolated let name = "coinbase"
    public let account: CoinbaseAccount
    public let requests: CoinbaseRequests
    let transport: any HTTPTransport
    let clock: VenueClock
    let nonce: @Sendable () -> String
    /// Pages of historical orders searched for a client order id (newest first, 250 a page).
    public var clientIdSearchPages = 4
    public private(set) var quietUntil: Int64?
    /// The account's budget, shared with every other client on the same account (nil: none).
    public let budget: RateBudget?

    public init(account: CoinbaseAccount, transport: any HTTPTransport, clock: VenueClock = .system,
                nonce: @escaping @Sendable () -> String = CoinbaseJWT.randomNonce, budget: RateBudget? = nil) {
        self.budget = budget
        self.account = account
        self.requests = CoinbaseRequests(baseURL: account.baseURL)
        self.transport = transport
        self.clock = clock
        self.nonce = nonce
    }

    // MARK: Venue

    public func serverTime() async throws -> Int64 {
        let r = requests.serverTime()
        let t = try decode(CoinbaseWire.ServerTime.self, try await send(r, signed: false), r)
        if let ms = t.epochMillis.flatMap({ Int64($0) }) { return ms }
        guard let s = Int64(t.epochSeconds) else { throw malformed(r, "epochSeconds is not a whole number") }
        return s * 1000
    }

    public func markets(_ symbols: [Symbol]) async throws -> [VenueMarket] {
        let r = requests.products(symbols)
        let products = try decode(CoinbaseWire.Products.self, try await send(r, signed: false), r).products
        return try products.map { p in
            let rules = VenueRules(
                lotSize: try fixed(p.base_increment, "\(p.product_id) base_increment", r),
                tickSize: try fixed(p.price_increment ?? p.quote_increment, "\(p.product_id) price_increment", r),
                minNotional: try fixed(p.quote_min_size, "\(p.product_id) quote_min_size", r))
            return VenueMarket(
                symbol: Symbol(base: p.base_currency_id, quote: p.quote_currency_id), venueSymbol: p.product_id, rules: rules,
                minQuantity: try fixed(p.base_min_size, "\(p.product_id) base_min_size", r),
                trading: (p.status ?? "online") == "online" && p.trading_disabled != true && p.is_disabled != true)
        }
    }

    public func balances() async throws -> [VenueBalance] {
        var out: [VenueBalance] = []
        var cursor: String? = nil
        repeat {
            let r = requests.accounts(cursor: cursor)
            let page = try decode(CoinbaseWire.Accounts.self, try await send(r, signed: true), r)
            for a in page.accounts {
                let available = try fixed(a.available_balance.value, "\(a.currency) available_balance", r)
                let held = try a.hold.map { try fixed($0.value, "\(a.currency) hold", r) } ?? .zero
                if !available.isZero || !held.isZero { out.append(VenueBalance(asset: a.currency, available: available, held: held)) }
            }
            cursor = page.has_next ? page.cursor : nil
        } while cursor != nil && !(cursor ?? "").isEmpty
        return out
    }

    public func candles(_ symbol: Symbol, interval: CandleInterval, start: Int64, end: Int64) async throws -> [Candle] {
        var out: [Candle] = []
        var from = start
        let window = 350 * interval.seconds
        while from < end {
            let to = min(end - 1, from + window - 1)
            let r = requests.candles(symbol, interval: interval, start: from, end: to)
            let rows = try decode(CoinbaseWire.Candles.self, try await send(r, signed: false), r).candles
            for c in rows {
                guard let t = Int64(c.start), let volume = Double(c.volume) else { throw malformed(r, "candle start or volume is not a number") }
                guard t >= from, t < end else { continue }
                out.append(Candle(time: t, open: try fixed(c.open, "open", r), high: try fixed(c.high, "high", r),
                                  low: try fixed(c.low, "low", r), close: try fixed(c.close, "close", r), volume: volume))
            }
            from = to + 1
        }
        // Coinbase answers newest first.
        out.sort { $0.time < $1.time }
        return out
    }

    public func place(_ order: OrderRequest) async throws -> VenueOrderReport {
        let r = requests.createOrder(order)
        let answer = try decode(CoinbaseWire.CreateOrderResponse.self, try await send(r, signed: true), r)
        guard answer.success, let ok = answer.success_response else { throw CoinbaseErrors.refusal(answer) }
        var quantity: Fixed? = nil
        var price: Fixed? = nil
        switch order.kind {
        case .market(.base(let q)): quantity = q
        case .market(.quote): break
        case .limit(let p, let q):
            price = p
            quantity = q
        case .stopLimit(_, let l, let q):
            price = l
            quantity = q
        }
        return VenueOrderReport(
            venueOrderId: ok.order_id, clientOrderId: order.clientOrderId, symbol: order.symbol, side: order.side,
            status: .pending, quantity: quantity, filledQuantity: .zero, filledQuote: .zero, limitPrice: price, createdAt: nil)
    }

    public func cancel(_ order: OrderReference) async throws -> CancelOutcome {
        var id = order.venueOrderId
        if id == nil {
            guard let found = try await self.order(order.clientOrderId, symbol: order.symbol) else { return .notFound }
            if !found.status.isOpen { return .alreadyDone }
            id = found.venueOrderId
        }
        guard let id else { return .notFound }
        let r = requests.batchCancel([id])
        let results = try decode(CoinbaseWire.BatchCancelResponse.self, try await send(r, signed: true), r).results
        guard let result = results.first(where: { $0.order_id == id }) ?? results.first else {
            throw VenueError(.unknownOutcome, venue: name, operation: r.operation, message: "batch_cancel answered no result for the order")
        }
        if result.success { return .cancelled }
        if result.failure_reason == "UNKNOWN_CANCEL_ORDER" { return .notFound }
        // Refused: most often because it is already done. Ask.
        let g = requests.order(venueOrderId: id)
        let now = try report(decode(CoinbaseWire.OrderEnvelope.self, try await send(g, signed: true), g).order, g)
        if !now.status.isOpen { return .alreadyDone }
        throw VenueError(.rejected, venue: name, operation: r.operation, venueCode: result.failure_reason,
                         message: "the venue refused to cancel an open order")
    }

    public func order(_ clientOrderId: ClientOrderId, symbol: Symbol) async throws -> VenueOrderReport? {
        var cursor: String? = nil
        for _ in 0..<max(1, clientIdSearchPages) {
            let r = requests.listOrders(symbol, openOnly: false, cursor: cursor)
            let page = try decode(CoinbaseWire.Orders.self, try await send(r, signed: true), r)
            if let o = page.orders.first(where: { $0.client_order_id == clientOrderId.rawValue }) { return try report(o, r) }
            guard page.has_next, let next = page.cursor, !next.isEmpty else { return nil }
            cursor = next
        }
        return nil
    }

    public func openOrders(_ symbol: Symbol?) async throws -> [VenueOrderReport] {
        var out: [VenueOrderReport] = []
        var cursor: String? = nil
        repeat {
            let r = requests.listOrders(symbol, openOnly: true, cursor: cursor)
            let page = try decode(CoinbaseWire.Orders.self, try await send(r, signed: true), r)
            out += try page.orders.map { try report($0, r) }
            cursor = page.has_next ? page.cursor : nil
        } while cursor != nil && !(cursor ?? "").isEmpty
        return out
    }

    public func fills(_ symbol: Symbol, since cursor: FillCursor?) async throws -> FillPage {
        if let cursor, VenueTime.milliseconds(cursor.rawValue) == nil {
            throw VenueError(.rejected, venue: name, operation: "fills",
                             message: "fill cursor \"\(cursor.rawValue.prefix(40))\" is not an RFC 3339 sequence timestamp")
        }
        var fills: [(sequence: String, at: Int64, fill: VenueFill)] = []
        var page: String? = nil
        repeat {
            let r = requests.fills(symbol, startSequenceTimestamp: cursor?.rawValue, cursor: page)
            let answer = try decode(CoinbaseWire.Fills.self, try await send(r, signed: true), r)
            for f in answer.fills {
                guard let time = VenueTime.milliseconds(f.trade_time), let seq = VenueTime.milliseconds(f.sequence_timestamp) else {
                    throw malformed(r, "fill \(f.entry_id) has a time that is not RFC 3339")
                }
                let side: Side = f.side == "BUY" ? .buy : .sell
                guard f.side == "BUY" || f.side == "SELL" else { throw malformed(r, "fill side \(f.side) is not BUY or SELL") }
                var quantity = try fixed(f.size, "size", r)
                let price = try fixed(f.price, "price", r)
                if f.size_in_quote == true {
                    // Size given in quote: base = quote / price, exactly or not at all.
                    let base = quantity.divided(by: price, rounding: .towardZero)
                    guard base.multiplied(by: price, rounding: .towardZero) == quantity else {
                        throw VenueError(.inexactValue, venue: name, operation: r.operation, message: "fill \(f.entry_id): quote size over price is not exact to 8 places")
                    }
                    quantity = base
                }
                fills.append((f.sequence_timestamp, seq, VenueFill(
                    id: f.entry_id, venueOrderId: f.order_id, symbol: symbol, side: side, price: price, quantity: quantity,
                    fee: try fixed(f.commission, "commission", r), feeAsset: symbol.quote,
                    liquidity: f.liquidity_indicator == "MAKER" ? .maker : .taker, time: time)))
            }
            page = answer.cursor
        } while page != nil && !(page ?? "").isEmpty
        fills.sort { ($0.at, $0.fill.id) < ($1.at, $1.fill.id) }
        var seen = Set<String>()
        let unique = fills.filter { seen.insert($0.fill.id).inserted }
        return FillPage(fills: unique.map(\.fill), next: unique.last.map { FillCursor($0.sequence) })
    }

    // MARK: Sending

    func send(_ request: VenueRequest, signed: Bool) async throws -> [UInt8] {
        let now = clock.nowMilliseconds()
        if let until = quietUntil {
            if now < until {
                throw VenueError(.rateLimited(retryAfterSeconds: Int((until - now + 999) / 1000)), venue: name,
                                 operation: request.operation, message: "waiting out the venue's Retry-After; not sent")
            }
            quietUntil = nil
        }
        // Admitted before the token is made: a wait for the budget never ages the JWT.
        try await admit(request, budget, venue: name)
        let r = signed ? try CoinbaseRequests.authorized(request, key: account.key, nowSeconds: clock.nowMilliseconds() / 1000, nonce: nonce()) : request
        let response: VenueResponse
        do {
            response = try await transport.send(r)
            await budget?.observe(response)
        } catch {
            let write = request.effect == .write
            switch error {
            case .notSent(let m): throw VenueError(.network, venue: name, operation: request.operation, message: m)
            case .timedOut(sent: false):
                throw VenueError(.timedOutBeforeSending, venue: name, operation: request.operation, message: "not sent")
            case .timedOut(sent: true):
                throw VenueError(write ? .unknownOutcome : .unavailable, venue: name, operation: request.operation,
                                 message: "timed out after sending")
            case .lost(let m):
                throw VenueError(write ? .unknownOutcome : .unavailable, venue: name, operation: request.operation,
                                 message: "connection lost after sending: \(m)")
            }
        }
        if (200..<300).contains(response.status) { return response.body }
        let body = try? JSONDecoder().decode(CoinbaseWire.ErrorBody.self, from: Data(response.body))
        let error = CoinbaseErrors.classify(status: response.status, body: body, text: response.text,
                                            retryAfter: response.retryAfterSeconds, effect: request.effect,
                                            operation: request.operation)
        if let seconds = error.retryAfterSeconds { quietUntil = now + Int64(seconds) * 1000 }
        throw error
    }

    // MARK: Decoding

    private func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], _ request: VenueRequest) throws -> T {
        try WireDecoding.decode(type, body, venue: name, request: request)
    }

    private func fixed(_ text: String, _ field: String, _ request: VenueRequest) throws -> Fixed {
        try VenueDecimal.parse(text, field: field, venue: name, operation: request.operation)
    }

    private func malformed(_ request: VenueRequest, _ message: String) -> VenueError {
        VenueError(.malformedResponse, venue: name, operation: request.operation, message: message)
    }

    private func report(_ o: CoinbaseWire.Order, _ r: VenueRequest) throws -> VenueOrderReport {
        guard let symbol = Symbol(o.product_id) else { throw malformed(r, "product_id \(o.product_id) is not BASE-QUOTE") }
        let filled = try o.filled_size.map { try fixed($0, "filled_size", r) } ?? .zero
        let status: VenueOrderStatus
        switch o.status {
        case "OPEN", "CANCEL_QUEUED", "EDIT_QUEUED": status = filled.isZero ? .open : .partiallyFilled
        case "PENDING", "QUEUED", "UNKNOWN_ORDER_STATUS": status = .pending
        case "FILLED": status = .filled
        case "CANCELLED": status = .cancelled
        case "EXPIRED": status = .expired
        case "FAILED": status = .rejected
        default: throw malformed(r, "order status \(o.status) is not documented")
        }
        guard o.side == "BUY" || o.side == "SELL" else { throw malformed(r, "order side \(o.side) is not BUY or SELL") }
        let configuration = o.order_configuration?.values.first
        return VenueOrderReport(
            venueOrderId: o.order_id, clientOrderId: ClientOrderId(o.client_order_id), symbol: symbol,
            side: o.side == "BUY" ? .buy : .sell, status: status,
            quantity: try configuration?.base_size.map { try fixed($0, "base_size", r) },
            filledQuantity: filled, filledQuote: try o.filled_value.map { try fixed($0, "filled_value", r) } ?? .zero,
            limitPrice: try configuration?.limit_price.map { try fixed($0, "limit_price", r) },
            createdAt: o.created_time.flatMap(VenueTime.milliseconds))
    }
}
