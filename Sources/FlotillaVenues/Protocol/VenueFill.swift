import FlotillaTrading

/// One execution against one of our orders.
public struct VenueFill: Sendable, Equatable {
    /// The venue's id for this fill, unique per venue account (Binance trade id, Coinbase entry id):
    /// what duplicates are dropped by.
    public var id: String
    public var venueOrderId: String
    public var symbol: Symbol
    public var side: Side
    public var price: Fixed
    public var quantity: Fixed
    public var fee: Fixed
    /// The asset the fee was charged in (Binance: any, often BNB; Coinbase: the quote).
    public var feeAsset: String
    public var liquidity: Fill.Liquidity
    /// Unix milliseconds.
    public var time: Int64

    public init(id: String, venueOrderId: String, symbol: Symbol, side: Side, price: Fixed, quantity: Fixed, fee: Fixed,
                feeAsset: String, liquidity: Fill.Liquidity, time: Int64) {
        self.id = id
        self.venueOrderId = venueOrderId
        self.symbol = symbol
        self.side = side
        self.price = price
        self.quantity = quantity
        self.fee = fee
        self.feeAsset = feeAsset
        self.liquidity = liquidity
        self.time = time
    }
}

/// Where the next `fills(since:)` starts. Each venue reads its own: Binance the next trade id
/// (`fromId`, exclusive of what was read), Coinbase a sequence timestamp (inclusive: fills at the
/// cursor's instant come again, and are dropped by `VenueFill.id`).
public struct FillCursor: Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// Fills since a cursor, oldest first, and the cursor to read from next time.
public struct FillPage: Sendable, Equatable {
    public var fills: [VenueFill]
    /// Nil when no fill was read (keep the old cursor).
    public var next: FillCursor?

    public init(fills: [VenueFill], next: FillCursor?) {
        self.fills = fills
        self.next = next
    }
}
