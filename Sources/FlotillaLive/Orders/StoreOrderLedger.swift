import FlotillaStore
import FlotillaTrading

/// The ledger in the state store (tables of `v8-order-intents`). A row this version cannot read
/// (a hand edit, a newer version's kind) is refused by name for its bot only: that bot's
/// reconciliation fails and says why; every other bot trades.
public struct StoreOrderLedger: OrderLedger {
    public let store: StateStore

    public init(store: StateStore) { self.store = store }

    public func nextSequence(bot: String, instance: String) throws -> Int {
        try store.nextOrderSequence(bot: bot, instance: instance)
    }

    public func save(_ intent: OrderIntent) throws {
        try store.saveOrderIntent(Self.row(intent))
    }

    public func intents(bot: String) throws -> [OrderIntent] {
        try store.orderIntents(bot: bot).map(Self.intent)
    }

    public func record(_ fills: [RecordedFill], bot: String, account: String, symbol: Symbol, cursor: FillCursor?) throws -> [RecordedFill] {
        let rows = fills.map { f in
            StoredOrderFill(
                account: f.account, fillId: f.fill.id, bot: f.bot, clientOrderId: f.clientOrderId.rawValue, venueOrderId: f.fill.venueOrderId,
                symbol: f.fill.symbol.description, side: f.fill.side.rawValue, price: f.fill.price.description,
                quantity: f.fill.quantity.description, fee: f.fill.fee.description, feeAsset: f.fill.feeAsset,
                liquidity: f.fill.liquidity.rawValue, time: f.fill.time)
        }
        let added = try store.recordOrderFills(
            rows, cursor: cursor.map { (bot: bot, account: account, symbol: symbol.description, cursor: $0.rawValue) })
        let new = Set(added.map { $0.account + "\u{0}" + $0.fillId })
        return fills.filter { new.contains($0.account + "\u{0}" + $0.fill.id) }
    }

    public func fills(bot: String) throws -> [RecordedFill] {
        try store.orderFills(bot: bot).map { r in
            func bad(_ field: String, _ value: String) -> OrderLedgerError {
                OrderLedgerError(bot: bot, clientOrderId: r.clientOrderId, field: "fill \(r.fillId) \(field)", value: value)
            }
            guard let id = ClientOrderId(r.clientOrderId) else { throw bad("client_order_id", r.clientOrderId) }
            guard let symbol = Symbol(r.symbol) else { throw bad("symbol", r.symbol) }
            guard let side = Side(rawValue: r.side) else { throw bad("side", r.side) }
            guard let price = Fixed(parsing: r.price) else { throw bad("price", r.price) }
            guard let quantity = Fixed(parsing: r.quantity) else { throw bad("quantity", r.quantity) }
            guard let fee = Fixed(parsing: r.fee) else { throw bad("fee", r.fee) }
            let fill = VenueFill(id: r.fillId, venueOrderId: r.venueOrderId, symbol: symbol, side: side, price: price, quantity: quantity,
                                 fee: fee, feeAsset: r.feeAsset, liquidity: Fill.Liquidity(rawValue: r.liquidity) ?? .taker, time: r.time)
            return RecordedFill(bot: r.bot, account: r.account, clientOrderId: id, fill: fill)
        }
    }

    public func fillCursor(bot: String, account: String, symbol: Symbol) throws -> FillCursor? {
        try store.orderFillCursor(bot: bot, account: account, symbol: symbol.description).map(FillCursor.init)
    }

    // MARK: Rows

    static func row(_ i: OrderIntent) -> StoredOrderIntent {
        let (kind, quantity, price, stop): (String, Fixed, Fixed?, Fixed?) =
            switch i.kind {
            case .market(.base(let q)): ("market", q, nil, nil)
            case .market(.quote(let a)): ("marketQuote", a, nil, nil)
            case .limit(let p, let q): ("limit", q, p, nil)
            case .stopLimit(let s, let l, let q): ("stopLimit", q, l, s)
            }
        return StoredOrderIntent(
            account: i.account, clientOrderId: i.clientOrderId.rawValue, bot: i.bot, instance: i.instance, sequence: i.sequence,
            symbol: i.symbol.description, side: i.side.rawValue, kind: kind, quantity: quantity.description, price: price?.description,
            stop: stop?.description, state: i.state.rawValue, reason: i.reason, venueOrderId: i.venueOrderId,
            filledQuantity: i.filledQuantity.description, unknownSince: i.unknownSince, createdAt: i.createdAt, updatedAt: i.updatedAt,
            reference: i.reference)
    }

    static func intent(_ r: StoredOrderIntent) throws -> OrderIntent {
        func bad(_ field: String, _ value: String?) -> OrderLedgerError {
            OrderLedgerError(bot: r.bot, clientOrderId: r.clientOrderId, field: field, value: value ?? "NULL")
        }
        func amount(_ field: String, _ text: String?) throws -> Fixed {
            guard let text, let v = Fixed(parsing: text) else { throw bad(field, text) }
            return v
        }
        guard r.sequence >= 0 else { throw bad("sequence", String(r.sequence)) }
        guard let symbol = Symbol(r.symbol) else { throw bad("symbol", r.symbol) }
        guard let side = Side(rawValue: r.side) else { throw bad("side", r.side) }
        let quantity = try amount("quantity", r.quantity)
        let kind: OrderRequest.Kind
        switch r.kind {
        case "market": kind = .market(.base(quantity))
        case "marketQuote": kind = .market(.quote(quantity))
        case "limit": kind = .limit(price: try amount("price", r.price), quantity: quantity)
        case "stopLimit": kind = .stopLimit(stop: try amount("stop", r.stop), limit: try amount("price", r.price), quantity: quantity)
        default: throw bad("kind", r.kind)
        }
        var intent = OrderIntent(
            bot: r.bot, instance: r.instance, account: r.account, sequence: r.sequence, symbol: symbol, side: side, kind: kind,
            // A state this version does not know reads as unknown: resolved by query before anything else is placed.
            state: OrderState(rawValue: r.state) ?? .unknown, reason: r.reason, venueOrderId: r.venueOrderId,
            filledQuantity: Fixed(parsing: r.filledQuantity) ?? .zero, unknownSince: r.unknownSince, createdAt: r.createdAt,
            updatedAt: r.updatedAt, reference: r.reference)
        // The id is derived, but the stored one is what the venue knows: a row whose id does not
        // match its own (bot, instance, sequence) is not ours to guess about.
        guard intent.clientOrderId.rawValue == r.clientOrderId else { throw bad("client_order_id", r.clientOrderId) }
        if intent.state == .unknown, intent.unknownSince == nil { intent.unknownSince = r.updatedAt }
        return intent
    }
}
