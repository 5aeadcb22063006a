import FlotillaTrading
import Foundation
import Testing

func account(equity: Fixed = 10_000, cash: Fixed? = nil, price: Fixed = 100, position: Fixed = 0, openTrades: Int = 0, time: Int64 = 0) -> AccountView {
    AccountView(time: time, price: price, cash: cash ?? equity, equity: equity, position: position, openTrades: openTrades)
}

@Suite("Risk manager")
struct RiskManagerTests {
    @Test("an entry is sized from risk per trade over the stop distance, capped by max position")
    func sizing() throws {
        var limits = RiskLimits()
        limits.riskPerTradePct = 1
        limits.stopLossPct = 2
        limits.maxPositionPct = 100
        var risk = RiskManager(limits: limits, lotSize: Fixed(parsing: "0.01")!)
        _ = risk.observe(equity: 10_000, at: 0)
        // 1 % of 10,000 at risk over a 2 % stop: a 5,000 position, 50 units at 100
        let verdict = risk.evaluate(Decision(.long, rationale: "test"), account: account())
        #expect(verdict.intent?.size == .base(50))
        #expect(verdict.intent?.stopLossPct == 2)
        #expect(verdict.reason.contains("sized by risk 1.0% over a 2.0% stop"))

        limits.maxPositionPct = 20
        let capped = RiskManager(limits: limits, lotSize: Fixed(parsing: "0.01")!).evaluate(Decision(.long, rationale: "t"), account: account())
        guard case .modify(let intent, let reason) = capped else { Issue.record("expected modify, got \(capped)"); return }
        #expect(intent.size == .base(20))
        #expect(reason.contains("size cut from 50.00% to 20.00%"))
    }

    @Test("without a stop-loss an entry is maxPositionPct of equity (all-in at 100 %), with no protective orders")
    func sizingWithoutStop() throws {
        var limits = RiskLimits()
        limits.stopLossPct = nil
        limits.takeProfitPct = nil
        limits.maxPositionPct = 50
        let half = RiskManager(limits: limits, lotSize: 1).evaluate(Decision(.long, rationale: "t"), account: account())
        #expect(half.intent == OrderIntent(side: .buy, size: .base(50), reducesOnly: false, stopLossPct: nil, takeProfitPct: nil))
        limits.maxPositionPct = 100
        let all = RiskManager(limits: limits, lotSize: 1).evaluate(Decision(.long, rationale: "t"), account: account(cash: 9_000))
        #expect(all.intent == OrderIntent(side: .buy, size: .quote(9_000), reducesOnly: false, stopLossPct: nil, takeProfitPct: nil))
    }

    @Test("sizes round down to the lot size; a size below one lot is rejected")
    func lots() {
        var limits = RiskLimits()
        limits.maxPositionPct = 20
        let risk = RiskManager(limits: limits, lotSize: 1)
        #expect(risk.evaluate(Decision(.long, sizePct: 10, rationale: "t"), account: account(price: 300)).intent?.size == .base(3))
        let verdict = risk.evaluate(Decision(.long, sizePct: 1, rationale: "t"), account: account(equity: 100, price: 300))
        #expect(verdict.intent == nil)
        #expect(verdict.reason.contains("rounds to zero lots"))
    }

    @Test("closing is always allowed, even past every limit")
    func closeAlwaysAllowed() {
        var risk = RiskManager(limits: RiskLimits())
        _ = risk.observe(equity: 10_000, at: 0)
        _ = risk.observe(equity: 5_000, at: 60)  // daily limit blown, emergency stop fired
        let verdict = risk.evaluate(Decision(.close, rationale: "exit"), account: account(equity: 5_000, position: 10))
        #expect(verdict.intent == OrderIntent(side: .sell, size: .base(10), reducesOnly: true, stopLossPct: nil, takeProfitPct: nil))
    }

    @Test("the daily loss limit stops entries and rolls over at midnight in the account's time zone")
    func dailyRollover() throws {
        var limits = RiskLimits()
        limits.dailyLossLimitPct = 5
        limits.emergencyStopLossPct = 50
        limits.timeZone = try #require(TimeZone(identifier: "America/New_York"))
        var risk = RiskManager(limits: limits)
        let day1 = ISOTime.parse(Array("2024-03-05T15:00:00Z".utf8))!  // 10:00 in New York
        _ = risk.observe(equity: 10_000, at: day1)
        _ = risk.observe(equity: 9_400, at: day1 + 3600)  // −6 %
        let refused = risk.evaluate(Decision(.long, sizePct: 5, rationale: "t"), account: account(equity: 9_400, time: day1 + 3600))
        #expect(refused.intent == nil)
        #expect(refused.reason.contains("daily loss limit reached: 6.00% of 5.0%"))
        // 23:30 UTC is still the same day in New York (18:30): still refused
        _ = risk.observe(equity: 9_400, at: day1 + 8 * 3600 + 1800)
        #expect(risk.evaluate(Decision(.long, sizePct: 5, rationale: "t"), account: account(equity: 9_400)).intent == nil)
        // 05:30 UTC next day is 00:30 in New York: a new day, a new start equity
        _ = risk.observe(equity: 9_400, at: day1 + 14 * 3600 + 1800)
        #expect(risk.evaluate(Decision(.long, sizePct: 5, rationale: "t"), account: account(equity: 9_400)).intent != nil)
        #expect(risk.lossPct(.week) > 5, "the week still counts the loss")
    }

    @Test("weekly and monthly limits roll over on Monday and on the 1st")
    func weeklyMonthly() {
        var limits = RiskLimits()
        limits.dailyLossLimitPct = 100
        limits.weeklyLossLimitPct = 8
        limits.monthlyLossLimitPct = 100
        limits.emergencyStopLossPct = 100
        var risk = RiskManager(limits: limits)
        let sunday = ISOTime.parse(Array("2024-03-03T12:00:00Z".utf8))!
        _ = risk.observe(equity: 10_000, at: sunday - 86_400 * 5)  // Tuesday
        _ = risk.observe(equity: 9_000, at: sunday)
        #expect(risk.evaluate(Decision(.long, sizePct: 5, rationale: "t"), account: account(equity: 9_000)).reason.contains("weekly loss limit"))
        _ = risk.observe(equity: 9_000, at: sunday + 86_400)  // Monday
        #expect(risk.evaluate(Decision(.long, sizePct: 5, rationale: "t"), account: account(equity: 9_000)).intent != nil)
    }

    @Test("max concurrent trades, minimum balance and an opposite open position refuse entries", arguments: [
        (account(openTrades: 3), "3 trades open; the limit is 3"),
        (account(equity: 10_000, cash: 50), "below the minimum 100"),
        (account(position: -5), "a short position is open; close it first"),
    ])
    func refusals(_ view: AccountView, _ reason: String) {
        var risk = RiskManager(limits: RiskLimits())
        _ = risk.observe(equity: 10_000, at: 0)
        let verdict = risk.evaluate(Decision(.long, sizePct: 5, rationale: "t"), account: view)
        #expect(verdict.intent == nil)
        #expect(verdict.reason.contains(reason), "\(verdict.reason)")
    }

    @Test("leverage caps the position: 3× allows 300 % of equity, 1× no more than 100 %")
    func leverage() {
        var limits = RiskLimits()
        limits.maxPositionPct = 1000
        limits.maxLeverage = 3
        let risk = RiskManager(limits: limits, lotSize: 1)
        #expect(risk.evaluate(Decision(.long, sizePct: 500, rationale: "t"), account: account()).intent?.size == .base(300))
        limits.maxLeverage = 1
        #expect(RiskManager(limits: limits, lotSize: 1).evaluate(Decision(.long, sizePct: 500, rationale: "t"), account: account()).intent?.size == .quote(10_000))
    }

    @Test("the emergency stop fires on the drawdown from peak, and entries stay refused until reset")
    func emergencyStop() {
        var limits = RiskLimits()
        limits.emergencyStopLossPct = 10
        limits.dailyLossLimitPct = 100
        limits.weeklyLossLimitPct = 100
        limits.monthlyLossLimitPct = 100
        var risk = RiskManager(limits: limits)
        let fired = [risk.observe(equity: 10_000, at: 0), risk.observe(equity: 12_000, at: 60), risk.observe(equity: 10_700, at: 120)]
        #expect(fired == [false, false, true])  // −10.8 % from the 12,000 peak
        #expect(risk.metrics(openPositions: 0).score == .critical)
        #expect(risk.evaluate(Decision(.long, sizePct: 5, rationale: "t"), account: account(equity: 10_700)).reason.contains("emergency stop-loss fired"))
        risk.reset()
        #expect(risk.evaluate(Decision(.long, sizePct: 5, rationale: "t"), account: account(equity: 10_700)).intent != nil)
    }

    @Test("risk metrics report PnL, limit usage and a score")
    func metrics() {
        var risk = RiskManager(limits: RiskLimits())  // 5 / 15 / 30 %, emergency 10 %
        _ = risk.observe(equity: 10_000, at: 0)
        _ = risk.observe(equity: 9_700, at: 60)  // −3 %: 60 % of the daily limit
        let m = risk.metrics(openPositions: 1)
        #expect(abs(m.dailyPnLPct + 3) < 1e-9)
        #expect(abs(m.dailyLimitUsedPct - 60) < 1e-9)
        #expect(m.score == .medium)
        #expect(m.openPositions == 1)
    }
}
