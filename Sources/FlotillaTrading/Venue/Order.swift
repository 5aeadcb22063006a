public enum Side: String, Sendable, Codable {
    case buy, sell
}

public enum OrderType: Sendable, Codable, Equatable {
    /// Fills at the next candle's open, plus slippage, as a taker.
    case market
    /// Fills when the candle trades at or through the price, as a maker: at the open when the
    /// candle opens past it, else at the limit.
    case limit(Fixed)
    /// Triggers when the candle trades at or through the price; fills there (or at the open when
    /// the candle gaps past it), plus slippage, as a taker.
    case stop(Fixed)
}

public enum OrderStatus: Sendable, Codable, Equatable {
    case open
    case filled
    case cancelled
    case rejected(String)
}

public struct Order: Sendable, Codable, Equatable {
    public var id: Int64
    public var clientOrderId: String
    public var side: Side
    public var type: OrderType
    /// Base quantity; for a `.quote` market order, set when it fills.
    public var quantity: Fixed
    /// Quote amount to spend (fees included) for an all-in market buy; nil for base-sized orders.
    public var quoteBudget: Fixed?
    public var status: OrderStatus
    public var submittedAt: Int64
    public var filledAt: Int64?
    public var fillPrice: Fixed?
    public var fee: Fixed?
    /// Base filled so far, for an order an exchange fills (possibly in parts); nil on the paper venue.
    public var filled: Fixed?
}

public struct Fill: Sendable, Codable, Equatable {
    public enum Liquidity: String, Sendable, Codable { case maker, taker }
    public var orderId: Int64
    public var clientOrderId: String
    public var side: Side
    public var quantity: Fixed
    public var price: Fixed
    public var fee: Fixed
    public var liquidity: Liquidity
    public var time: Int64
    /// Price moved against the order by slippage, in basis points of the reference price.
    public var slippageBps: Double
    /// Realized PnL this fill booked (closing part only).
    public var realizedPnL: Fixed
}

/// A venue's trading rules for one market.
public struct VenueRules: Sendable, Codable, Equatable {
    /// Quantities are multiples of this.
    public var lotSize: Fixed
    /// Prices are multiples of this.
    public var tickSize: Fixed
    /// Smallest order value in quote currency.
    public var minNotional: Fixed
    /// Fees as a fraction of notional: 0.001 is 0.1 %.
    public var makerFee: Fixed
    public var takerFee: Fixed
    /// Market and stop fills move against the order by this many basis points.
    public var slippageBps: Int64
    /// Spot: no selling what isn't held, no spending cash that isn't there.
    public var allowShort: Bool

    public init(lotSize: Fixed = Fixed(units: 1), tickSize: Fixed = Fixed(units: 1), minNotional: Fixed = .zero,
                makerFee: Fixed = .zero, takerFee: Fixed = .zero, slippageBps: Int64 = 0, allowShort: Bool = false) {
        self.lotSize = lotSize
        self.tickSize = tickSize
        self.minNotional = minNotional
        self.makerFee = makerFee
        self.takerFee = takerFee
        self.slippageBps = slippageBps
        self.allowShort = allowShort
    }
}
