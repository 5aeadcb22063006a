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
/// A refused row of a bot that is still in the state is not only set aside: it is replaced by
/// the safe reading of it (`repair`), because its absence would mean something else — a bot with
/// instances and no rollout row would start a first rollout over them and fund them twice. Its
/// rollout becomes `Degraded` (a state that can't be read: the engine holds the bot and says why),
/// its control `stopped`.
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
        /// For a refused row whose bot is still in the state: the values (in `columns` order)
        /// that replace it, read on the safe side.
        var repair: String? = nil
    }

    static let rolloutPhases = RolloutPhase.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")

    static var rebuilds: [Rebuild] {
        [
            Rebuild(
                table: "rollouts",
                create: """
                    CREATE TABLE rollouts_v7 (
                        bot TEXT PRIMARY KEY NOT NULL REFERENCES bots (name) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                        candidate INTEGER NOT NULL CHECK (typeof(candidate) = 'integer' AND candidate > 0),
                        stable INTEGER CHECK (stable IS NULL OR (typeof(stable) = 'integer' AND stable > 0)),
                        strategy TEXT NOT NULL CHECK (typeof(strategy) = 'text' AND length(strategy) > 0),
                        phase TEXT NOT NULL CHECK (phase IN (\(rolloutPhases))),
                        state_json TEXT NOT NULL CHECK (typeof(state_json) = 'text' AND json_valid(state_json)),
                        updated_at INTEGER NOT NULL CHECK (typeof(updated_at) = 'integer')
                    )
                    """,
                columns: ["bot", "candidate", "stable", "strategy", "phase", "state_json", "updated_at"],
                keep: """
                    bot IN (SELECT name FROM bots) AND typeof(candidate) = 'integer' AND candidate > 0
                    AND (stable IS NULL OR (typeof(stable) = 'integer' AND stable > 0)) AND typeof(strategy) = 'text' AND length(strategy) > 0
                    AND phase IN (\(rolloutPhases)) AND typeof(state_json) = 'text' AND json_valid(state_json) AND typeof(updated_at) = 'integer'
                    """,
                reason: "a rollout of a bot not in the state, or with a phase, revision or state this version does not know",
                repair: """
                    bot, CASE WHEN typeof(candidate) = 'integer' AND candidate > 0 THEN candidate ELSE 1 END,
                    CASE WHEN typeof(stable) = 'integer' AND stable > 0 THEN stable ELSE NULL END,
                    CASE WHEN typeof(strategy) = 'text' AND length(strategy) > 0 THEN strategy ELSE 'unknown' END, 'Degraded',
                    CASE WHEN typeof(state_json) = 'text' AND json_valid(state_json) AND phase IN (\(rolloutPhases)) THEN state_json ELSE '{}' END,
                    CASE WHEN typeof(updated_at) = 'integer' THEN updated_at ELSE 0 END
                    """),
            Rebuild(
                table: "bot_controls",
                create: """
                    CREATE TABLE bot_controls_v7 (
                        bot TEXT PRIMARY KEY NOT NULL REFERENCES bots (name) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                        state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'stopped')),
                        updated_at INTEGER NOT NULL CHECK (typeof(updated_at) = 'integer')
                    )
                    """,
                columns: ["bot", "state", "updated_at"],
                keep: "bot IN (SELECT name FROM bots) AND state IN ('running', 'paused', 'stopped') AND typeof(updated_at) = 'integer'",
                reason: "the run control of a bot not in the state, or one this version does not know",
                repair: "bot, 'stopped', CASE WHEN typeof(updated_at) = 'integer' THEN updated_at ELSE 0 END"),
            Rebuild(
                table: "equity_history",
                create: """
                    CREATE TABLE equity_history_v7 (
                        bot TEXT NOT NULL REFERENCES bots (name) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                        time INTEGER NOT NULL CHECK (typeof(time) = 'integer' AND time >= 0),
                        equity TEXT NOT NULL CHECK (typeof(equity) = 'text' AND length(equity) BETWEEN 1 AND 40),
                        PRIMARY KEY (bot, time)
                    ) WITHOUT ROWID
                    """,
                columns: ["bot", "time", "equity"],
                keep: "bot IN (SELECT name FROM bots) AND typeof(time) = 'integer' AND time >= 0 AND typeof(equity) = 'text' AND length(equity) BETWEEN 1 AND 40",
                reason: "an equity sample that is not a time and an amount",
                // A deleted bot's samples: the recorder forgets them anyway.
                drop: "bot NOT IN (SELECT name FROM bots)"),
            Rebuild(
                table: "fills",
                create: """
                    CREATE TABLE fills_v7 (
                        instance TEXT NOT NULL REFERENCES instances (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                        client_order_id TEXT NOT NULL CHECK (typeof(client_order_id) = 'text' AND length(client_order_id) > 0),
                        time INTEGER NOT NULL CHECK (typeof(time) = 'integer'),
                        fill_json TEXT NOT NULL CHECK (typeof(fill_json) = 'text' AND json_valid(fill_json)),
                        mode TEXT NOT NULL DEFAULT 'live' CHECK (mode IN ('live', 'shadow')),
                        PRIMARY KEY (instance, client_order_id)
                    )
                    """,
                columns: ["instance", "client_order_id", "time", "fill_json", "mode"],
                keep: """
                    instance IN (SELECT id FROM instances) AND typeof(client_order_id) = 'text' AND length(client_order_id) > 0
                    AND typeof(time) = 'integer' AND typeof(fill_json) = 'text' AND json_valid(fill_json) AND mode IN ('live', 'shadow')
                    """,
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
            // A BLOB can't go into JSON: it is set aside as hex.
            let object = r.columns.map { "'\($0)', CASE typeof(\($0)) WHEN 'blob' THEN hex(\($0)) ELSE \($0) END" }.joined(separator: ", ")
            if let drop = r.drop { try db.execute(sql: "DELETE FROM \(r.table) WHERE \(drop)") }
            try db.execute(
                sql: "INSERT INTO quarantine (table_name, row_json, reason, quarantined_at) SELECT ?, json_object(\(object)), ?, ? FROM \(r.table) WHERE NOT coalesce((\(r.keep)), 0)",
                arguments: [r.table, r.reason, now])
            let setAside = db.changesCount
            try db.execute(sql: r.create)
            try db.execute(sql: "INSERT INTO \(r.table)_v7 (\(list)) SELECT \(list) FROM \(r.table) WHERE coalesce((\(r.keep)), 0)")
            if let repair = r.repair {
                try db.execute(sql: """
                    INSERT INTO \(r.table)_v7 (\(list)) SELECT \(repair) FROM \(r.table)
                    WHERE NOT coalesce((\(r.keep)), 0) AND bot IN (SELECT name FROM bots)
                    """)
            }
            try db.execute(sql: "DROP TABLE \(r.table)")
            try db.execute(sql: "ALTER TABLE \(r.table)_v7 RENAME TO \(r.table)")
            if setAside > 0 {
                try db.execute(
                    sql: "INSERT INTO events (time, bot, kind, revision, message) VALUES (?, NULL, 'Quarantined', NULL, ?)",
                    arguments: [now, "\(setAside) row(s) of \(r.table) set aside in the quarantine table while adding constraints: \(r.reason)"
                                 + (r.repair == nil ? "" : "; those of bots still in the state were kept on the safe side (\(r.table == "rollouts" ? "Degraded, for a person to look at" : "stopped"))")])
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
                QuarantinedRow(table: $0.value("table_name", or: ""), row: $0.value("row_json", or: ""), reason: $0.value("reason", or: ""))
            }
        }
    }
}
