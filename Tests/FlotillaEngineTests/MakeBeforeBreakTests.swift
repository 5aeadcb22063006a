import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Logging
import Testing

/// No deploy strategy stops the serving instance before its replacement runs, and a replacement
/// that can't start leaves the old revision trading with its capital and the rollout aborted.
@Suite("Make-before-break: a failed start never costs the serving instance", .serialized)
struct MakeBeforeBreakTests {
    static func missing(_ kind: StrategyBots.Kind) -> String {
        kind == .rolling || kind == .rollingInPlace ? "NOSUCH_{quote}-5m.csv" : "NOSUCH-5m.csv"
    }

    @Test("a new revision whose data does not load leaves the old instances trading with all the capital; the rollout aborts with the reason",
          arguments: StrategyBots.Kind.allCases)
    func failedStartKeepsOld(kind: StrategyBots.Kind) async throws {
        let h = try FleetHarness()
        try h.apply(StrategyBots.yaml(kind))
        try await h.fleet.reconcile(nowMs: 0)
        try await h.fleet.tick(nowMs: 60_000)
        let before = try h.instances()
        #expect(!before.isEmpty)
        let money = try #require(await h.fleet.equityLedger(bot: "test-bot")).total
        try h.apply(StrategyBots.yaml(kind, fast: 12, replay: Self.missing(kind)))
        try await h.fleet.reconcile(nowMs: 61_000)

        let after = try h.instances()
        #expect(after.map(\.id) == before.map(\.id), "the old instances still run, and nothing else")
        #expect(after.allSatisfy { $0.revision == 1 && $0.mode == .live })
        #expect(after.map { Decimal(string: $0.capitalPct)! }.reduce(0, +) == 100)
        #expect(try #require(await h.fleet.equityLedger(bot: "test-bot")).total == money, "no money moved or vanished")
        let ledger = try #require(try Fleet.capitalLedger(bot: "test-bot", store: h.store))
        #expect(ledger.accounted == ledger.capital)

        let status = try #require(try RolloutStatus.load(bot: "test-bot", store: h.store))
        #expect(status.phase == .aborted)
        #expect(status.message.contains("failed to start") && status.message.contains("NOSUCH"))
        #expect(status.degraded?.reason.contains("NOSUCH") == true)
        let kinds = try h.store.events(bot: "test-bot").map(\.kind)
        #expect(kinds.contains("StartFailed") && kinds.contains("RolloutAborted") && kinds.contains("BotDegraded"))
        #expect(h.fleet.degradedBots.bots["test-bot"]?.reason.contains("NOSUCH") == true)

        // The old revision keeps trading.
        try await h.fleet.tick(nowMs: 120_000)
        let later = try h.instances()
        #expect(zip(later, after).allSatisfy { $0.candlesSeen > $1.candlesSeen })
    }

    @Test("undo during a rollout, back to the revision that serves: the rollout in flight gives up, stable keeps trading with all the capital",
          arguments: [StrategyBots.Kind.canary, .staged, .blueGreen, .rolling])
    func undoToStable(kind: StrategyBots.Kind) async throws {
        let h = try FleetHarness()
        try h.apply(StrategyBots.yaml(kind))
        try await h.fleet.reconcile(nowMs: 0)
        try h.apply(StrategyBots.yaml(kind, fast: 12))
        try await h.fleet.reconcile(nowMs: 1_000)
        try await h.fleet.tick(nowMs: 60_000)
        let money = try #require(await h.fleet.equityLedger(bot: "test-bot")).total
        try h.store.sendCommand(bot: "test-bot", .undo, argument: 1)
        try await h.fleet.reconcile(nowMs: 61_000)
        let live = try h.instances().filter { $0.mode == .live }
        #expect(!live.isEmpty && live.allSatisfy { $0.revision == 1 && $0.capitalPct == "100" }, "revision 1 serves with all the capital: \(live)")
        #expect(try h.instances().allSatisfy { $0.revision == 1 }, "the new revision stopped")
        #expect(try #require(await h.fleet.equityLedger(bot: "test-bot")).total == money, "no money moved or vanished")
        try await h.fleet.tick(nowMs: 180_000)
        #expect(try h.instances().allSatisfy { $0.phase == .running }, "and it trades on")
    }

    @Test("undo to a revision that can't start leaves the serving revision trading")
    func failedUndo() async throws {
        let data = try Fixtures.temporaryDirectory()
        let file = data.appendingPathComponent("once-5m.csv")
        try FileManager.default.copyItem(at: Fixtures.bundledCandles("ETH_BTC-5m.csv"), to: file)
        let h = try FleetHarness(dataDirectory: data.path)
        try h.apply(StrategyBots.yaml(.immediate, replay: "once-5m.csv"))
        try await h.fleet.reconcile(nowMs: 0)
        try h.apply(StrategyBots.yaml(.immediate, fast: 12))
        try await h.fleet.reconcile(nowMs: 1_000)
        #expect(try h.instances().map(\.revision) == [2])
        // Revision 1's file is gone, and a restarted fleet has not loaded it.
        try FileManager.default.removeItem(at: file)
        let restarted = Fleet(store: h.store, dataDirectory: data.path, logger: Logger(label: "test"))
        try await restarted.recover(nowMs: 2_000)
        try h.store.sendCommand(bot: "test-bot", .undo, argument: 1)
        try await restarted.reconcile(nowMs: 3_000)
        let live = try h.instances()
        #expect(live.map(\.revision) == [2], "revision 2 still serves")
        #expect(live.first?.capitalPct == "100")
        let status = try #require(try RolloutStatus.load(bot: "test-bot", store: h.store))
        #expect(status.phase == .aborted && status.message.contains("once-5m.csv"))
        let ledger = try #require(try Fleet.capitalLedger(bot: "test-bot", store: h.store))
        #expect(ledger.accounted == ledger.capital)
    }

    @Test("a newer revision that can't start, arriving mid-rollout, leaves stable trading", arguments: [StrategyBots.Kind.canary, .blueGreen, .staged])
    func failedSupersede(kind: StrategyBots.Kind) async throws {
        let h = try FleetHarness()
        try h.apply(StrategyBots.yaml(kind))
        try await h.fleet.reconcile(nowMs: 0)
        try h.apply(StrategyBots.yaml(kind, fast: 12))
        try await h.fleet.reconcile(nowMs: 1_000)
        #expect(try h.instances().map(\.revision).sorted() == [1, 2])
        try h.apply(StrategyBots.yaml(kind, fast: 14, replay: "NOSUCH-5m.csv"))
        try await h.fleet.reconcile(nowMs: 2_000)
        let live = try h.instances()
        #expect(live.map(\.revision) == [1], "the superseded revision stopped; stable serves")
        #expect(live.first?.mode == .live && live.first?.capitalPct == "100")
        #expect(try RolloutStatus.load(bot: "test-bot", store: h.store)?.phase == .aborted)
        #expect(try h.store.events(bot: "test-bot").map(\.kind).contains("RolloutSuperseded"))
        let ledger = try #require(try Fleet.capitalLedger(bot: "test-bot", store: h.store))
        #expect(ledger.accounted == ledger.capital)
    }

    static let machines: [(String, Rollout)] = {
        let shadowThenLive: [DeployStrategy.Stage] = [.init(name: .shadow, duration: .minutes(1), analysis: nil), .init(name: .live, duration: nil, analysis: nil)]
        let liveOnly: [DeployStrategy.Stage] = [.init(name: .live, duration: nil, analysis: nil)]
        let steps: [DeployStrategy.CanaryStep] = [.setCapital(percent: 10), .pause(.minutes(1))]
        let blueGreen = DeployStrategy.BlueGreen(previewDuration: .minutes(1), prePromotionAnalysis: nil, postPromotionAnalysis: nil, autoPromote: true,
                                                 scaleDownDelay: .minutes(1))
        let inPlace = DeployStrategy.Rolling(maxUnavailable: 1, maxSurge: 0, minHealthyTime: .minutes(1))
        let surge = DeployStrategy.Rolling(maxUnavailable: 0, maxSurge: 1, minHealthyTime: .minutes(1))
        return [
            ("immediate", .immediate(ImmediateRollout(core: core(deploy(.immediate))))),
            ("undo", Rollout.undo(bot: "eth-trend", current: 1, to: 2)),
            ("staged", .staged(StagedRollout(core: core(deploy(.staged(stages: shadowThenLive))), stages: shadowThenLive))),
            ("staged live", .staged(StagedRollout(core: core(deploy(.staged(stages: liveOnly))), stages: liveOnly))),
            ("canary", .canary(CanaryRollout(core: core(deploy(.canary(steps: steps))), steps: steps))),
            ("blue-green", .blueGreen(BlueGreenRollout(core: core(deploy(.blueGreen(blueGreen))), config: blueGreen))),
            ("rolling in place", .rolling(RollingRollout(core: core(deploy(.rolling(inPlace))), config: inPlace, symbols: ["A", "B"]))),
            ("rolling surge", .rolling(RollingRollout(core: core(deploy(.rolling(surge))), config: surge, symbols: ["A", "B"]))),
        ]
    }()

    /// Every batch a strategy emits: a stop of a revision on a symbol never comes before the start
    /// (or the going live) of the revision its positions go to.
    @Test("in every strategy's batches the replacement starts before the serving instance stops", arguments: machines)
    func startBeforeStop(name: String, rollout: Rollout) {
        var r = rollout
        var batches = [r.start(now: 0)]
        for minute in 1...4 { batches.append(r.step(RolloutObservation(now: Int64(minute) * 60_000 + 1))) }
        if name.hasPrefix("rolling") { batches.append(r.step(RolloutObservation(now: 10 * 60_000, command: .abort))) }
        for batch in batches {
            var running: Set<String> = []  // "revision/symbol" that started or went live in this batch
            for action in batch {
                switch action {
                case .startInstance(let rev, _, _, let symbol), .setMode(let rev, .live, let symbol): running.insert("\(rev)/\(symbol ?? "*")")
                case .stopInstance(let rev, let symbol):
                    let replacements = batch.compactMap { a -> Int? in
                        if case .handOverPositions(let from, let to, let s) = a, from == rev, s == symbol { return to }
                        return nil
                    }
                    for to in replacements {
                        #expect(running.contains("\(to)/\(symbol ?? "*")"), "\(name): revision \(rev) stops before revision \(to) runs in \(batch)")
                    }
                default: break
                }
            }
        }
    }

    @Test("a first revision that can't start: every strategy aborts with the reason, and a retry starts it with all the capital",
          arguments: StrategyBots.Kind.allCases)
    func firstRevisionFails(kind: StrategyBots.Kind) throws {
        let bot = try #require(try Fixtures.resolve(StrategyBots.yaml(kind)).first)
        var r = Rollout(bot: bot, stable: nil, candidate: 1)
        _ = r.start(now: 0)
        let actions = r.step(RolloutObservation(now: 1, startFailures: [1: "no candle file NOSUCH-5m.csv"]))
        #expect(r.phase == .aborted && r.core.message.contains("NOSUCH-5m.csv"))
        #expect(actions.contains { if case .stopInstance(1, _) = $0 { return true } else { return false } })
        let retried = r.step(RolloutObservation(now: 2, command: .retry))
        let pcts = retried.compactMap { a -> Decimal? in if case .startInstance(1, .live, let pct, _) = a { return pct } else { return nil } }
        #expect(pcts.reduce(0, +) == 100)
        #expect(r.phase == .completed)
    }

    @Test("a first revision whose data is missing: no instance, Degraded; it starts once the data appears")
    func firstRevisionHeals() async throws {
        let data = try Fixtures.temporaryDirectory()
        let h = try FleetHarness(dataDirectory: data.path)
        try h.apply(StrategyBots.yaml(.canary, replay: "later-5m.csv"))
        try await h.fleet.reconcile(nowMs: 0)
        #expect(try h.instances().isEmpty)
        #expect(h.fleet.degradedBots.bots["test-bot"]?.reason.contains("later-5m.csv") == true)
        let ledger = try #require(try Fleet.capitalLedger(bot: "test-bot", store: h.store))
        #expect(ledger.accounted == ledger.capital, "the capital waits in the reserve")
        try FileManager.default.copyItem(at: Fixtures.bundledCandles("ETH_BTC-5m.csv"), to: data.appendingPathComponent("later-5m.csv"))
        try await h.fleet.reconcile(nowMs: 1_500)
        let live = try h.instances()
        #expect(live.map(\.revision) == [1] && live.first?.capitalPct == "100")
        #expect(try #require(await h.fleet.equityLedger(bot: "test-bot")).total == Fixed(1000))
        #expect(h.fleet.degradedBots.bots.isEmpty)
    }

    @Test("a start failure aborts every strategy back to stable with the reason, even one that completed in the same batch",
          arguments: StrategyBots.Kind.allCases)
    func startFailureAborts(kind: StrategyBots.Kind) throws {
        let bot = try #require(try Fixtures.resolve(StrategyBots.yaml(kind)).first)
        var r = Rollout(bot: bot, stable: 1, candidate: 2)
        _ = r.start(now: 0)
        let actions = r.step(RolloutObservation(now: 1, startFailures: [2: "no candle file NOSUCH-5m.csv"]))
        #expect(r.phase == .aborted)
        #expect(r.core.message.contains("NOSUCH-5m.csv"))
        #expect(actions.contains { if case .stopInstance(2, _) = $0 { return true } else { return false } })
        #expect(!actions.contains { if case .stopInstance(1, _) = $0 { return true } else { return false } }, "stable never stops")
        // A retry starts the candidate again.
        let retried = r.step(RolloutObservation(now: 2, command: .retry))
        #expect(retried.contains { if case .startInstance(2, _, _, _) = $0 { return true } else { return false } })
    }
}
