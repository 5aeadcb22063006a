import FlotillaEngine
import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

@Suite("Analysis")
struct AnalysisTests {
    @Test("a canary whose drawdown is worse than stable's by more than the threshold fails")
    func relativeDrawdown() {
        let template = AnalysisTemplate.builtInDefault
        let stable = TradingMetrics(closedTrades: 10, returnOnCapitalPct: 1, maxDrawdownPct: 2)
        let worse = TradingMetrics(closedTrades: 10, returnOnCapitalPct: 1, maxDrawdownPct: 4.5)
        let r = Analysis.evaluate(template: "default", template, candidate: worse, stable: stable)
        #expect(r.phase == .failed)
        #expect(r.message.contains("maxDrawdown vs stable 2.5"))
        let fine = TradingMetrics(closedTrades: 10, returnOnCapitalPct: 0.5, maxDrawdownPct: 3)
        #expect(Analysis.evaluate(template: "default", template, candidate: fine, stable: stable).phase == .successful)
    }

    @Test("absolute thresholds: error and reject rates")
    func absolute() {
        let bad = TradingMetrics(closedTrades: 5, venueCalls: 100, venueErrors: 9, ordersSubmitted: 10, ordersRejected: 0)
        let r = Analysis.evaluate(template: "default", .builtInDefault, candidate: bad, stable: TradingMetrics(closedTrades: 5))
        #expect(r.phase == .failed)
        #expect(r.measurements.first { $0.metric == "errorRate" }?.passed == false)
        #expect(r.measurements.first { $0.metric == "rejectRate" }?.passed == true)
    }

    @Test("too few trades is Inconclusive")
    func inconclusive() {
        let r = Analysis.evaluate(template: "default", .builtInDefault, candidate: TradingMetrics(closedTrades: 1), stable: nil)
        #expect(r.phase == .inconclusive)
        #expect(r.message.contains("needs 3"))
    }
}
