import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Logging
import Testing

/// A store with the given bot applied, and a fleet on it. Time is whatever the test says it is.
struct FleetHarness {
    let store: StateStore
    let fleet: Fleet
    let dir: URL

    /// Where the fleet's venue calls go: answers every call until a test tells it to fail some.
    let venue = FlakyVenue()

    init(store: StateStore? = nil, dataDirectory: String? = nil) throws {
        dir = try Fixtures.temporaryDirectory()
        self.store = try store ?? StateStore(path: dir.appendingPathComponent("state.db").path)
        fleet = Fleet(store: self.store, dataDirectory: dataDirectory, logger: Logger(label: "test"), venue: venue)
    }

    func apply(_ yaml: String) throws {
        let bot = try #require(try Fixtures.resolve(yaml).first)
        let lock = try store.acquireApplyLock(operation: "test", timeout: 1)
        defer { try? store.releaseApplyLock(lock) }
        let (serial, current) = try store.desiredState()
        let change: StateChange = current.contains { $0.name == bot.name } ? .replace(bot) : .create(bot)
        _ = try store.apply([change], expectedSerial: serial, lock: lock)
    }

    func instances() throws -> [InstanceState] { try store.runtimeInstances().filter { $0.phase != .stopped } }

    /// Cash plus positions at cost across the bot's instances and its reserve.
    func metrics(_ state: InstanceState) throws -> InstanceMetrics {
        try JSONDecoder().decode(InstanceMetrics.self, from: Data(try #require(state.metricsJSON).utf8))
    }
}

let canaryBot = Fixtures.botYAML(["{ pause: 30m }": "{ pause: {} }"])  // steps: 10 %, pause until promoted, analysis

@Suite("The fleet runs applied bots and rolls out revisions", .serialized)
struct FleetTests {
    @Test("a first revision starts with all the capital; a new one starts a canary on 10 % of it")
    func canarySplit() async throws {
        let h = try FleetHarness()
        try h.apply(canaryBot)
        try await h.fleet.reconcile(nowMs: 1_000)
        var live = try h.instances()
        #expect(live.map(\.revision) == [1])
        #expect(live[0].capitalPct == "100")
        try h.apply(Fixtures.botYAML(["{ pause: 30m }": "{ pause: {} }", "fast: 10": "fast: 12"]))
        try await h.fleet.reconcile(nowMs: 2_000)
        live = try h.instances()
        #expect(live.map(\.revision).sorted() == [1, 2])
        #expect(Set(live.map(\.capitalPct)) == ["90", "10"])
        let equity = try live.map { try h.metrics($0).equity }.reduce(.zero, +)
        #expect(equity == 1000, "splitting capital creates and loses nothing")
        let status = try #require(try RolloutStatus.load(bot: "test-bot", store: h.store))
        #expect(status.phase == .paused)
        let ledger = try #require(try Fleet.capitalLedger(bot: "test-bot", store: h.store))
        #expect(ledger.accounted == ledger.capital)
    }

    @Test("an in-place capital change moves money into the instances, exactly")
    func capitalChange() async throws {
        let h = try FleetHarness()
        try h.apply(canaryBot)
        try await h.fleet.reconcile(nowMs: 1_000)
        let bot = try #require(try Fixtures.resolve(Fixtures.botYAML(["{ pause: 30m }": "{ pause: {} }", "quote: 1000": "quote: 1500"])).first)
        let lock = try h.store.acquireApplyLock(operation: "test", timeout: 1)
        _ = try h.store.apply([.update(bot)], expectedSerial: try h.store.stateSerial(), lock: lock)
        try h.store.releaseApplyLock(lock)
        try await h.fleet.reconcile(nowMs: 2_000)
        #expect(try h.metrics(try h.instances()[0]).equity == 1500)
        let ledger = try #require(try Fleet.capitalLedger(bot: "test-bot", store: h.store))
        #expect(ledger.accounted == ledger.capital && ledger.capital == Fixed(1500))
    }

    @Test("abort returns the canary's capital to stable exactly; the rollout is Aborted, stable serves")
    func abort() async throws {
        let h = try FleetHarness()
        try h.apply(canaryBot)
        try await h.fleet.reconcile(nowMs: 1_000)
        try h.apply(Fixtures.botYAML(["{ pause: 30m }": "{ pause: {} }", "fast: 10": "fast: 12"]))
        try await h.fleet.reconcile(nowMs: 2_000)
        try await h.fleet.tick(nowMs: 2_000 + 60_000)  // a minute at 600×: 120 candles
        try h.store.sendCommand(bot: "test-bot", .abort)
        try await h.fleet.reconcile(nowMs: 63_000)
        let live = try h.instances()
        #expect(live.map(\.revision) == [1])
        #expect(live[0].capitalPct == "100")
        #expect(try RolloutStatus.load(bot: "test-bot", store: h.store)?.phase == .aborted)
        let events = try h.store.events(bot: "test-bot").map(\.kind)
        #expect(events.contains("RolloutAborted"))
        let ledger = try #require(try Fleet.capitalLedger(bot: "test-bot", store: h.store))
        #expect(ledger.accounted == ledger.capital, "nothing lost, nothing doubled")
    }

    @Test("immediate hands an open position to the new revision at its cost, with no trade and no fee")
    func immediateHandover() async throws {
        let h = try FleetHarness()
        let yaml = Fixtures.botYAML(["strategy: canary": "strategy: immediate", "    canary:\n      steps: [ { setCapital: 10% }, { pause: 30m }, { analysis: default } ]\n": ""])
        try h.apply(yaml)
        try await h.fleet.reconcile(nowMs: 0)
        // Run until the bot holds a position.
        var now: Int64 = 0
        var holding: InstanceState?
        while now < 3_000_000, holding == nil {
            now += 5_000
            try await h.fleet.tick(nowMs: now)
            holding = try h.instances().first { (try? h.metrics($0).position) != .zero }
        }
        let before = try #require(holding, "the strategy opened a position")
        let position = try h.metrics(before).position
        let fillsBefore = try h.store.fillCount()
        try h.apply(Fixtures.botYAML(["strategy: canary": "strategy: immediate", "    canary:\n      steps: [ { setCapital: 10% }, { pause: 30m }, { analysis: default } ]\n": "", "fast: 10": "fast: 11"]))
        try await h.fleet.reconcile(nowMs: now + 1)
        let after = try h.instances()
        #expect(after.map(\.revision) == [2])
        #expect(try h.metrics(after[0]).position == position, "the position moved over whole")
        #expect(try h.store.fillCount() == fillsBefore, "no round-trip trade")
    }

    @Test("after a restart the fleet resumes every instance where it was, and no fill is recorded twice")
    func recovery() async throws {
        let h = try FleetHarness()
        try h.apply(canaryBot)
        try await h.fleet.reconcile(nowMs: 0)
        try await h.fleet.tick(nowMs: 600_000)  // 10 minutes at 600×: 1,200 candles
        let before = try h.instances()
        let fills = try h.store.fillCount()
        #expect(fills > 0)
        // A new process: a new fleet on the same store, later.
        let restarted = Fleet(store: h.store, dataDirectory: nil, logger: Logger(label: "test"))
        try await restarted.recover(nowMs: 700_000)
        try await restarted.reconcile(nowMs: 700_000)
        let resumed = try h.instances()
        #expect(resumed.map(\.candlesSeen) == before.map(\.candlesSeen))
        #expect(try resumed.map { try h.metrics($0).equity } == before.map { try h.metrics($0).equity })
        try await restarted.tick(nowMs: 700_000 + 60_000)
        #expect(try h.instances()[0].candlesSeen > before[0].candlesSeen)
        let all = try h.store.fills(instance: before[0].id)
        #expect(Set(all).count == all.count)
        #expect(try h.store.fillCount() >= fills)
    }

    @Test("deleting a bot stops its instances and forgets its rollout")
    func delete() async throws {
        let h = try FleetHarness()
        try h.apply(canaryBot)
        try await h.fleet.reconcile(nowMs: 0)
        let lock = try h.store.acquireApplyLock(operation: "test", timeout: 1)
        _ = try h.store.apply([.delete(name: "test-bot")], expectedSerial: try h.store.stateSerial(), lock: lock)
        try h.store.releaseApplyLock(lock)
        try await h.fleet.reconcile(nowMs: 1_000)
        #expect(try h.instances().isEmpty)
        #expect(try h.store.rollout(bot: "test-bot") == nil)
    }
}
