import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import Foundation
import Testing

/// What an engine pass writes is committed together, in the order it was written.
@Suite("Writes committed together")
struct StoreWritesTests {
    func instance(_ id: String, bot: String = "test-bot", candles: Int) -> InstanceState {
        InstanceState(id: id, bot: bot, revision: 1, symbol: "ETH-BTC", phase: .running, mode: .live, capitalPct: "100", candlesSeen: candles)
    }

    func rollout(_ bot: String, phase: RolloutPhase) -> StoredRollout {
        StoredRollout(bot: bot, candidate: 1, stable: nil, strategy: "canary", phase: phase, stateJSON: "{}", updatedAt: Date())
    }

    @Test("nothing is in the store before the commit; after it, every write in order: an instance's later state wins, events keep their order")
    func inOrder() throws {
        let store = try StateStore.inMemory()
        let lock = try store.acquireApplyLock(operation: "test", timeout: 1)
        _ = try store.apply([.create(try bot())], expectedSerial: 0, lock: lock)
        var writes = StoreWrites()
        writes.saveInstance(instance("a#1", candles: 1), newFills: [(clientOrderId: "o1", time: 1, json: "{}")])
        writes.saveRollout(rollout("test-bot", phase: .progressing), events: [(kind: "RolloutStarted", message: "started")], revision: 1,
                           instances: [instance("b#1", bot: "other", candles: 7)])
        writes.recordEvent(bot: "test-bot", kind: "Second", message: "after the rollout's")
        writes.saveInstance(instance("a#1", candles: 2))
        writes.saveRollout(rollout("test-bot", phase: .completed), events: [], revision: 1)
        #expect(writes.count == 6)
        #expect(try store.runtimeInstances().isEmpty)

        try store.commit(writes)
        let instances = Dictionary(uniqueKeysWithValues: try store.runtimeInstances().map { ($0.id, $0.candlesSeen) })
        #expect(instances == ["a#1": 2, "b#1": 7])
        #expect(try store.fills(instance: "a#1").count == 1)
        #expect(try store.rollout(bot: "test-bot")?.phase == .completed)
        #expect(try store.events(bot: "test-bot").map(\.kind).suffix(2) == ["RolloutStarted", "Second"])
    }

    @Test("a rollout deleted after it was saved in the same batch is gone; an empty batch writes nothing")
    func deleteAfterSave() throws {
        let store = try StateStore.inMemory()
        var writes = StoreWrites()
        writes.saveRollout(rollout("gone", phase: .progressing), events: [], revision: 1)
        writes.deleteRollout(bot: "gone")
        try store.commit(writes)
        #expect(try store.rollout(bot: "gone") == nil)
        try store.commit(StoreWrites())
        #expect(try store.events(bot: nil).isEmpty)
    }

    @Test("committed one by one (after a batch was refused), every write lands")
    func oneByOne() throws {
        let store = try StateStore.inMemory()
        var writes = StoreWrites()
        writes.saveInstance(instance("a#1", candles: 3))
        writes.recordEvent(bot: nil, kind: "Shutdown", message: "stopped")
        #expect(store.commitEach(writes).isEmpty)
        #expect(try store.runtimeInstances().map(\.candlesSeen) == [3])
        #expect(try store.events(bot: nil).map(\.kind) == ["Shutdown"])
    }

    @Test("a row saved before its JSON was encoded is filled in where it was saved: a later state of the instance still wins, its fills are kept")
    func filledInPlace() throws {
        let store = try StateStore.inMemory()
        var writes = StoreWrites()
        let slot = writes.endIndex
        writes.saveInstance(instance("a#1", candles: 1), newFills: [(clientOrderId: "o1", time: 1, json: "{}")])
        writes.saveInstance(instance("b#1", bot: "other", candles: 5))
        var encoded = instance("a#1", candles: 1)
        encoded.venueJSON = "{\"cash\":1}"
        writes.replaceInstance(at: slot, with: encoded)
        var later = instance("b#1", bot: "other", candles: 6)
        later.venueJSON = "{\"cash\":2}"
        writes.saveInstance(later)
        try store.commit(writes)
        let rows = Dictionary(uniqueKeysWithValues: try store.runtimeInstances().map { ($0.id, $0) })
        #expect(rows["a#1"]?.venueJSON == "{\"cash\":1}")
        #expect(rows["b#1"]?.candlesSeen == 6)
        #expect(try store.fills(instance: "a#1").count == 1)
    }

    @Test("work spread over the cores comes back complete and in order, for arrays below and above the threshold", arguments: [0, 1, 63, 64, 1_000, 10_007])
    func concurrentMapKeepsOrder(count: Int) {
        let items = Array(0..<count)
        #expect(items.concurrentMap { "\($0 * 3)" } == items.map { "\($0 * 3)" })
    }
}
