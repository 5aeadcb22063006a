import FlotillaSpec
import Foundation
import GRDB

// Every table's rows as GRDB records: the row types of the desired state (`bots`, `revisions`),
// the event log and the apply lock here; the runtime's (`instances`, `rollouts`,
// `rollout_commands`, `bot_controls`, `fills`), tokens, audit, plans and equity history below.
// Strings appear only as column values: a value this version does not know is read on the safe
// side (an unknown phase reads as failed, an unknown control as stopped, an unknown role as
// viewer), never as an error that keeps the store from opening.

/// One row of `bots`: the desired state of one bot as last applied.
struct BotRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "bots"
    var name: String
    var specJSON: String
    var specHash: String
    var revision: Int
    var revisionHash: String
    var file: String
    var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case name, specJSON = "spec_json", specHash = "spec_hash", revision, revisionHash = "revision_hash", file
        case updatedAt = "updated_at"
    }
}

/// One row of `revisions`: an immutable, numbered, content-hashed resolved spec.
struct RevisionRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "revisions"
    var bot: String
    var number: Int
    var hash: String
    var specJSON: String
    var createdAt: Int64
    /// The git commit the project was at when this revision was applied (`v10-revision-git`).
    var gitCommit: String? = nil
    /// Whether the spec files differed from that commit.
    var gitDirty: Bool? = nil

    enum CodingKeys: String, CodingKey {
        case bot, number, hash, specJSON = "spec_json", createdAt = "created_at", gitCommit = "git_commit", gitDirty = "git_dirty"
    }
}

/// One row of `events`.
struct EventRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "events"
    var id: Int64?
    var time: Int64
    var bot: String?
    var kind: String
    var revision: Int?
    var message: String
    var details: String?

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// The single row of `apply_lock` while an apply holds it.
struct ApplyLockRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "apply_lock"
    var id: Int = 1
    var holder: String
    var pid: Int32
    var host: String
    var operation: String
    var acquiredAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, holder, pid, host, operation, acquiredAt = "acquired_at"
    }
}

extension Row {
    /// The column's value, or `fallback` when it is NULL or holds something that does not convert
    /// (text in an integer column): a row another version or a hand edit left can't trap a read.
    func value<T: DatabaseValueConvertible>(_ column: String, or fallback: T) -> T {
        ((try? decode(T?.self, forColumn: column)) ?? nil) ?? fallback
    }

    /// The column's value; nil when it is NULL or does not convert.
    func optional<T: DatabaseValueConvertible>(_ column: String) -> T? {
        (try? decode(T?.self, forColumn: column)) ?? nil
    }

    /// Milliseconds since 1970 as a date (the epoch when unreadable).
    func date(_ column: String) -> Date { Date(timeIntervalSince1970: Double(value(column, or: Int64(0))) / 1000) }
    func optionalDate(_ column: String) -> Date? { (optional(column) as Int64?).map { Date(timeIntervalSince1970: Double($0) / 1000) } }
}

extension InstanceState: FetchableRecord {
    public init(row: Row) {
        let phase = row.value("phase", or: "")
        let known = InstancePhase(rawValue: phase)
        self.init(
            id: row.value("id", or: ""), bot: row.value("bot", or: ""), revision: row.value("revision", or: 0), symbol: row.value("symbol", or: ""),
            phase: known ?? .failed,
            reason: known == nil ? "unknown phase \"\(phase.prefix(40))\" in the store (written by another version of flotilla?)" : row.optional("reason"),
            mode: InstanceMode(rawValue: row.value("mode", or: "")) ?? .shadow, capitalPct: row.value("capital_pct", or: "0"),
            venueJSON: row.optional("venue_json"), candlesSeen: max(0, row.value("candles_seen", or: 0)), heartbeatAt: row.value("heartbeat_at", or: 0),
            metricsJSON: row.optional("metrics_json"), traderJSON: row.optional("trader_json"))
    }
}

extension StoredRollout: FetchableRecord {
    public init(row: Row) {
        self.init(
            // A phase another version wrote: Degraded (needs a person), never a reason not to open.
            bot: row.value("bot", or: ""), candidate: row.value("candidate", or: 1), stable: row.optional("stable"), strategy: row.value("strategy", or: "unknown"),
            phase: RolloutPhase(rawValue: row.value("phase", or: "")) ?? .degraded,
            stateJSON: row.value("state_json", or: "{}"), updatedAt: row.date("updated_at"))
    }
}

/// One row of `rollout_commands`: a command a person sent, until the reconciler takes it. The
/// command stays text here: one written by another version is consumed and ignored, not fatal.
struct RolloutCommandRecord: Codable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "rollout_commands"
    var id: Int64?
    var bot: String
    var command: String
    var argument: Int?
    var createdAt: Int64
    var consumedAt: Int64?

    enum CodingKeys: String, CodingKey {
        case id, bot, command, argument, createdAt = "created_at", consumedAt = "consumed_at"
    }

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One row of `bot_controls`: a bot's run control as a person last set it.
struct BotControlRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "bot_controls"
    var bot: String
    var state: String
    var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case bot, state, updatedAt = "updated_at"
    }

    /// Unknown to this version: stopped (nothing trades until a person says otherwise).
    var control: BotControl { BotControl(rawValue: state) ?? .stopped }
}

extension APIToken: FetchableRecord {
    public init(row: Row) {
        self.init(
            id: row.value("id", or: ""), role: APIToken.Role(rawValue: row.value("role", or: "")) ?? .viewer, description: row.value("description", or: ""),
            createdAt: row.date("created_at"), expiresAt: row.optionalDate("expires_at"), revokedAt: row.optionalDate("revoked_at"))
    }
}

extension AuditEntry: FetchableRecord {
    public init(row: Row) {
        self.init(id: row.value("id", or: 0), time: row.date("time"), principal: row.value("principal", or: ""),
                  method: row.value("method", or: ""), path: row.value("path", or: ""), status: row.value("status", or: 0), result: row.value("result", or: ""))
    }
}

extension StoredPlan: FetchableRecord {
    public init(row: Row) {
        let edits = (row.optional("edits_json") as String?).flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
        self.init(
            id: row.value("id", or: ""), createdAt: row.date("created_at"), principal: row.value("principal", or: ""),
            source: StoredPlan.Source(rawValue: row.value("source", or: "")) ?? .posted, planJSON: row.value("plan_json", or: "{}"), edits: edits,
            appliedAt: row.optionalDate("applied_at"), appliedSerial: row.optional("applied_serial"))
    }
}
