/// Moving-average crossover: LONG when the fast SMA crosses above the slow one, CLOSE (or SHORT
/// when shorting is allowed) when it crosses below. A cross is strict on both candles, as
/// backtesting.py's `crossover`: fast < slow before and fast > slow now.
public struct MACrossover: Strategy, Codable, Equatable {
    public let fast: Int, slow: Int
    /// Position size per entry, % of equity (nil: risk-based sizing).
    public var sizePct: Double?
    private var fastMA: SMA
    private var slowMA: SMA
    private var previous: Averages?

    /// The two averages on the previous candle.
    private struct Averages: Codable, Equatable {
        var fast: Double
        var slow: Double
    }

    public init(fast: Int = 10, slow: Int = 30, sizePct: Double? = nil) {
        self.fast = fast
        self.slow = slow
        self.sizePct = sizePct
        fastMA = SMA(period: fast)
        slowMA = SMA(period: slow)
    }

    public mutating func decide(_ candle: Candle, position: PositionView) -> Decision {
        let close = candle.close.double
        // Both averages see every close: a `guard let f = fast.update(x), let s = slow.update(x)`
        // would skip the slow one while the fast one warms up, delaying the slow average by
        // `fast − 1` candles and missing a cross right after the warm-up.
        let fastValue = fastMA.update(close), slowValue = slowMA.update(close)
        guard let f = fastValue, let s = slowValue else { return .hold }
        defer { previous = Averages(fast: f, slow: s) }
        guard let p = previous else { return .hold }
        if p.fast < p.slow && f > s {
            if position.isLong { return .hold }
            if position.isShort { return Decision(.close, rationale: "SMA\(fast) crossed above SMA\(slow): covering the short") }
            return Decision(.long, sizePct: sizePct, rationale: "SMA\(fast) crossed above SMA\(slow)")
        }
        if p.fast > p.slow && f < s {
            if position.isLong { return Decision(.close, rationale: "SMA\(fast) crossed below SMA\(slow)") }
            if position.isFlat { return Decision(.short, sizePct: sizePct, rationale: "SMA\(fast) crossed below SMA\(slow)") }
        }
        return .hold
    }
}
