/// One OHLCV candle. `time` is the candle's open time in Unix seconds (UTC).
public struct Candle: Sendable, Hashable, Codable {
    public var time: Int64
    public var open: Fixed
    public var high: Fixed
    public var low: Fixed
    public var close: Fixed
    /// Traded volume in the base currency. Only indicators read it, so it is a `Double`.
    public var volume: Double

    public init(time: Int64, open: Fixed, high: Fixed, low: Fixed, close: Fixed, volume: Double) {
        self.time = time
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }
}

/// A market symbol, `BASE-QUOTE` (ETH-BTC: priced in BTC per ETH).
public struct Symbol: Sendable, Hashable, Codable, CustomStringConvertible {
    public var base: String
    public var quote: String

    public init(base: String, quote: String) {
        self.base = base
        self.quote = quote
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2 else { return nil }
        self.init(base: String(parts[0]), quote: String(parts[1]))
    }

    public var description: String { "\(base)-\(quote)" }
}
