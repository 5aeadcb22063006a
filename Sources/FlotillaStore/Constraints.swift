import FlotillaSpec
import Foundation
import GRDB

/// `v7-constraints`: foreign keys and CHECK constraints on the tables that had none, added by
/// rebuilding each table (SQLite cannot add them in place).
///
/// A store written by an older version may hold rows the new constraints refuse — a rollout of a
/// bot no longer in the state, a phase this version does not know. Such a row must never keep
/// the store from opening (nothing persisted may keep `up` from starting), and must never be
/// silently lost: it is set aside in `quarantine` (its table, the row as JSON, why) and one
/// `Quarantined` event per table says how many. The rest is copied as it was.
///
/// The foreign keys (deferred to the commit, deleting with their bot or instance):
/// - `rollouts.bot`, `bot_controls.bot` and `equity_history.bot` → `bots.name`
/// - `fills.instance` → `instances.id`
///
/// Instances and revisions keep no key to their bot: a deleted bot's stopped instances keep its
/// accounts and fills on record, and revisions outlive a delete (a re-created bot's history).
enum Constraints {
    struct Rebuild {
        var table: String
        /// The new table, created as `<table>_v7`.
        var create: String
        /// The columns copied, in order.
        var columns: [String]
        /// Rows that satisfy every new constraint.
        var keep: String
        /// Why a row that does not was set aside.
        var reason: String
        /// Rows refused that are simply dropped instead (what the engine deletes anyway).
        var drop: String? = nil
    }

    static let rolloutPhases = RolloutPhase.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")

    static var rebuilds: [Rebuild] {
        [
            Rebuild(
                table: "rollouts",
                create: """
                    CREATE TABLE rollouts_v7 (
                        bot TEXT PRIMARY KEY NOT NULL REFERENCES bots (name) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                        candidate INTEGER NOT NULL CHECK (candidate > 0),
                        stable INTEGER CHECK (stable IS NULL OR stable > 0),
                        strategy TEXT NOT NULL CHECK (length(strategy) > 0),
                        phase TEXT NOT NULL CHECK (phase IN (\(rolloutPhases))),
                        state_json TEXT NOT NULL CHECK (json_valid(state_json)),
                        updated_at INTEGER NOT NULL
                    )
                    """,
                columns: ["bot", "candidate", "stable", "strategy", "phase", "state_json", "updated_at"],
                keep: """
                    bot IN (SELECT name FROM bots) AND candidate > 0 AND (stable IS NULL OR stable > 0) AND length(strategy) > 0
                    AND phase IN (\(rolloutPhases)) AND json_valid(state_json)
                    """,
                reason: "a rollout of a bot not in the state, or with a phase, revision or state this version does not know"),
            Rebuild(
                table: "bot_controls",
                create: """
                    CREATE TABLE bot_controls_v7 (
                        bot TEXT PRIMARY KEY NOT NULL REFERENCES bots (name) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                        state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'stopped')),
                        updated_at INTEGER NOT NULL
                    )
                    """,
                columns: ["bot", "state", "updated_at"],
                keep: "bot IN (SELECT name FROM bots) AND state IN ('running', 'paused', 'stopped')",
                reason: "the run control of a bot not in the state"),
            Rebuild(
                table: "equity_history",
                create: """
                    CREATE TABLE equity_history_v7 (
                        bot TEXT NOT NULL REFERENCES bots (name) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                        time INTEGER NOT NULL CHECK (time >= 0),
                        equity TEXT NOT NULL CHECK (length(equity) BETWEEN 1 AND 40),
                        PRIMARY KEY (bot, time)
                    ) WITHOUT ROWID
                    """,
                columns: ["bot", "time", "equity"],
                keep: "bot IN (SELECT name FROM bots) AND time >= 0 AND length(equity) BETWEEN 1 AND 40",
                reason: "an equity sample that is not a time and an amount",
                // A deleted bot's samples: the recorder forgets them anyway.
                drop: "bot NOT IN (SELECT name FROM bots)"),
            Rebuild(
                table: "fills",
                create: """
                    CREATE TABLE fills_v7 (
                        instance TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                        client_order_id TEXT NOT NULL CHECK (length(client_order_id) > 0),
                        time INTEGER NOT NULL,
                        fill_json TEXT NOT NULL CHECK (json_valid(fill_json)),
                        mode TEXT NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'shadow')),
                        PRIMARY KEY (instance, client_order_id)
                    )
                    """,
                columns: ["instance", "client_order_id", "time", "fill_json", "mode"],
                keep: "instance IN (SELECT id FROM instances) AND length(client_order_id) > 0 AND json_valid(fill_json) AND mode IN ('live', 'shadow')",
                reason: "a fill of an instance not in the store, or not JSON"),
        ]
    }

    static func add(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE quarantine (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                table_name TEXT NOT NULL,
                row_json TEXT NOT NULL,
                reason TEXT NOT NULL,
                quarantined_at INTEGER NOT NULL
            )
            """)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for r in rebuilds {
            let list = r.columns.joined(separator: ", ")
            let object = r.columns.map { "'\($0)', \($0)" }.joined(separator: ", ")
            if let drop = r.drop { try db.execute(sql: "DELETE FROM \(r.table) WHERE \(drop)") }
            try db.execute(
                sql: "INSERT INTO quarantine (table_name, row_json, reason, quarantined_at) SELECT ?, json_object(\(object)), ?, ? FROM \(r.table) WHERE NOT coalesce((\(r.keep)), 0)",
                arguments: [r.table, r.reason, now])
            let setAside = db.changesCount
            try db.execute(sql: r.create)
            try db.execute(sql: "INSERT INTO \(r.table)_v7 (\(list)) SELECT \(list) FROM \(r.table) WHERE coalesce((\(r.keep)), 0)")
            try db.execute(sql: "DROP TABLE \(r.table)")
            try db.execute(sql: "ALTER TABLE \(r.table)_v7 RENAME TO \(r.table)")
            if setAside > 0 {
                try db.execute(
                    sql: "INSERT INTO events (time, bot, kind, revision, message) VALUES (?, NULL, 'Quarantined', NULL, ?)",
                    arguments: [now, "\(setAside) row(s) of \(r.table) set aside in the quarantine table while adding constraints: \(r.reason)"])
            }
        }
        try db.execute(sql: "CREATE INDEX fills_by_instance_mode ON fills (instance, mode, time)")
    }
}

/// A row set aside by a migration because it broke a constraint the migration added.
public struct QuarantinedRow: Sendable, Equatable {
    public var table: String
    /// The row as it was, as JSON.
    public var row: String
    public var reason: String
}

extension StateStore {
    /// The rows migrations set aside, oldest first (see `Constraints`).
    public func quarantinedRows() throws -> [QuarantinedRow] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT table_name, row_json, reason FROM quarantine ORDER BY id").map {
                QuarantinedRow(table: $0["table_name"], row: $0["row_json"], reason: $0["reason"])
            }
        }
    }
}
