import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Logging
import Testing

/// One bot's failure is that bot's: it is Degraded with the reason, tried again with backoff, and
/// never keeps the fleet (or a later start) down.
@Suite("A bot that fails is Degraded, alone", .serialized)
struct DegradedBotTests {
    func count(_ kind: String, _ h: FleetHarness) throws -> Int { try h.store.events(bot: "test-bot", limit: 1000).filter { $0.kind == kind }.count }

    @Test("a failed start is retried with backoff, not on every pass, and heals when the data appears")
    func backoffAndHeal() async throws {
        let data = try Fixtures.temporaryDirectory()
        let h = try FleetHarness(dataDirectory: data.path)
        try h.apply(StrategyBots.yaml(.immediate))
        try await h.fleet.reconcile(nowMs: 0)
        try h.apply(StrategyBots.yaml(.immediate, fast: 12, replay: "late-5m.csv"))
        try await h.fleet.reconcile(nowMs: 1_000)
        #expect(try count("StartFailed", h) == 1)
        let first = try #require(h.fleet.degradedBots.bots["test-bot"])
        #expect(first.reason.contains("late-5m.csv") && first.attempts == 1)

        try await h.fleet.reconcile(nowMs: 1_250)
        try await h.fleet.reconcile(nowMs: 1_500)
        #expect(try count("StartFailed", h) == 1, "not tried again before its backoff is due")
        try await h.fleet.reconcile(nowMs: 2_100)
        #expect(try count("StartFailed", h) == 2)
        let second = try #require(h.fleet.degradedBots.bots["test-bot"])
        #expect(second.attempts == 2 && second.retryAt - 2_100 == 2 * Degradation.initialBackoffMs, "the wait doubles")
        try await h.fleet.reconcile(nowMs: 3_000)
        #expect(try count("StartFailed", h) == 2)
        #expect(try h.instances().map(\.revision) == [1], "the old revision serves throughout")

        // The file appears: the next attempt starts the revision.
        try FileManager.default.copyItem(at: Fixtures.bundledCandles("ETH_BTC-5m.csv"), to: data.appendingPathComponent("late-5m.csv"))
        try await h.fleet.reconcile(nowMs: 4_200)
        #expect(try h.instances().map(\.revision) == [2])
        #expect(h.fleet.degradedBots.bots.isEmpty)
        let status = try #require(try RolloutStatus.load(bot: "test-bot", store: h.store))
        #expect(status.phase == .completed && status.degraded == nil)
        #expect(try count("BotRecovered", h) == 1)
        let ledger = try #require(try Fleet.capitalLedger(bot: "test-bot", store: h.store))
        #expect(ledger.accounted == ledger.capital)
    }

    @Test("a persisted action that fails does not fail recovery: that bot is Degraded, the other bots start")
    func recoveryIsolated() async throws {
        let h = try FleetHarness()
        try h.apply(StrategyBots.yaml(.canary, name: "other-bot"))
        try h.apply(StrategyBots.yaml(.immediate))
        try await h.fleet.reconcile(nowMs: 0)
        try await h.fleet.tick(nowMs: 60_000)
        // Revision 2 (its data missing) is applied, and the fleet crashes between persisting the
        // switch to it and carrying it out: the store has the switch pending.
        let yaml = StrategyBots.yaml(.immediate, fast: 12, replay: "NOSUCH-5m.csv")
        try h.apply(yaml)
        var rollout = Rollout(bot: try #require(try Fixtures.resolve(yaml).first), stable: 1, candidate: 2)
        let pending = rollout.start(now: 61_000)
        let stored = try #require(try h.store.rollout(bot: "test-bot"))
        var state = try #require(try JSONSerialization.jsonObject(with: Data(stored.stateJSON.utf8)) as? [String: Any])
        state["rollout"] = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(rollout))
        state["pendingActions"] = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(pending))
        var crashed = stored
        crashed.candidate = 2
        crashed.phase = rollout.phase
        crashed.stateJSON = String(decoding: try JSONSerialization.data(withJSONObject: state), as: UTF8.self)
        try h.store.saveRollout(crashed, events: [], revision: 2)

        let restarted = Fleet(store: h.store, dataDirectory: nil, logger: Logger(label: "test"))
        try await restarted.recover(nowMs: 70_000)
        try await restarted.reconcile(nowMs: 70_000)
        let running = try h.instances()
        #expect(Set(running.map(\.bot)) == ["test-bot", "other-bot"])
        #expect(running.filter { $0.bot == "test-bot" }.map(\.revision) == [1], "the old revision still trades")
        #expect(restarted.degradedBots.bots["test-bot"]?.reason.contains("NOSUCH") == true)
        #expect(restarted.degradedBots.bots["other-bot"] == nil)
        let ledger = try #require(try Fleet.capitalLedger(bot: "test-bot", store: h.store))
        #expect(ledger.accounted == ledger.capital)

        // Abort, undo and delete all leave a fleet that starts.
        try h.store.sendCommand(bot: "test-bot", .abort)
        try await restarted.reconcile(nowMs: 71_000)
        #expect(restarted.degradedBots.bots["test-bot"] == nil, "a person's abort clears it")
        let lock = try h.store.acquireApplyLock(operation: "test", timeout: 1)
        _ = try h.store.apply([.delete(name: "test-bot")], expectedSerial: try h.store.stateSerial(), lock: lock)
        try h.store.releaseApplyLock(lock)
        #expect(try h.store.rollout(bot: "test-bot") == nil, "deleting a bot deletes its rollout")
        let again = Fleet(store: h.store, dataDirectory: nil, logger: Logger(label: "test"))
        try await again.recover(nowMs: 80_000)
        try await again.reconcile(nowMs: 80_000)
        #expect(try h.instances().map(\.bot) == ["other-bot"])
    }

    @Test("an instance whose data is gone at restart is Degraded; the bot's rollout row and the other bots carry on")
    func restoreFailure() async throws {
        let data = try Fixtures.temporaryDirectory()
        let file = data.appendingPathComponent("gone-5m.csv")
        try FileManager.default.copyItem(at: Fixtures.bundledCandles("ETH_BTC-5m.csv"), to: file)
        let h = try FleetHarness(dataDirectory: data.path)
        try h.apply(StrategyBots.yaml(.immediate, replay: "gone-5m.csv"))
        try h.apply(StrategyBots.yaml(.immediate, name: "other-bot"))
        try await h.fleet.reconcile(nowMs: 0)
        try await h.fleet.tick(nowMs: 30_000)
        try FileManager.default.removeItem(at: file)
        let restarted = Fleet(store: h.store, dataDirectory: data.path, logger: Logger(label: "test"))
        try await restarted.recover(nowMs: 40_000)
        try await restarted.reconcile(nowMs: 40_000)
        #expect(restarted.degradedBots.bots["test-bot"]?.cause == .restore)
        #expect(try RolloutStatus.load(bot: "test-bot", store: h.store)?.degraded?.reason.contains("gone-5m.csv") == true)
        #expect(await restarted.instanceCount == 1, "other-bot runs")
        // The file comes back: the next attempt restores the instance where it was.
        try FileManager.default.copyItem(at: Fixtures.bundledCandles("ETH_BTC-5m.csv"), to: file)
        try await restarted.reconcile(nowMs: 41_500)
        #expect(await restarted.instanceCount == 2)
        #expect(restarted.degradedBots.bots.isEmpty)
    }

    @Test("a rollout state that can't be read degrades that bot only: its instances trade on, no first rollout doubles its capital")
    func unreadableRollout() async throws {
        let h = try FleetHarness()
        try h.apply(StrategyBots.yaml(.canary))
        try h.apply(StrategyBots.yaml(.immediate, name: "other-bot"))
        try await h.fleet.reconcile(nowMs: 0)
        let good = try #require(try h.store.rollout(bot: "test-bot"))
        var broken = good
        broken.stateJSON = "{\"rollout\": 42}"
        try h.store.saveRollout(broken, events: [], revision: good.candidate)

        let restarted = Fleet(store: h.store, dataDirectory: nil, logger: Logger(label: "test"))
        try await restarted.recover(nowMs: 10_000)
        try await restarted.reconcile(nowMs: 10_000)
        #expect(restarted.degradedBots.bots["test-bot"]?.cause == .rolloutState)
        #expect(await restarted.instanceCount == 2, "both bots' instances run; nothing new started")
        #expect(try h.instances().filter { $0.bot == "test-bot" }.map(\.capitalPct) == ["100"])

        try h.store.saveRollout(good, events: [], revision: good.candidate)
        try await restarted.reconcile(nowMs: 11_500)
        #expect(restarted.degradedBots.bots.isEmpty)
        #expect(try RolloutStatus.load(bot: "test-bot", store: h.store)?.phase == .completed)
    }

    @Test("a capital the money type can't hold exactly degrades the bot with the reason; it never becomes zero")
    func inexactCapital() async throws {
        let h = try FleetHarness()
        try h.apply(StrategyBots.yaml(.immediate))
        try await h.fleet.reconcile(nowMs: 0)
        let good = try #require(try Fixtures.resolve(StrategyBots.yaml(.immediate)).first)
        let bad = ResolvedBot(
            name: good.name, labels: good.labels, profile: good.profile, venue: good.venue, market: good.market, strategy: good.strategy,
            capital: Capital(quote: try #require(Decimal(string: "1000.123456789"))), settings: good.settings, sources: good.sources,
            deploy: good.deploy, file: good.file)
        let lock = try h.store.acquireApplyLock(operation: "test", timeout: 1)
        _ = try h.store.apply([.update(bad)], expectedSerial: try h.store.stateSerial(), lock: lock)
        try h.store.releaseApplyLock(lock)
        try await h.fleet.reconcile(nowMs: 1_000)
        #expect(h.fleet.degradedBots.bots["test-bot"]?.reason.contains("not an exact money amount") == true)
        #expect(try #require(await h.fleet.equityLedger(bot: "test-bot")).total == Fixed(1000), "the bot keeps trading its 1000")
        #expect(try h.store.events(bot: "test-bot").allSatisfy { $0.kind != "CapitalChanged" })
    }
}
