/// Momentum: the rate of change over `period` candles. LONG when it exceeds +threshold, SHORT
/// when it falls below −threshold; a position is closed when momentum turns against it.
public struct Momentum: Strategy, Codable, Equatable {
    public let period: Int
    public let thresholdPct: Double
    public var sizePct: Double?
    private var window: RingBuffer

    public init(period: Int = 10, thresholdPct: Double = 1, sizePct: Double? = nil) {
        self.period = period
        self.thresholdPct = thresholdPct
        self.sizePct = sizePct
        window = RingBuffer(capacity: period + 1)
    }

    public mutating func decide(_ candle: Candle, position: PositionView) -> Decision {
        window.push(candle.close.double)
        guard window.isFull else { return .hold }
        let roc = (window[newest: 0] / window[newest: period] - 1) * 100
        if position.isLong && roc < 0 { return Decision(.close, rationale: "momentum turned negative") }
        if position.isShort && roc > 0 { return Decision(.close, rationale: "momentum turned positive") }
        guard position.isFlat else { return .hold }
        if roc > thresholdPct { return Decision(.long, sizePct: sizePct, rationale: "rate of change above +\(thresholdPct)%") }
        if roc < -thresholdPct { return Decision(.short, sizePct: sizePct, rationale: "rate of change below −\(thresholdPct)%") }
        return .hold
    }
}
