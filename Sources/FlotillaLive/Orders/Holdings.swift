import FlotillaTrading

/// A fill of one of a bot's orders, as recorded: the venue's fill and whose order it was.
public struct RecordedFill: Sendable, Equatable {
    public var bot: String
    public var account: String
    public var clientOrderId: ClientOrderId
    public var fill: VenueFill

    public init(bot: String, account: String, clientOrderId: ClientOrderId, fill: VenueFill) {
        self.bot = bot
        self.account = account
        self.clientOrderId = clientOrderId
        self.fill = fill
    }
}

/// What a bot's fills did to its account, asset by asset: the base bought less sold, the quote
/// received less spent, each fee taken from the asset it was charged in. Exact (`Fixed`); a
/// position is this sum, never an order's own report of what it filled.
public struct Holdings: Sendable, Equatable {
    public private(set) var change: [String: Fixed] = [:]

    public init() {}

    public init(_ fills: some Sequence<VenueFill>) {
        for f in fills { add(f) }
    }

    public mutating func add(_ f: VenueFill) {
        let notional = f.quantity.multiplied(by: f.price)
        switch f.side {
        case .buy:
            change[f.symbol.base, default: .zero] += f.quantity
            change[f.symbol.quote, default: .zero] -= notional
        case .sell:
            change[f.symbol.base, default: .zero] -= f.quantity
            change[f.symbol.quote, default: .zero] += notional
        }
        change[f.feeAsset, default: .zero] -= f.fee
    }

    /// The change in one asset (zero when no fill touched it).
    public subscript(asset: String) -> Fixed { change[asset] ?? .zero }
}
