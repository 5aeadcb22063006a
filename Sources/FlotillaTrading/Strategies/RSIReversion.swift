/// RSI mean reversion: LONG when RSI rises back above `oversold`, CLOSE when it reaches
/// `overbought`; mirrored for shorts (SHORT when RSI falls back below `overbought`, cover at
/// `oversold`).
public struct RSIReversion: Strategy, Codable, Equatable {
    public let period: Int
    public let oversold: Double, overbought: Double
    public var sizePct: Double?
    private var rsi: RSI
    private var previous: Double?

    public init(period: Int = 14, oversold: Double = 30, overbought: Double = 70, sizePct: Double? = nil) {
        self.period = period
        self.oversold = oversold
        self.overbought = overbought
        self.sizePct = sizePct
        rsi = RSI(period: period)
    }

    public mutating func decide(_ candle: Candle, position: PositionView) -> Decision {
        guard let r = rsi.update(candle.close.double) else { return .hold }
        defer { previous = r }
        if position.isLong && r >= overbought { return Decision(.close, rationale: "RSI \(Int(r)) reached overbought \(Int(overbought))") }
        if position.isShort && r <= oversold { return Decision(.close, rationale: "RSI \(Int(r)) reached oversold \(Int(oversold))") }
        guard let p = previous, position.isFlat else { return .hold }
        if p < oversold && r >= oversold { return Decision(.long, sizePct: sizePct, rationale: "RSI rose back above oversold \(Int(oversold))") }
        if p > overbought && r <= overbought { return Decision(.short, sizePct: sizePct, rationale: "RSI fell back below overbought \(Int(overbought))") }
        return .hold
    }
}
