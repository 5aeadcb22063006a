import FlotillaTrading

/// One market as the venue trades it: its symbol both ways and its lot / tick / min-notional rules.
public struct VenueMarket: Sendable, Equatable {
    public var symbol: Symbol
    /// The venue's own name: `BTCUSDT` (Binance), `BTC-USD` (Coinbase).
    public var venueSymbol: String
    /// `lotSize` (quantity step), `tickSize` (price step) and `minNotional` from the venue; fees
    /// and slippage stay zero here (they are the account's, not the market's).
    public var rules: VenueRules
    /// Smallest base quantity (Binance LOT_SIZE minQty, Coinbase base_min_size).
    public var minQuantity: Fixed
    /// False when the venue has halted or disabled trading in it.
    public var trading: Bool

    public init(symbol: Symbol, venueSymbol: String, rules: VenueRules, minQuantity: Fixed, trading: Bool) {
        self.symbol = symbol
        self.venueSymbol = venueSymbol
        self.rules = rules
        self.minQuantity = minQuantity
        self.trading = trading
    }
}

/// What an account holds of one asset.
public struct VenueBalance: Sendable, Equatable {
    public var asset: String
    /// Free to trade.
    public var available: Fixed
    /// Held by open orders.
    public var held: Fixed

    public init(asset: String, available: Fixed, held: Fixed) {
        self.asset = asset
        self.available = available
        self.held = held
    }

    public var total: Fixed { available + held }
}
