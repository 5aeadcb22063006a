import FlotillaSpec
import FlotillaTrading

/// What one live candle feed serves: a venue's candles of one symbol at one interval. The fleet
/// runs one feed per key, whatever the number of bots and instances reading it.
public struct FeedKey: Sendable, Hashable, CustomStringConvertible {
    public var venue: MarketSource.LiveVenue
    public var symbol: Symbol
    public var interval: CandleInterval

    public init(venue: MarketSource.LiveVenue, symbol: Symbol, interval: CandleInterval) {
        self.venue = venue
        self.symbol = symbol
        self.interval = interval
    }

    /// The key of a bot's live source on `symbol`, or nil when the bot's source is not live or
    /// its interval is not one the venues serve (validation refuses both before this is asked).
    public init?(source: MarketSource, symbol: String, intervalSeconds: Int64) {
        guard case .live(let venue, _) = source.feed, let symbol = Symbol(symbol),
            let interval = CandleInterval.allCases.first(where: { $0.seconds == intervalSeconds })
        else { return nil }
        self.init(venue: venue, symbol: symbol, interval: interval)
    }

    /// `binance BTC-USDT 1m`
    public var description: String { "\(venue.rawValue) \(symbol) \(interval.rawValue)" }
}
