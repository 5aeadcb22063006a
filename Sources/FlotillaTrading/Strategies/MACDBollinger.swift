/// MACD confirmed by Bollinger Bands: LONG when the MACD line crosses above its signal while the
/// close is below the middle band (momentum turning up from a dip); CLOSE when MACD crosses back
/// below the signal or the close reaches the upper band. Mirrored for shorts.
public struct MACDBollinger: Strategy, Codable, Equatable {
    public var sizePct: Double?
    private var macd: MACD
    private var bands: BollingerBands
    private var previous: MACD.Value?

    public init(fast: Int = 12, slow: Int = 26, signal: Int = 9, bbPeriod: Int = 20, bbStdDev: Double = 2, sizePct: Double? = nil) {
        macd = MACD(fast: fast, slow: slow, signal: signal)
        bands = BollingerBands(period: bbPeriod, deviations: bbStdDev)
        self.sizePct = sizePct
    }

    public mutating func decide(_ candle: Candle, position: PositionView) -> Decision {
        let close = candle.close.double
        let band = bands.update(close)
        guard let m = macd.update(close), let band else { return .hold }
        defer { previous = m }
        guard let p = previous else { return .hold }
        let crossedUp = p.macd <= p.signal && m.macd > m.signal
        let crossedDown = p.macd >= p.signal && m.macd < m.signal
        if position.isLong && (crossedDown || close >= band.upper) {
            return Decision(.close, rationale: crossedDown ? "MACD crossed below its signal" : "close reached the upper band")
        }
        if position.isShort && (crossedUp || close <= band.lower) {
            return Decision(.close, rationale: crossedUp ? "MACD crossed above its signal" : "close reached the lower band")
        }
        guard position.isFlat else { return .hold }
        if crossedUp && close < band.middle { return Decision(.long, sizePct: sizePct, rationale: "MACD crossed up below the middle band") }
        if crossedDown && close > band.middle { return Decision(.short, sizePct: sizePct, rationale: "MACD crossed down above the middle band") }
        return .hold
    }
}
