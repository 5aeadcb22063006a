import Foundation

/// Seeded geometric Brownian motion candles: the same seed gives the same candles on any machine.
///
/// Each candle's close is `previous × exp((drift − σ²/2) + σ·Z)` with Z standard normal (Box–Muller
/// over a SplitMix64 stream); open is the previous close; high and low widen the body by a
/// half-normal amount. Prices are rounded to `tick`.
public struct SyntheticCandles: Sequence, IteratorProtocol, Sendable {
    public var seed: UInt64
    public var interval: Int64
    public var volatility: Double
    public var drift: Double
    public var tick: Fixed
    private var state: UInt64
    private var time: Int64
    private var price: Double
    private var spare: Double?

    /// - Parameters: volatilityPct and driftPct per candle, in percent.
    public init(seed: UInt64, start: Fixed = 100, startTime: Int64 = 1_514_764_800, interval: Int64 = 60,
                volatilityPct: Double = 1, driftPct: Double = 0, tick: Fixed = Fixed(units: 1)) {
        self.seed = seed
        self.interval = interval
        self.volatility = volatilityPct / 100
        self.drift = driftPct / 100
        self.tick = tick
        self.state = seed &+ 0x9E37_79B9_7F4A_7C15
        self.time = startTime
        self.price = start.double
    }

    private mutating func nextUInt64() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func uniform() -> Double { (Double(nextUInt64() >> 11) + 0.5) / 9_007_199_254_740_992 }

    private mutating func normal() -> Double {
        if let s = spare {
            spare = nil
            return s
        }
        let u1 = uniform(), u2 = uniform()
        let r = (-2 * Foundation.log(u1)).squareRoot()
        spare = r * Foundation.sin(2 * .pi * u2)
        return r * Foundation.cos(2 * .pi * u2)
    }

    public mutating func next() -> Candle? {
        let open = price
        let close = open * Foundation.exp((drift - volatility * volatility / 2) + volatility * normal())
        let wick = volatility * open
        let high = Swift.max(open, close) + abs(normal()) * wick * 0.5
        let low = Swift.max(Swift.min(open, close) - abs(normal()) * wick * 0.5, Swift.min(open, close) * 0.5)
        price = close
        defer { time += interval }
        func fixed(_ v: Double) -> Fixed { Swift.max(tick, Fixed(approximating: v).rounded(toMultipleOf: tick, .nearest)) }
        let o = fixed(open), c = fixed(close)
        let h = Swift.max(fixed(high), o, c), l = Swift.min(fixed(low), o, c)
        return Candle(time: time, open: o, high: h, low: l, close: c, volume: 1000 * (1 + abs(normal())))
    }
}
