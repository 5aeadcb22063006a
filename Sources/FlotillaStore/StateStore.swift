import FlotillaSpec
import Foundation
import GRDB

/// Flotilla's state: applied bots (the desired state), their revisions, instances (the actual state,
/// written by the lifecycle engine), the state serial, the apply lock and the event log.
///
/// One SQLite file through GRDB (`.flotilla/state.db` by default). Every method is one transaction.
public final class StateStore: Sendable {
    let writer: any DatabaseWriter

    /// Opens (creating if needed) the store at `path` and runs pending migrations.
    ///
    /// The store holds positions, orders and token hashes, so it is private to its owner: its
    /// directory is created (one level, never a chain of mistyped ones) with mode 0700 and the
    /// database with 0600 (SQLite gives its -wal and -shm files the database's mode). Opening and
    /// migrating run under an exclusive lock on the directory, so processes starting on a fresh
    /// store at the same moment migrate it once.
    public convenience init(path: String) throws(StoreError) {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        do {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw StoreError.unavailable(path: path, reason: "it is a directory; --state names the database file, e.g. .flotilla/state.db")
            }
            if !FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
                let parent = directory.deletingLastPathComponent()
                guard FileManager.default.fileExists(atPath: parent.path) else {
                    throw StoreError.unavailable(path: path, reason: "the directory \(parent.path) does not exist (a mistyped --dir or --state?)")
                }
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            } else if !isDirectory.boolValue {
                throw StoreError.unavailable(path: path, reason: "\(directory.path) is not a directory")
            }
            let pool = try StoreFiles.exclusively(in: directory) {
                StoreFiles.createPrivately(path)
                var configuration = Configuration()
                configuration.busyMode = .timeout(10)
                let pool = try DatabasePool(path: path, configuration: configuration)
                try Self.migrate(pool, path: path)
                return pool
            }
            try self.init(migrated: pool)
        } catch let error as StoreError {
            throw error
        } catch {
            throw .unavailable(path: path, reason: "\(error)")
        }
    }

    /// A private in-memory store, for tests and benchmarks.
    public static func inMemory() throws(StoreError) -> StateStore {
        do {
            return try StateStore(writer: DatabaseQueue())
        } catch let error as StoreError {
            throw error
        } catch {
            throw .unavailable(path: ":memory:", reason: "\(error)")
        }
    }

    init(writer: any DatabaseWriter) throws(StoreError) {
        try Self.migrate(writer, path: writer.path)
        self.writer = writer
    }

    private init(migrated writer: any DatabaseWriter) throws(StoreError) {
        self.writer = writer
    }

    private static func migrate(_ writer: any DatabaseWriter, path: String) throws(StoreError) {
        do {
            try Migrations.migrator.migrate(writer)
        } catch {
            throw .unavailable(path: path, reason: "migration failed: \(error)")
        }
    }

    /// Whether every migration this build knows has been applied.
    public func migrationsComplete() throws -> Bool {
        try writer.read { db in try Migrations.migrator.hasCompletedMigrations(db) }
    }

    /// Names of the migrations applied, in order.
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try Migrations.migrator.appliedMigrations(db) }
    }

    // MARK: Reading

    /// The state serial: increases by one with every apply.
    public func stateSerial() throws -> Int {
        try writer.read { db in try Self.serial(db) }
    }

    static func serial(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT serial FROM state_meta WHERE id = 1") ?? 0
    }

    /// The applied bots with the serial they were read at, in one consistent read.
    ///
    /// A stored spec is decoded only when `decode(name, specHash)` says so: a no-change plan
    /// compares hashes and never pays for decoding.
    public func desiredState(decode: (String, String) -> Bool = { _, _ in true }) throws -> (serial: Int, bots: [AppliedBot]) {
        try writer.read { db in
            let serial = try Self.serial(db)
            var bots: [AppliedBot] = []
            let rows = try Row.fetchCursor(db, sql: "SELECT name, spec_hash, revision, revision_hash, file, spec_json FROM bots ORDER BY name")
            let decoder = JSONDecoder()
            while let row = try rows.next() {
                let name: String = row[0]
                let specHash: String = row[1]
                var spec: ResolvedBot?
                if decode(name, specHash) {
                    let json: String = row[5]
                    spec = try decoder.decode(ResolvedBot.self, from: Data(json.utf8))
                }
                bots.append(AppliedBot(name: name, specHash: specHash, revision: row[2], revisionHash: row[3], file: row[4], spec: spec))
            }
            return (serial, bots)
        }
    }

    /// One applied bot, decoded.
    public func desiredBot(named name: String) throws -> AppliedBot? {
        try writer.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT name, spec_hash, revision, revision_hash, file, spec_json FROM bots WHERE name = ?", arguments: [name])
            else { return nil }
            let spec = try JSONDecoder().decode(ResolvedBot.self, from: Data((row[5] as String).utf8))
            return AppliedBot(name: row[0], specHash: row[1], revision: row[2], revisionHash: row[3], file: row[4], spec: spec)
        }
    }

    public func revisions(of bot: String) throws -> [Revision] {
        try writer.read { db in
            try RevisionRecord.filter(Column("bot") == bot).order(Column("number").desc).fetchAll(db).map(Revision.init)
        }
    }

    public func events(bot: String? = nil, limit: Int = 100) throws -> [StoreEvent] {
        try writer.read { db in
            var request = EventRecord.order(Column("id").desc).limit(limit)
            if let bot { request = request.filter(Column("bot") == bot) }
            return try request.fetchAll(db).reversed().map(StoreEvent.init)
        }
    }

    // MARK: Writing

    /// Records a plan's changes in one transaction: new revisions, the desired state, one event per
    /// bot, and the next state serial. Refused when the serial is no longer `expectedSerial` or
    /// `lock` is not the current apply lock.
    public func apply(_ changes: [StateChange], expectedSerial: Int, lock: ApplyLock) throws -> ApplyResult {
        // Encoded before the transaction, across the cores: a first apply of ten thousand bots
        // encodes ten thousand specs.
        let encoded: [Result<String, any Error>] = changes.concurrentMap { change in
            let spec: ResolvedBot
            switch change {
            case .create(let s), .replace(let s), .update(let s): spec = s
            case .delete: return .success("")
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            return Result { String(decoding: try encoder.encode(spec), as: UTF8.self) }
        }
        let now = Self.now()
        return try writer.write { db in
            guard let held = try ApplyLockRecord.fetchOne(db, key: 1), held.holder == lock.holder else {
                throw StoreError.lockLost(holder: lock.holder)
            }
            let serial = try Self.serial(db)
            guard serial == expectedSerial else { throw StoreError.stale(expected: expectedSerial, actual: serial) }
            var revisions: [String: Int] = [:]
            for (change, encodedJSON) in zip(changes, encoded) {
                switch change {
                case .create(let spec), .replace(let spec):
                    let json = try encodedJSON.get()
                    let last = try Int.fetchOne(db.cachedStatement(sql: "SELECT MAX(number) FROM revisions WHERE bot = ?"), arguments: [spec.name]) ?? 0
                    let number = last + 1
                    let revisionHash = spec.revisionHash
                    // Statements prepared once for the whole apply (a first apply writes ten
                    // thousand bots), each row one INSERT — the bot's an upsert, never a delete
                    // and insert (its rollout and controls hang off it).
                    try db.cachedStatement(sql: "INSERT INTO revisions (bot, number, hash, spec_json, created_at) VALUES (?, ?, ?, ?, ?)")
                        .execute(arguments: [spec.name, number, revisionHash, json, now])
                    try db.cachedStatement(sql: """
                        INSERT INTO bots (name, spec_json, spec_hash, revision, revision_hash, file, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (name) DO UPDATE SET spec_json = excluded.spec_json, spec_hash = excluded.spec_hash, revision = excluded.revision,
                            revision_hash = excluded.revision_hash, file = excluded.file, updated_at = excluded.updated_at
                        """).execute(arguments: [spec.name, json, spec.specHash, number, revisionHash, spec.file, now])
                    // The bot's first revision has none to prune.
                    if last > 0 { try Self.pruneRevisions(db, bot: spec.name, keep: spec.deploy.revisionHistoryLimit, current: number) }
                    revisions[spec.name] = number
                    let isCreate: Bool = { if case .create = change { return true } else { return false } }()
                    try Self.insertEvent(
                        db, time: now, bot: spec.name, kind: isCreate ? "BotCreated" : "RevisionCreated", revision: number,
                        message: isCreate
                            ? "created with revision \(number) (\(revisionHash.prefix(12)))"
                            : "new revision \(number) (\(revisionHash.prefix(12))) to roll out with \(spec.deploy.strategy.name.rawValue)")
                case .update(let spec):
                    guard var record = try BotRecord.fetchOne(db, key: spec.name) else {
                        throw StoreError.missingBot(spec.name)
                    }
                    record.specJSON = try encodedJSON.get()
                    record.specHash = spec.specHash
                    record.file = spec.file
                    record.updatedAt = now
                    try record.update(db)
                    revisions[spec.name] = record.revision
                    var event = EventRecord(
                        time: now, bot: spec.name, kind: "BotUpdated", revision: record.revision,
                        message: "updated in place at revision \(record.revision)", details: nil)
                    try event.insert(db)
                case .delete(let name):
                    try BotRecord.deleteOne(db, key: name)
                    // Nothing of a deleted bot runs on: its rollout (and the actions it had
                    // pending), its unconsumed commands and its run control go; its instances are
                    // marked stopped (their accounts, fills and positions stay recorded).
                    try db.execute(sql: "DELETE FROM rollouts WHERE bot = ?", arguments: [name])
                    try db.execute(sql: "DELETE FROM rollout_commands WHERE bot = ? AND consumed_at IS NULL", arguments: [name])
                    try db.execute(sql: "DELETE FROM bot_controls WHERE bot = ?", arguments: [name])
                    try db.execute(
                        sql: "UPDATE instances SET phase = 'stopped', reason = 'bot deleted', updated_at = ? WHERE bot = ? AND phase <> 'stopped'",
                        arguments: [now, name])
                    var event = EventRecord(time: now, bot: name, kind: "BotDeleted", revision: nil, message: "deleted from the state", details: nil)
                    try event.insert(db)
                }
            }
            let next = serial + 1
            try db.execute(sql: "UPDATE state_meta SET serial = ? WHERE id = 1", arguments: [next])
            // What `flotilla status` shows as the files' last sync, whoever applied.
            var applied = EventRecord(time: now, bot: nil, kind: "Applied", revision: nil,
                                      message: "state serial \(next): \(changes.count) change\(changes.count == 1 ? "" : "s")", details: nil)
            try applied.insert(db)
            return ApplyResult(serial: next, revisions: revisions)
        }
    }

    /// Appends one event through a statement prepared once per connection (an apply or a pass
    /// records thousands).
    static func insertEvent(_ db: Database, time: Int64, bot: String?, kind: String, revision: Int?, message: String, details: String? = nil) throws {
        try db.cachedStatement(sql: "INSERT INTO events (time, bot, kind, revision, message, details) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [time, bot, kind, revision, message, details])
    }

    /// Keeps the newest `keep` revisions besides the current one.
    static func pruneRevisions(_ db: Database, bot: String, keep: Int, current: Int) throws {
        try db.cachedStatement(
            sql: """
                DELETE FROM revisions WHERE bot = ? AND number <> ? AND number NOT IN (
                    SELECT number FROM revisions WHERE bot = ? AND number <> ? ORDER BY number DESC LIMIT ?)
                """
        ).execute(arguments: [bot, current, bot, current, keep])
    }

    /// Appends one event.
    public func recordEvent(bot: String?, kind: String, revision: Int? = nil, message: String, details: String? = nil) throws {
        try writer.write { db in
            // Messages quote names from specs: kept printable and bounded, whoever reads them.
            var event = EventRecord(time: Self.now(), bot: bot, kind: kind, revision: revision,
                                    message: String(Printable.escaping(message).prefix(2000)), details: details)
            try event.insert(db)
        }
    }

    static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}

public enum StoreError: Error, Sendable, CustomStringConvertible, Equatable {
    case unavailable(path: String, reason: String)
    case stale(expected: Int, actual: Int)
    case locked(by: LockHolder, waited: Double)
    case lockLost(holder: String)
    case missingBot(String)

    public var description: String {
        switch self {
        case .unavailable(let path, let reason):
            return "cannot open the state store at \(path): \(reason)"
        case .stale(let expected, let actual):
            return "the state moved since the plan was made (state serial \(expected) → \(actual)); run flotilla plan again"
        case .locked(let holder, let waited):
            return "the state is locked by \(holder) — waited \(String(format: "%.1f", waited)) s; try again when it finishes, or raise --lock-timeout"
        case .lockLost(let holder):
            return "the apply lock held as \(holder) was lost; nothing was applied"
        case .missingBot(let name):
            return "bot \(name) is not in the state store; run flotilla plan again"
        }
    }
}
