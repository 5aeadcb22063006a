import FlotillaTrading
import Foundation
import Testing

/// `BotTrader.state` round-trips through its JSON form and a trader restored from it (with the
/// venue state persisted alongside) decides exactly as the original.
@Suite("Trader state")
struct TraderStateTests {
    static let midnight: Int64 = 1_514_764_800  // 2018-01-01T00:00:00Z, a Monday

    static func candle(_ minute: Int64, open: Int, close: Int) -> Candle {
        Candle(time: midnight + minute * 60, open: Fixed(open), high: Fixed(max(open, close)), low: Fixed(min(open, close)), close: Fixed(close), volume: 1)
    }

    static func restored<S: Strategy & Codable>(_ trader: BotTrader<S>, limits: RiskLimits, interval: Int64? = nil) throws -> BotTrader<S> {
        let json = try trader.state.json()
        let venue = try JSONDecoder().decode(PaperVenue.self, from: try JSONEncoder().encode(trader.venue))
        return BotTrader(restoring: try TraderState<S>(json: json), risk: limits, venue: venue, idPrefix: "bt", decisionIntervalSeconds: interval)
    }

    @Test("the daily loss limit reached before a restart still refuses entries after it, the same day; the next day it allows them")
    func dailyLimitSurvivesRestart() throws {
        var limits = RiskLimits()
        limits.dailyLossLimitPct = 1
        limits.maxPositionPct = 100
        limits.stopLossPct = nil
        limits.takeProfitPct = nil
        var trader = BotTrader(strategy: LongOnly(Momentum(period: 1, thresholdPct: 0.5)), risk: limits, venue: PaperVenue(cash: 10_000))
        for c in [Self.candle(0, open: 100, close: 100), Self.candle(1, open: 100, close: 101),  // LONG
                  Self.candle(2, open: 101, close: 95),  // entry fills at 101; CLOSE
                  Self.candle(3, open: 95, close: 96)] {  // close fills at 95: −5.9 % today; LONG refused
            _ = trader.step(c)
        }
        #expect(trader.venue.position.isZero)
        #expect(trader.rejections.last?.reason.hasPrefix("daily loss limit reached") == true, "\(trader.rejections)")

        var restarted = try Self.restored(trader, limits: limits)
        var forgetful = BotTrader(strategy: LongOnly(Momentum(period: 1, thresholdPct: 0.5)), risk: limits, venue: trader.venue)
        forgetful.warmUp([Self.candle(3, open: 95, close: 96)])
        let sameDay = Self.candle(4, open: 96, close: 97)
        _ = restarted.step(sameDay)
        _ = forgetful.step(sameDay)
        #expect(restarted.rejectionCount == trader.rejectionCount + 1)
        #expect(restarted.venue.openOrderIds.isEmpty, "still refused after the restart")
        #expect(!forgetful.venue.openOrderIds.isEmpty, "a trader that forgot the day's loss would enter (what this test guards against)")

        _ = restarted.step(Self.candle(24 * 60, open: 97, close: 98))
        #expect(restarted.venue.openOrderIds.count == 1, "a new day, a new limit")
    }

    static func strategy(_ kind: Int) -> any Strategy & Codable {
        switch kind {
        case 0: return LongOnly(MACrossover(fast: 3, slow: 40))
        case 1: return MACrossover(fast: 5, slow: 20, sizePct: 30)
        case 2: return LongOnly(RSIReversion(period: 6, oversold: 40, overbought: 60))
        case 3: return Grid(levels: 8, spacingPct: 0.5, orderSizePct: 10)
        case 4: return Momentum(period: 4, thresholdPct: 0.5)
        default: return MACDBollinger(fast: 6, slow: 13, signal: 5, bbPeriod: 10, bbStdDev: 1.5)
        }
    }

    @Test("restored from its JSON at any candle, a trader places and fills exactly what the original does", arguments: 0..<24)
    func restoredTraderDecidesTheSame(seed: Int) throws {
        func check<S: Strategy & Codable>(_ strategy: S) throws {
            var limits = RiskLimits()
            limits.emergencyStopLossPct = 8
            limits.dailyLossLimitPct = 2
            let candles = Array(SyntheticCandles(seed: UInt64(seed), start: 1000, interval: 300, volatilityPct: 1.2, tick: Fixed(units: 1_000_000)).prefix(1_200))
            let rules = VenueRules(lotSize: Fixed(units: 1), tickSize: Fixed(units: 1_000_000), makerFee: Fixed(parsing: "0.001")!, takerFee: Fixed(parsing: "0.001")!,
                                   allowShort: true)
            let interval: Int64? = seed.isMultiple(of: 3) ? 900 : nil
            var original = BotTrader(strategy: strategy, risk: limits, venue: PaperVenue(cash: 10_000, rules: rules), decisionIntervalSeconds: interval)
            let cut = 50 + seed * 41 % 1_100
            for c in candles[..<cut] { _ = original.step(c) }
            var restored = try Self.restored(original, limits: limits, interval: interval)
            #expect(try restored.state.json() == original.state.json())
            for c in candles[cut...] {
                let a = original.step(c), b = restored.step(c)
                #expect(a == b)
                if a != b { return }
            }
            #expect(restored.venue == original.venue)
            #expect(try restored.state.json() == original.state.json())
            #expect(!original.venue.fills.isEmpty)
        }
        func open<S: Strategy & Codable>(_ s: S) throws { try check(s) }
        try open(Self.strategy(seed % 6))
    }

    @Test("a stop suspends the position's protective orders; the next start places each once again, under a new id")
    func suspendAndReinstate() throws {
        var limits = RiskLimits()
        limits.stopLossPct = 5
        limits.takeProfitPct = 5
        limits.emergencyStopLossPct = 50
        var trader = BotTrader(strategy: LongOnly(Momentum(period: 1, thresholdPct: 0.5)), risk: limits, venue: PaperVenue(cash: 10_000))
        for c in [Self.candle(0, open: 100, close: 100), Self.candle(1, open: 100, close: 101), Self.candle(2, open: 101, close: 102)] { _ = trader.step(c) }
        func working(_ t: BotTrader<LongOnly<Momentum>>) -> [String] { t.venue.openOrderIds.compactMap { t.venue.orders[$0]?.clientOrderId }.sorted() }
        #expect(working(trader) == ["bt-1514764920-1-stop", "bt-1514764920-1-take"], "\(working(trader))")

        trader.suspendOrders()
        #expect(working(trader).isEmpty)
        var started = try Self.restored(trader, limits: limits)
        #expect(started.reinstateProtection(at: Self.midnight + 120).count == 2)
        #expect(working(started) == ["bt-1514764920-1-stop-re1", "bt-1514764920-1-take-re1"])
        #expect(started.reinstateProtection(at: Self.midnight + 120).isEmpty, "placed once, not twice")
        var again = try Self.restored(started, limits: limits)
        #expect(again.reinstateProtection(at: Self.midnight + 120).isEmpty, "a crash cancels nothing: nothing to place")
        #expect(working(again) == ["bt-1514764920-1-stop-re1", "bt-1514764920-1-take-re1"])
        // A take-profit placed again works like the original: it closes the position and the stop goes with it.
        _ = again.step(Candle(time: Self.midnight + 180, open: 102, high: 110, low: 102, close: 102, volume: 1))
        #expect(again.venue.position.isZero)
        #expect(working(again).isEmpty)
    }
}
