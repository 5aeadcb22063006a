import FlotillaEngine
import FlotillaTesting
import FlotillaTrading
import Foundation
import Logging
import Testing

/// Analysis compares like with like: both revisions over the same window, a revision's instances
/// combined by capital.
@Suite("Analysis windows")
struct AnalysisWindowTests {
    /// One instance: its equity and contribution when the window opened and now, its closed trades
    /// before and within the window.
    struct Leg: Sendable, CustomStringConvertible {
        var startEquity: Fixed
        var startContributed: Fixed
        var nowEquity: Fixed
        var nowContributed: Fixed
        var tradesBefore = 0
        var tradesNow = 0
        var drawdownPct = 0.0
        var description: String { "\(startEquity)→\(nowEquity)" }

        var start: AnalysisWindow.Start {
            .init(equity: startEquity, contributed: startContributed, counters: .init(closedTrades: tradesBefore, decisions: 10), epoch: "run")
        }
        var reading: AnalysisWindow.Reading {
            .init(equity: nowEquity, contributed: nowContributed, counters: .init(closedTrades: tradesNow, decisions: 15), epoch: "run", drawdownPct: drawdownPct)
        }
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var legs: [Leg]
        var returnPct: Double
        var closedTrades: Int
        var drawdownPct: Double
        var description: String { name }
    }

    static let cases: [Case] = [
        // Stable ran for days and made 20 % before the window; in the window it made 1 %.
        Case(name: "days of history before the window count for nothing",
             legs: [Leg(startEquity: 1200, startContributed: 1000, nowEquity: 1212, nowContributed: 1000, tradesBefore: 300, tradesNow: 303)],
             returnPct: 1, closedTrades: 3, drawdownPct: 0),
        // A position open when the window opened (equity 1050 with 50 unrealized): only its move
        // since then counts.
        Case(name: "a window that starts mid-trade counts the trade's move from the window's start",
             legs: [Leg(startEquity: 1050, startContributed: 1000, nowEquity: 1071, nowContributed: 1000, tradesBefore: 4, tradesNow: 5)],
             returnPct: 2, closedTrades: 1, drawdownPct: 0),
        Case(name: "two instances on equal capital",
             legs: [Leg(startEquity: 500, startContributed: 500, nowEquity: 510, nowContributed: 500, drawdownPct: 1),
                    Leg(startEquity: 500, startContributed: 500, nowEquity: 495, nowContributed: 500, drawdownPct: 3)],
             returnPct: 0.5, closedTrades: 0, drawdownPct: 2),
        // Pairwise averaging would give ((10 + -1) / 2 + 0) / 2 = 2.25 %.
        Case(name: "three instances on unequal capital: capital-weighted, not averaged pairwise",
             legs: [Leg(startEquity: 100, startContributed: 100, nowEquity: 110, nowContributed: 100, tradesNow: 1, drawdownPct: 4),
                    Leg(startEquity: 800, startContributed: 800, nowEquity: 792, nowContributed: 800, tradesNow: 2, drawdownPct: 2),
                    Leg(startEquity: 100, startContributed: 100, nowEquity: 100, nowContributed: 100, drawdownPct: 0)],
             returnPct: 0.2, closedTrades: 3, drawdownPct: 2),
        // 200 moved into the account during the window (a capital step) is not profit.
        Case(name: "capital moved in during the window is not PnL",
             legs: [Leg(startEquity: 100, startContributed: 100, nowEquity: 303, nowContributed: 300)],
             returnPct: 3, closedTrades: 0, drawdownPct: 0),
    ]

    @Test("a revision's metrics over the window", arguments: cases)
    func combined(_ c: Case) {
        let m = AnalysisWindow.combine(c.legs.map { AnalysisWindow.sample(start: $0.start, now: $0.reading) })
        #expect(abs(m.returnOnCapitalPct - c.returnPct) < 1e-9, "return \(m.returnOnCapitalPct)")
        #expect(m.closedTrades == c.closedTrades)
        #expect(abs(m.maxDrawdownPct - c.drawdownPct) < 1e-9, "drawdown \(m.maxDrawdownPct)")
        #expect(m.ordersSubmitted == 5 * c.legs.count, "decisions within the window only")
    }

    @Test("error and reject rates add counts across instances, never average rates")
    func rates() {
        func sample(_ decisions: Int, _ errors: Int, _ rejects: Int) -> AnalysisWindow.Sample {
            AnalysisWindow.sample(start: nil, now: .init(equity: 100, contributed: 100,
                                                         counters: .init(decisions: decisions, rejects: rejects, venueErrors: errors), epoch: "e", drawdownPct: 0))
        }
        let m = AnalysisWindow.combine([sample(90, 10, 9), sample(10, 0, 0)])
        #expect(m.value(.errorRate) == Double(10) / Double(110) * 100)
        #expect(m.value(.rejectRate) == Double(9) / Double(100) * 100)
    }

    @Test("after a restart within the window, counters count from the restart; PnL still from the window's start")
    func restartedWithin() {
        let start = AnalysisWindow.Start(equity: 1000, contributed: 1000, counters: .init(closedTrades: 50, decisions: 400), epoch: "before")
        let now = AnalysisWindow.Reading(equity: 1030, contributed: 1000, counters: .init(closedTrades: 2, decisions: 20), epoch: "after", drawdownPct: 0)
        let s = AnalysisWindow.sample(start: start, now: now)
        #expect(s.pnl == Fixed(30) && s.capital == Fixed(1000))
        #expect(s.counters.closedTrades == 2 && s.counters.decisions == 20)
    }

    @Test("canary minutes and stable days judged over the same window in a fleet")
    func sameWindowInFleet() async throws {
        let h = try FleetHarness()
        // A canary whose analysis comes after 10 % and a short pause.
        try h.apply(Fixtures.botYAML(["{ pause: 30m }": "{ pause: 1m }"]))
        try await h.fleet.reconcile(nowMs: 0)
        try await h.fleet.tick(nowMs: 600_000)  // stable trades for 10 minutes (1,200 candles)
        try h.apply(Fixtures.botYAML(["{ pause: 30m }": "{ pause: 1m }", "fast: 10": "fast: 12"]))
        try await h.fleet.reconcile(nowMs: 601_000)
        try await h.fleet.tick(nowMs: 662_000)
        try await h.fleet.reconcile(nowMs: 662_000)  // pause over: the analysis window opens
        let stored = try #require(try h.store.rollout(bot: "test-bot"))
        let state = try #require(try JSONSerialization.jsonObject(with: Data(stored.stateJSON.utf8)) as? [String: Any])
        let analysis = try #require(state["analysis"] as? [String: Any], "the analysis runs")
        let window = try #require(analysis["window"] as? [String: Any], "the window's start is persisted")
        #expect(Set(window.keys) == Set(try h.instances().map(\.id)), "both revisions' instances are measured from the same moment")

        // A restart mid-window judges the same window: the start is read back, not taken again.
        let restarted = Fleet(store: h.store, dataDirectory: nil, logger: Logger(label: "test"))
        try await restarted.recover(nowMs: 690_000)
        try await restarted.reconcile(nowMs: 690_000)
        let row = try #require(try h.store.rollout(bot: "test-bot"))
        let again = try #require(try JSONSerialization.jsonObject(with: Data(row.stateJSON.utf8)) as? [String: Any])
        let kept = try #require((again["analysis"] as? [String: Any])?["window"] as? [String: Any])
        #expect(NSDictionary(dictionary: kept).isEqual(to: window))
        try await restarted.reconcile(nowMs: 662_000 + 61_000)
        #expect(try h.store.events(bot: "test-bot").contains { $0.kind.hasPrefix("Analysis") && $0.revision == 2 }, "judged after the restart")
    }
}
