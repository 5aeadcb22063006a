import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import Foundation
import Testing

func bot(_ replacements: [String: String] = [:], name: String = "test-bot") throws -> ResolvedBot {
    try #require(try Fixtures.resolve(Fixtures.botYAML(name: name, replacements)).first)
}

@Suite("State store")
struct StateStoreTests {
    @Test("a new store runs its named migrations and starts at serial 0")
    func migrations() throws {
        let store = try StateStore.inMemory()
        #expect(try store.appliedMigrations() == ["v1-core", "v2-runtime", "v3-control-plane", "v4-plans", "v5-fill-mode", "v5-trader-state", "v6-equity-history", "v7-constraints", "v8-order-intents", "v9-llm-calls", "v10-revision-git", "v11-order-reference", "v12-fleet-halt"])
        #expect(try store.stateSerial() == 0)
    }

    @Test("applying records revisions, the desired state, events, and bumps the serial")
    func applyRecords() throws {
        let store = try StateStore.inMemory()
        let lock = try store.acquireApplyLock(operation: "test", timeout: 1)
        let v1 = try bot()
        let first = try store.apply([.create(v1)], expectedSerial: 0, lock: lock)
        #expect(first == ApplyResult(serial: 1, revisions: ["test-bot": 1]))

        let v2 = try bot(["fast: 10": "fast: 12"])
        let second = try store.apply([.replace(v2)], expectedSerial: 1, lock: lock)
        #expect(second.revisions["test-bot"] == 2)

        let relabeled = try bot(["fast: 10": "fast: 12", "team: alpha": "team: beta"])
        let third = try store.apply([.update(relabeled)], expectedSerial: 2, lock: lock)
        #expect(third.revisions["test-bot"] == 2, "an in-place update keeps the revision")

        let (serial, bots) = try store.desiredState()
        #expect(serial == 3)
        #expect(bots.count == 1)
        #expect(bots[0].spec == relabeled)
        #expect(bots[0].specHash == relabeled.specHash)
        #expect(bots[0].revisionHash == v2.revisionHash)
        let revisions = try store.revisions(of: "test-bot")
        #expect(revisions.map(\.number) == [2, 1])
        #expect(try revisions[1].spec() == v1)
        #expect(try store.events(bot: "test-bot").map(\.kind) == ["BotCreated", "RevisionCreated", "BotUpdated"])
    }

    @Test("hash-equal specs are not decoded when the caller does not ask")
    func lazyDecoding() throws {
        let store = try StateStore.inMemory()
        let lock = try store.acquireApplyLock(operation: "test", timeout: 1)
        _ = try store.apply([.create(try bot())], expectedSerial: 0, lock: lock)
        let (_, bots) = try store.desiredState(decode: { _, _ in false })
        #expect(bots[0].spec == nil)
    }

    @Test("an apply against a moved serial is refused and changes nothing")
    func staleSerial() throws {
        let store = try StateStore.inMemory()
        let lock = try store.acquireApplyLock(operation: "test", timeout: 1)
        _ = try store.apply([.create(try bot(name: "a"))], expectedSerial: 0, lock: lock)
        #expect(throws: StoreError.stale(expected: 0, actual: 1)) {
            try store.apply([.create(try bot(name: "b"))], expectedSerial: 0, lock: lock)
        }
        #expect(try store.desiredState().bots.map(\.name) == ["a"])
        #expect(try store.stateSerial() == 1)
    }

    @Test("revision history keeps the newest N besides the current one")
    func historyLimit() throws {
        let store = try StateStore.inMemory()
        let lock = try store.acquireApplyLock(operation: "test", timeout: 1)
        var serial = 0
        for fast in 2...8 {
            let spec = try bot(["fast: 10": "fast: \(fast)", "strategy: canary": "strategy: canary\n    revisionHistoryLimit: 3"])
            serial = try store.apply([fast == 2 ? .create(spec) : .replace(spec)], expectedSerial: serial, lock: lock).serial
        }
        #expect(try store.revisions(of: "test-bot").map(\.number) == [7, 6, 5, 4])
    }

    @Test("a new revision keeps what hangs off the bot: its rollout and its run control")
    func replaceKeepsRolloutAndControl() throws {
        let store = try StateStore.inMemory()
        let lock = try store.acquireApplyLock(operation: "test", timeout: 1)
        _ = try store.apply([.create(try bot())], expectedSerial: 0, lock: lock)
        try store.saveRollout(StoredRollout(bot: "test-bot", candidate: 1, stable: nil, strategy: "immediate", phase: .completed, stateJSON: "{}", updatedAt: Date()),
                              events: [], revision: 1)
        try store.setBotControl(bot: "test-bot", to: .paused)
        _ = try store.apply([.replace(try bot(["fast: 10": "fast: 12"]))], expectedSerial: 1, lock: lock)
        #expect(try store.rollout(bot: "test-bot")?.candidate == 1, "the rollout row survives the bot's new revision")
        #expect(try store.botControls()["test-bot"] == .paused)
        #expect(try store.desiredState(decode: { _, _ in false }).bots.map(\.revision) == [2])
    }

    @Test("a bot created again after a delete numbers its revisions on from its history, pruned to its limit")
    func recreatedBotContinuesItsHistory() throws {
        let store = try StateStore.inMemory()
        let lock = try store.acquireApplyLock(operation: "test", timeout: 1)
        var serial = 0
        for fast in 2...5 {
            let spec = try bot(["fast: 10": "fast: \(fast)", "strategy: canary": "strategy: canary\n    revisionHistoryLimit: 1"])
            serial = try store.apply([fast == 2 ? .create(spec) : .replace(spec)], expectedSerial: serial, lock: lock).serial
        }
        serial = try store.apply([.delete(name: "test-bot")], expectedSerial: serial, lock: lock).serial
        let again = try bot(["fast: 10": "fast: 9", "strategy: canary": "strategy: canary\n    revisionHistoryLimit: 1"])
        let result = try store.apply([.create(again)], expectedSerial: serial, lock: lock)
        #expect(result.revisions["test-bot"] == 5)
        #expect(try store.revisions(of: "test-bot").map(\.number) == [5, 4])
        #expect(try store.desiredBot(named: "test-bot")?.spec == again)
    }

    @Test("deleting a bot removes it from the desired state and logs it")
    func delete() throws {
        let store = try StateStore.inMemory()
        let lock = try store.acquireApplyLock(operation: "test", timeout: 1)
        _ = try store.apply([.create(try bot())], expectedSerial: 0, lock: lock)
        _ = try store.apply([.delete(name: "test-bot")], expectedSerial: 1, lock: lock)
        #expect(try store.desiredState().bots.isEmpty)
        #expect(try store.events().suffix(2).map(\.kind) == ["BotDeleted", "Applied"], "the deletion, then the apply that made it")
    }

    @Test("a second apply waits for the lock, then fails naming the holder")
    func lockContention() throws {
        let dir = try Fixtures.temporaryDirectory()
        let path = dir.appendingPathComponent("state.db").path
        let first = try StateStore(path: path)
        let second = try StateStore(path: path)
        let held = try first.acquireApplyLock(operation: "flotilla apply (first)", timeout: 1)
        let start = Date()
        do {
            _ = try second.acquireApplyLock(operation: "flotilla apply (second)", timeout: 0.3)
            Issue.record("the lock must not be taken twice")
        } catch let error as StoreError {
            guard case .locked(let holder, _) = error else { Issue.record("\(error)"); return }
            #expect(holder.operation == "flotilla apply (first)")
            #expect(holder.pid == getpid())
            #expect(error.description.contains("locked by flotilla apply (first) (pid \(getpid())"))
        }
        #expect(Date().timeIntervalSince(start) >= 0.3)
        try first.releaseApplyLock(held)
        let taken = try second.acquireApplyLock(operation: "flotilla apply (second)", timeout: 0.3)
        try second.releaseApplyLock(taken)
    }

    @Test("a lock left by a process that no longer runs is taken over")
    func deadHolder() throws {
        let dir = try Fixtures.temporaryDirectory()
        let path = dir.appendingPathComponent("state.db").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        let deadPID = process.processIdentifier
        try writeLockRow(path: path, pid: deadPID)
        let store = try StateStore(path: path)
        let lock = try store.acquireApplyLock(operation: "after crash", timeout: 0.2)
        try store.releaseApplyLock(lock)
        #expect(try store.events().map(\.kind).contains("LockBroken"))
    }

    /// Simulates a crashed apply: a lock row naming a process that has exited.
    private func writeLockRow(path: String, pid: Int32) throws {
        let store = try StateStore(path: path)
        let lock = try store.acquireApplyLock(operation: "crashed apply", timeout: 1)
        try store.overwriteLockPIDForTesting(lock, pid: pid)
    }
}
