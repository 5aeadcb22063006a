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

    enum CodingKeys: String, CodingKey {
        case bot, number, hash, specJSON = "spec_json", createdAt = "created_at"
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

extension InstanceState: FetchableRecord {
    public init(row: Row) {
        let phase: String = row["phase"]
        let known = InstancePhase(rawValue: phase)
        self.init(
            id: row["id"], bot: row["bot"], revision: row["revision"], symbol: row["symbol"], phase: known ?? .failed,
            reason: known == nil ? "unknown phase \"\(phase.prefix(40))\" in the store (written by another version of flotilla?)" : row["reason"],
            mode: InstanceMode(rawValue: row["mode"]) ?? .shadow, capitalPct: row["capital_pct"], venueJSON: row["venue_json"],
            candlesSeen: row["candles_seen"], heartbeatAt: row["heartbeat_at"], metricsJSON: row["metrics_json"], traderJSON: row["trader_json"])
    }
}

extension StoredRollout: FetchableRecord {
    public init(row: Row) {
        self.init(
            // A phase another version wrote: Degraded (needs a person), never a reason not to open.
            bot: row["bot"], candidate: row["candidate"], stable: row["stable"], strategy: row["strategy"],
            phase: RolloutPhase(rawValue: row["phase"]) ?? .degraded,
            stateJSON: row["state_json"], updatedAt: Date(timeIntervalSince1970: Double(row["updated_at"] as Int64) / 1000))
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
        func date(_ ms: Int64?) -> Date? { ms.map { Date(timeIntervalSince1970: Double($0) / 1000) } }
        self.init(
            id: row["id"], role: APIToken.Role(rawValue: row["role"]) ?? .viewer, description: row["description"],
            createdAt: date(row["created_at"]) ?? Date(timeIntervalSince1970: 0), expiresAt: date(row["expires_at"]), revokedAt: date(row["revoked_at"]))
    }
}

extension AuditEntry: FetchableRecord {
    public init(row: Row) {
        self.init(id: row["id"], time: Date(timeIntervalSince1970: Double(row["time"] as Int64) / 1000), principal: row["principal"],
                  method: row["method"], path: row["path"], status: row["status"], result: row["result"])
    }
}

extension StoredPlan: FetchableRecord {
    public init(row: Row) {
        func date(_ ms: Int64?) -> Date? { ms.map { Date(timeIntervalSince1970: Double($0) / 1000) } }
        let edits = (row["edits_json"] as String?).flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
        self.init(
            id: row["id"], createdAt: date(row["created_at"]) ?? Date(timeIntervalSince1970: 0), principal: row["principal"],
            source: StoredPlan.Source(rawValue: row["source"]) ?? .posted, planJSON: row["plan_json"], edits: edits,
            appliedAt: date(row["applied_at"]), appliedSerial: row["applied_serial"])
    }
}
