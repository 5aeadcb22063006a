import FlotillaLLM
import FlotillaTrading
import Foundation
import Testing

/// The trader side of an llm bot, pure: decisions handed over by candle, acted on through the
/// risk manager, and the same trades when the same decisions are replayed.
@Suite("Model decisions go through the risk manager like any strategy's")
struct ModelDecidedTraderTests {
    static let candles: [Candle] = (0..<60).map { i in
        let close = 100 + (i % 10) - (i / 20)
        return Candle(time: Int64(i) * 300, open: Fixed(close), high: Fixed(close + 1), low: Fixed(close - 1), close: Fixed(close), volume: 1)
    }

    static var limits: RiskLimits {
        var l = RiskLimits()
        l.maxPositionPct = 25
        return l
    }

    static func venue() -> PaperVenue {
        PaperVenue(cash: 1000, rules: VenueRules(lotSize: Fixed(units: 1), tickSize: Fixed(units: 1), makerFee: .zero, takerFee: .zero, allowShort: false))
    }

    /// Runs the candles, handing each its decision as a live bot would (context first, then the decision).
    static func live(_ decisions: [Int64: Decision]) -> BotTrader<LongOnly<LLMStrategy>> {
        var trader = BotTrader(strategy: LongOnly(LLMStrategy(window: 5)), risk: limits, venue: venue())
        for c in candles {
            _ = trader.modelContext(after: c)
            if let d = decisions[c.time] { trader.receive(d, forCandleAt: c.time) }
            _ = trader.step(c)
        }
        return trader
    }

    @Test("a LONG of 90 % is cut to maxPositionPct; a SHORT on a long-only bot never shorts")
    func riskApplies() {
        let trader = Self.live([300: Decision(.long, sizePct: 90, rationale: "model: all in"), 3000: Decision(.close, rationale: "model: out"),
                                3300: Decision(.short, sizePct: 50, rationale: "model: short")])
        let entry = trader.venue.fills.first
        #expect(entry?.side == .buy)
        let value = (entry?.quantity ?? .zero).multiplied(by: entry?.price ?? .zero)
        #expect(value < Fixed(260) && value > Fixed(240), "25 % of 1000 (at the next open), not 90 %")
        #expect(trader.venue.position == .zero, "closed, and the SHORT opened nothing")
    }

    @Test("the context shows the account after this candle's fills, and changes nothing")
    func context() {
        var trader = BotTrader(strategy: LLMStrategy(window: 3), risk: Self.limits, venue: Self.venue())
        _ = trader.step(Self.candles[0])
        trader.receive(Decision(.long, sizePct: 10, rationale: "x"), forCandleAt: Self.candles[1].time)
        _ = trader.step(Self.candles[1])  // the order fills on the next candle's open
        let before = trader.venue
        let context = trader.modelContext(after: Self.candles[2])
        #expect(context.position.units > 0, "the entry placed on the previous candle has filled by this one")
        #expect(trader.venue.position == before.position && trader.venue.fills.count == before.fills.count, "nothing changed")
        #expect(context.market.candles.map(\.time) == Self.candles[0...2].map(\.time))
    }

    @Test("replaying the same decisions by candle gives exactly the same fills")
    func replay() {
        let decisions: [Int64: Decision] = [600: Decision(.long, sizePct: 20, stopLossPct: 1, rationale: "a"), 2400: Decision(.close, sizePct: 50, rationale: "b"),
                                            4500: Decision(.long, sizePct: 10, takeProfitPct: 2, rationale: "c")]
        let live = Self.live(decisions)
        let report = Backtest.run(strategy: LongOnly(LLMStrategy(window: 5, recorded: decisions)), candles: Self.candles, risk: Self.limits,
                                  venue: Self.venue(), periodsPerYear: 1)
        #expect(report.openPosition == live.venue.position)
        #expect(report.finalEquity == live.venue.equity(at: Self.candles.last!.close))
        #expect(report.decisions == live.decisions)
    }

    @Test("a candle without a decision is HOLD \"no recorded decision\"")
    func noRecord() {
        var s = LLMStrategy()
        #expect(s.decide(Self.candles[0], position: PositionView()) == Decision(.hold, rationale: "no recorded decision"))
    }
}
