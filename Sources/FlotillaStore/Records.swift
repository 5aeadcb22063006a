import Foundation
import GRDB

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

/// One row of `instances`: a running copy of one revision (written by the lifecycle engine).
struct InstanceRecord: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "instances"
    var id: String
    var bot: String
    var revision: Int
    var symbol: String
    var phase: String
    var reason: String?
    var updatedAt: Int64

    enum CodingKeys: String, CodingKey {
        case id, bot, revision, symbol, phase, reason, updatedAt = "updated_at"
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
