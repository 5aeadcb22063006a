import FlotillaSpec
import FlotillaTesting
import Foundation
import GRDB
import Testing

@testable import FlotillaStore

/// `v7-constraints` on a store an older version wrote: the rows its new keys and checks refuse are
/// set aside (never lost, never a reason not to start), everything else is kept as it was.
@Suite("Constraints added to an older store")
struct ConstraintsMigrationTests {
    static let hash = String(repeating: "a", count: 64)

    /// A store at `v6-equity-history` holding good rows and the kinds of bad ones an older version could leave.
    static func olderStore() throws -> String {
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("state.db").path
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: "v6-equity-history")
        try queue.write { db in
            for bot in ["kept", "odd"] {
                try db.execute(sql: "INSERT INTO bots (name, spec_json, spec_hash, revision, revision_hash, file, updated_at) VALUES (?, '{}', ?, 1, ?, 'bots.d/x.yaml', 0)",
                               arguments: [bot, hash, hash])
            }
            let rollout = "INSERT INTO rollouts (bot, candidate, stable, strategy, phase, state_json, updated_at) VALUES (?, 2, 1, 'canary', ?, ?, 0)"
            try db.execute(sql: rollout, arguments: ["kept", "Paused", "{}"])
            try db.execute(sql: rollout, arguments: ["gone", "Progressing", "{}"])  // its bot was deleted
            try db.execute(sql: rollout, arguments: ["odd", "Bogus", "{}"])  // a phase no version wrote
            try db.execute(sql: rollout, arguments: ["blob", "Completed", "{}"])  // a blob where text belongs, of a bot that is gone
            try db.execute(sql: "UPDATE rollouts SET state_json = CAST('{}' AS BLOB) WHERE bot = 'blob'")
            try db.execute(sql: "INSERT INTO bot_controls (bot, state, updated_at) VALUES ('kept', 'paused', 0), ('gone', 'stopped', 0)")
            try db.execute(sql: "INSERT INTO equity_history (bot, time, equity) VALUES ('kept', 1, '100'), ('kept', 2, '101'), ('gone', 1, '5'), ('kept', 'abc', '7')")
            try db.execute(sql: "INSERT INTO instances (id, bot, revision, symbol, phase, updated_at) VALUES ('kept/r1/ETH-BTC#1', 'kept', 1, 'ETH-BTC', 'running', 0)")
            let fill = "INSERT INTO fills (instance, client_order_id, time, fill_json, mode) VALUES (?, ?, 1, ?, 'live')"
            try db.execute(sql: fill, arguments: ["kept/r1/ETH-BTC#1", "a", #"{"side":"buy"}"#])
            try db.execute(sql: fill, arguments: ["lost/r1/ETH-BTC#1", "b", #"{"side":"sell"}"#])  // no such instance
            try db.execute(sql: fill, arguments: ["kept/r1/ETH-BTC#1", "c", "not json"])
        }
        return path
    }

    @Test("rows the new constraints refuse are quarantined with the reason, the rest kept, and an event says so")
    func quarantine() throws {
        let store = try StateStore(path: try Self.olderStore())
        #expect(try store.migrationsComplete())
        // A refused rollout of a bot still in the state stays, Degraded with an unreadable state:
        // without its row the engine would start a first rollout over its instances (capital twice).
        #expect(try store.rollouts().map(\.bot) == ["kept", "odd"])
        #expect(try store.rollout(bot: "kept")?.phase == .paused)
        #expect(try store.rollout(bot: "odd").map { [$0.phase.rawValue, $0.stateJSON] } == ["Degraded", "{}"])
        #expect(try store.botControls() == ["kept": .paused])
        #expect(try store.equityHistory(bot: "kept", points: 10).count == 2)
        #expect(try store.fills(instance: "kept/r1/ETH-BTC#1") == [#"{"side":"buy"}"#])

        let rows = try store.quarantinedRows()
        let byTable = Dictionary(grouping: rows, by: \.table).mapValues(\.count)
        #expect(byTable == ["rollouts": 3, "bot_controls": 1, "fills": 2, "equity_history": 1], "a deleted bot's equity samples are dropped, not quarantined")
        #expect(rows.contains { $0.table == "rollouts" && $0.row.contains(#""state_json":"7B7D""#) }, "a blob is set aside as hex")
        #expect(rows.contains { $0.table == "rollouts" && $0.row.contains(#""phase":"Bogus""#) })
        #expect(rows.allSatisfy { !$0.reason.isEmpty })
        let events = try store.events(limit: 50).filter { $0.kind == "Quarantined" }
        #expect(events.count == 4)
        #expect(events.contains { $0.message.hasPrefix("3 row(s) of rollouts set aside") && $0.message.contains("kept on the safe side") })
    }

    @Test("after the migration the keys hold: a bot's rollout, control and equity go with it; nothing is written for a bot that is gone")
    func keysHold() throws {
        let store = try StateStore(path: try Self.olderStore())
        try store.saveRollout(StoredRollout(bot: "gone", candidate: 3, stable: nil, strategy: "canary", phase: .progressing, stateJSON: "{}", updatedAt: Date()),
                              events: [(kind: "StepStarted", message: "a step of a deleted bot")], revision: 3)
        #expect(try store.rollout(bot: "gone") == nil)
        #expect(try store.events(bot: "gone", limit: 10).contains { $0.kind == "StepStarted" }, "the step's events are kept")
        try store.recordEquity([(bot: "gone", sample: EquitySample(time: 9, equity: "1")), (bot: "kept", sample: EquitySample(time: 9, equity: "102"))])
        #expect(try store.equityHistory(bot: "kept", points: 10).count == 3, "one deleted bot does not cost the others their samples")

        #expect(throws: StoreError.self, "no control or command is recorded for a bot that is gone") {
            try store.setBotControl(bot: "gone", to: .paused)
        }
        #expect(throws: StoreError.self) { try store.sendCommand(bot: "gone", .restart) }
        #expect(try store.botControls()["gone"] == nil)

        let lock = try store.acquireApplyLock(operation: "test", timeout: 5)
        _ = try store.apply([.delete(name: "kept")], expectedSerial: try store.stateSerial(), lock: lock)
        try store.releaseApplyLock(lock)
        #expect(try store.rollout(bot: "kept") == nil)
        #expect(try store.botControls()["kept"] == nil)
        #expect(try store.equityHistory(bot: "kept", points: 10).isEmpty)
        #expect(try store.fills(instance: "kept/r1/ETH-BTC#1").count == 1, "a deleted bot's stopped instances keep their fills")
    }

    @Test("a store already migrated opens as it is")
    func reopen() throws {
        let path = try Self.olderStore()
        _ = try StateStore(path: path)
        let again = try StateStore(path: path)
        #expect(try again.quarantinedRows().count == 7)
        #expect(try again.rollouts().map(\.bot) == ["kept", "odd"])
    }
}

@Suite("Rows that break their column's type read on the safe side")
struct LenientRowTests {
    @Test("text where a number belongs, NULLs and unknown states: reads never trap")
    func oddValues() throws {
        let path = try Fixtures.temporaryDirectory().appendingPathComponent("state.db").path
        let store = try StateStore(path: path)
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: """
                INSERT INTO instances (id, bot, revision, symbol, phase, reason, updated_at, mode, capital_pct, candles_seen, heartbeat_at)
                VALUES ('a#1', 'a', 1, 'ETH-BTC', 'zombie', NULL, 0, 'weird', '100', -5, 'soon'),
                       ('b#1', 'b', 1, 'ETH-BTC', 'running', NULL, 0, 'live', '100', 'many', 0)
                """)
            try db.execute(sql: "INSERT INTO audit (time, principal, method, path, status, result) VALUES ('noon', 'x', 'GET', '/', 'ok', 'r')")
        }
        let instances = Dictionary(uniqueKeysWithValues: try store.runtimeInstances().map { ($0.id, $0) })
        #expect(instances["a#1"]?.phase == .failed && instances["a#1"]?.reason?.contains("zombie") == true)
        #expect(instances["a#1"]?.mode == .shadow, "an unknown mode trades no capital")
        #expect(instances["a#1"]?.candlesSeen == 0 && instances["a#1"]?.heartbeatAt == 0)
        #expect(instances["b#1"]?.candlesSeen == 0)
        #expect(try store.audit(limit: 10).count == 1)
    }
}
