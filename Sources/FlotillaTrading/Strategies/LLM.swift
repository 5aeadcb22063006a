import Foundation

/// `kind: llm`: the decisions come from a language model, asked at the edge by the bot's
/// instance (live) or read from the record of what it answered (`flotilla backtest`). This value
/// keeps what a prompt shows — the last candles and the seeds' indicators — and returns, for each
/// candle, the decision it was handed for that candle's time; a candle without one is HOLD
/// "no recorded decision".
public struct LLMStrategy: ModelDecided, Codable, Equatable {
    /// Recent candles kept for the prompt.
    public let window: Int
    private var recent: [Candle] = []
    private var ema12 = EMA(period: 12)
    private var ema26 = EMA(period: 26)
    private var rsi14 = RSI(period: 14)
    private var macd = MACD(fast: 12, slow: 26, signal: 9)
    private var bands = BollingerBands(period: 20, deviations: 2)
    private var vwap = VWAP()
    private var cipherB = CipherB()
    private var cipherA = CipherA()
    private var values = Values()
    /// Decisions handed over and not yet decided on, by candle time.
    private var decisions: [Int64: ReceivedDecision] = [:]

    /// The last value of each indicator.
    struct Values: Codable, Equatable {
        var ema12: Double?
        var ema26: Double?
        var rsi14: Double?
        var macd: MACD.Value?
        var bands: BollingerBands.Value?
        var vwap: Double?
        var cipherB: CipherB.Value?
    }

    /// `Decision` as persisted between a model call's answer and the step on its candle.
    struct ReceivedDecision: Codable, Equatable {
        var action: TradeAction
        var sizePct: Double?
        var stopLossPct: Double?
        var takeProfitPct: Double?
        var rationale: String

        init(_ d: Decision) {
            action = d.action
            sizePct = d.sizePct
            stopLossPct = d.stopLossPct
            takeProfitPct = d.takeProfitPct
            rationale = d.rationale
        }

        var decision: Decision { Decision(action, sizePct: sizePct, stopLossPct: stopLossPct, takeProfitPct: takeProfitPct, rationale: rationale) }
    }

    public static let noRecord = "no recorded decision"

    /// `recorded`: decisions by candle time (a replay); empty for a live bot, which is handed each
    /// candle's decision as the model answers.
    public init(window: Int = 20, recorded: [Int64: Decision] = [:]) {
        self.window = max(1, window)
        decisions = recorded.mapValues { ReceivedDecision($0) }
    }

    public mutating func decide(_ candle: Candle, position: PositionView) -> Decision {
        update(with: candle)
        guard let received = decisions.removeValue(forKey: candle.time) else { return Decision(.hold, rationale: Self.noRecord) }
        return received.decision
    }

    public mutating func receive(_ decision: Decision, forCandleAt time: Int64) {
        // Only what is still ahead is kept: a live bot holds at most a candle's decision.
        if decisions.count > 4 { decisions = decisions.filter { $0.key >= time } }
        decisions[time] = ReceivedDecision(decision)
    }

    public func market(after candle: Candle) -> MarketState {
        var next = self
        next.update(with: candle)
        let v = next.values
        return MarketState(candles: next.recent, ema12: v.ema12, ema26: v.ema26, rsi14: v.rsi14, macd: v.macd, bands: v.bands, vwap: v.vwap,
                           cipherB: v.cipherB, cipherATrend: next.cipherA.signal)
    }

    private mutating func update(with candle: Candle) {
        if recent.last?.time == candle.time { return }  // a candle seen twice (a retry) counts once
        recent.append(candle)
        if recent.count > window { recent.removeFirst(recent.count - window) }
        let (o, h, l, c) = (candle.open.double, candle.high.double, candle.low.double, candle.close.double)
        values.ema12 = ema12.update(c) ?? values.ema12
        values.ema26 = ema26.update(c) ?? values.ema26
        values.rsi14 = rsi14.update(c) ?? values.rsi14
        values.macd = macd.update(c) ?? values.macd
        values.bands = bands.update(c) ?? values.bands
        values.vwap = vwap.update(time: candle.time, high: h, low: l, close: c, volume: candle.volume) ?? values.vwap
        values.cipherB = cipherB.update(open: o, high: h, low: l, close: c) ?? values.cipherB
        cipherA.update(c)
    }
}
