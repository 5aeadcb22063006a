import FlotillaTrading
import Foundation
import Testing

/// Candles from closes (open = previous close), one a minute.
func series(_ closes: [Double]) -> [Candle] {
    var previous = closes.first ?? 1
    return closes.enumerated().map { i, c in
        defer { previous = c }
        let o = Fixed(approximating: previous), cl = Fixed(approximating: c)
        return Candle(time: Int64(i) * 60, open: o, high: max(o, cl), low: min(o, cl), close: cl, volume: 1)
    }
}

/// Runs a strategy over closes holding `position`, returning the non-HOLD decisions by index.
func signals<S: Strategy>(_ strategy: S, _ closes: [Double], position: (Int) -> PositionView = { _ in PositionView() }) -> [(Int, TradeAction)] {
    var s = strategy
    var out: [(Int, TradeAction)] = []
    for (i, candle) in series(closes).enumerated() {
        let d = s.decide(candle, position: position(i))
        if d.action != .hold { out.append((i, d.action)) }
    }
    return out
}

@Suite("Strategies")
struct StrategyTests {
    @Test("ma_crossover goes long on the cross up and closes on the cross down")
    func maCrossover() {
        let down: [Double] = (0..<10).map { 100 - Double($0) }
        let up: [Double] = (0..<10).map { 91 + Double($0) * 3 }
        let fall: [Double] = (0..<10).map { 118 - Double($0) * 4 }
        let closes = down + up + fall
        let flat = signals(MACrossover(fast: 2, slow: 5), closes)
        #expect(flat.first?.1 == .long, "\(flat)")
        #expect(flat.contains { $0.1 == .short }, "flat on the cross down: a short signal")
        let long = signals(MACrossover(fast: 2, slow: 5), closes, position: { _ in PositionView(quantity: 1) })
        #expect(long.map(\.1) == [.close])
        #expect(signals(LongOnly(MACrossover(fast: 2, slow: 5)), closes).allSatisfy { $0.1 != .short })
    }

    @Test("ma_crossover acts on a cross on the first candle after both averages exist")
    func maCrossoverRightAfterWarmUp() {
        // SMA(3)/SMA(6): both exist from candle 5; falling until then (fast < slow), a jump on
        // candle 6 puts the fast average above the slow one.
        let closes: [Double] = [110, 108, 106, 104, 102, 100, 130, 131, 132]
        let decisions = signals(MACrossover(fast: 3, slow: 6), closes)
        #expect(decisions.first?.0 == 6, "\(decisions)")
        #expect(decisions.first?.1 == .long)
    }

    @Test("rsi enters when RSI leaves oversold and exits at overbought")
    func rsi() {
        let fall: [Double] = (0..<20).map { 100 - Double($0) }
        let bounce: [Double] = (0..<3).map { 81 + Double($0) * 2 }
        let rally: [Double] = (0..<20).map { 87 + Double($0) * 2 }
        let closes = fall + bounce + rally
        let entries = signals(RSIReversion(period: 5, oversold: 30, overbought: 70), closes)
        #expect(entries.first?.1 == .long)
        let exits = signals(RSIReversion(period: 5, oversold: 30, overbought: 70), closes, position: { _ in PositionView(quantity: 1) })
        #expect(exits.contains { $0.1 == .close })
    }

    @Test("momentum follows a rate of change past the threshold and closes when it turns")
    func momentum() {
        let closes = [100, 100, 100, 103, 106, 109, 108, 107, 106.0]
        let first: TradeAction? = signals(Momentum(period: 2, thresholdPct: 2), closes).first?.1
        #expect(first == .long)
        let held = signals(Momentum(period: 2, thresholdPct: 2), closes, position: { _ in PositionView(quantity: 1) })
        #expect(held.map(\.1) == [.close, .close])
    }

    @Test("grid buys each level the price falls through and sells a level a spacing above it")
    func grid() {
        var g = Grid(levels: 3, spacingPct: 1, orderSizePct: 10)
        let closes = [100, 98.9, 97.9, 98.5, 99.0, 100.0]
        var position = PositionView()
        var actions: [TradeAction] = []
        for candle in series(closes) {
            let d = g.decide(candle, position: position)
            actions.append(d.action)
            if d.action == .long { position.quantity = position.quantity + 1 }
            if d.action == .close { position.quantity = position.quantity - 1 }
        }
        #expect(actions == [.hold, .long, .long, .hold, .close, .close])
    }

    @Test("macd_bb enters on a MACD cross up below the middle band")
    func macdBB() {
        let dip: [Double] = (0..<40).map { 100 - Double($0) * 0.5 }
        let recovery: [Double] = (0..<15).map { 80 + Double($0) * 1.0 }
        let closes = dip + recovery
        let s = signals(MACDBollinger(fast: 3, slow: 6, signal: 3, bbPeriod: 10, bbStdDev: 2), closes)
        #expect(s.contains { $0.1 == .long })
    }

    @Test("a long-only strategy turns a short signal into a close or a hold")
    func longOnly() {
        struct AlwaysShort: Strategy {
            mutating func decide(_ candle: Candle, position: PositionView) -> Decision { Decision(.short, rationale: "down") }
        }
        var s = LongOnly(AlwaysShort())
        let c = series([1])[0]
        #expect(s.decide(c, position: PositionView()).action == .hold)
        #expect(s.decide(c, position: PositionView(quantity: 2)).action == .close)
    }
}

@Suite("Strategy interval")
struct StrategyIntervalTests {
    struct AlwaysLong: Strategy {
        var seen = 0
        mutating func decide(_ candle: Candle, position: PositionView) -> Decision {
            seen += 1
            return position.isFlat ? Decision(.long, sizePct: 1, rationale: "go") : Decision(.close, rationale: "out")
        }
    }

    @Test("decisions are acted on at most once per strategy interval of market time; the strategy still sees every candle")
    func interval() {
        let candles = series((0..<60).map { 100 + Double($0 % 3) })  // one a minute
        var limits = RiskLimits.unlimited
        limits.maxPositionPct = 10
        var every = BotTrader(strategy: AlwaysLong(), risk: limits, venue: PaperVenue(cash: 10_000))
        var fiveMinutes = BotTrader(strategy: AlwaysLong(), risk: limits, venue: PaperVenue(cash: 10_000), decisionIntervalSeconds: 300)
        for c in candles {
            _ = every.step(c)
            _ = fiveMinutes.step(c)
        }
        #expect(every.decisions == 60)
        #expect(fiveMinutes.decisions == 12)
        #expect(fiveMinutes.strategy.seen == 60)
    }
}
