import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import Foundation
import Testing

@Suite("Fills keep their mode; deleting a bot deletes its rollout")
struct FillModeAndDeleteTests {
    func instance(_ id: String, mode: InstanceMode, phase: InstancePhase = .running) -> InstanceState {
        InstanceState(id: id, bot: "test-bot", revision: 1, symbol: "ETH-BTC", phase: phase, reason: nil, mode: mode, capitalPct: "100",
                      venueJSON: nil, candlesSeen: 0, heartbeatAt: 0, metricsJSON: nil)
    }

    @Test("a shadow instance's fills are recorded as shadow and listed apart from live ones", arguments: [FillMode?.none, .live, .shadow])
    func fillModes(filter: FillMode?) throws {
        let store = try StateStore.inMemory()
        try store.saveInstancesAndFills([
            (instance("test-bot/r1/ETH-BTC#1", mode: .live), [(clientOrderId: "a", time: 1, json: #"{"side":"buy"}"#)]),
            (instance("test-bot/r2/ETH-BTC#1", mode: .shadow), [(clientOrderId: "b", time: 2, json: #"{"side":"sell"}"#)]),
        ])
        let fills = try store.fills(bot: "test-bot", mode: filter, limit: 10)
        switch filter {
        case nil: #expect(fills.map(\.mode) == [.live, .shadow])
        case .live?: #expect(fills.map(\.instance) == ["test-bot/r1/ETH-BTC#1"])
        case .shadow?: #expect(fills.map(\.instance) == ["test-bot/r2/ETH-BTC#1"])
        }
    }

    @Test("the newest fills within the limit, oldest first")
    func limit() throws {
        let store = try StateStore.inMemory()
        try store.saveInstancesAndFills([(instance("test-bot/r1/ETH-BTC#1", mode: .live),
                                          (1...5).map { (clientOrderId: "o\($0)", time: Int64($0), json: "{}") })])
        #expect(try store.fills(bot: "test-bot", mode: .live, limit: 2).count == 2)
    }

    @Test("deleting a bot removes its rollout, its pending commands and its control, and stops its instances")
    func delete() throws {
        let store = try StateStore.inMemory()
        let lock = try store.acquireApplyLock(operation: "test", timeout: 1)
        _ = try store.apply([.create(try bot())], expectedSerial: 0, lock: lock)
        try store.saveRollout(StoredRollout(bot: "test-bot", candidate: 1, stable: nil, strategy: "canary", phase: .completed, stateJSON: "{}", updatedAt: Date()),
                              events: [], revision: 1, instances: [instance("test-bot/r1/ETH-BTC#1", mode: .live)])
        try store.sendCommand(bot: "test-bot", .abort)
        try store.setBotControl(bot: "test-bot", to: .paused)
        _ = try store.apply([.delete(name: "test-bot")], expectedSerial: 1, lock: lock)
        #expect(try store.rollout(bot: "test-bot") == nil)
        #expect(try store.takeRolloutCommands().isEmpty)
        #expect(try store.botControls()["test-bot"] == nil)
        #expect(try store.runtimeInstances(bot: "test-bot").map(\.phase) == [.stopped])
    }
}
