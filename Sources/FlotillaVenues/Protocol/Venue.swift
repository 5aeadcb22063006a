import FlotillaTrading

/// A real exchange account, as a bot's order flow sees it. Every call either answers or throws a
/// `VenueError` whose `classification` says what the caller may do next.
public protocol Venue: Sendable {
    /// `binance` or `coinbase`.
    var name: String { get }

    /// The venue's clock, Unix milliseconds.
    func serverTime() async throws -> Int64

    /// The trading rules of the markets asked for (all the venue lists when `symbols` is empty).
    func markets(_ symbols: [Symbol]) async throws -> [VenueMarket]

    /// Every asset the account holds (zero balances left out).
    func balances() async throws -> [VenueBalance]

    /// Closed and current candles whose open time is in `start..<end` (Unix seconds), oldest first.
    func candles(_ symbol: Symbol, interval: CandleInterval, start: Int64, end: Int64) async throws -> [Candle]

    /// Sends the order once. A `.unknownOutcome` error means: look it up with `order(_:)` before
    /// anything else is placed.
    func place(_ order: OrderRequest) async throws -> VenueOrderReport

    /// Cancels; an order already done or unknown is an answer, not an error.
    func cancel(_ order: OrderReference) async throws -> CancelOutcome

    /// The order with this client id, or nil when the venue knows none (yet).
    func order(_ clientOrderId: ClientOrderId, symbol: Symbol) async throws -> VenueOrderReport?

    /// Orders still working, for one market or all.
    func openOrders(_ symbol: Symbol?) async throws -> [VenueOrderReport]

    /// Our fills in `symbol` from `cursor` on (from the start of what the venue keeps when nil).
    func fills(_ symbol: Symbol, since cursor: FillCursor?) async throws -> FillPage
}
