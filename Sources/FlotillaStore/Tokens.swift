import Crypto
import FlotillaSpec
import Foundation
import GRDB

/// API tokens: only a SHA-256 of each token is stored; the token itself is shown once, at creation.
public struct APIToken: Sendable, Codable, Equatable {
    public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
        case viewer, `operator`, admin

        var rank: Int { Role.allCases.firstIndex(of: self)! }
        public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
    }

    public var id: String
    public var role: Role
    public var description: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?

    public func isValid(at now: Date) -> Bool { revokedAt == nil && (expiresAt.map { now < $0 } ?? true) }

    /// How long a token may live: from one minute to ten years. `0s`, a negative or an absurd
    /// expiry is a mistake, not a token (the CLI and the API both ask this).
    public static let lifetimes: ClosedRange<TimeInterval> = 60...(3650 * 86_400)

    /// The expiry a duration such as `30d` gives from `now`, or why it is refused.
    public static func expiry(parsing text: String, from now: Date = Date()) -> Result<Date, LifetimeProblem> {
        guard let span = TimeSpan(parsing: text) else { return .failure(.notADuration(text)) }
        guard lifetimes.contains(span.seconds) else { return .failure(.outOfRange(text)) }
        return .success(now.addingTimeInterval(span.seconds))
    }

    public enum LifetimeProblem: Error, CustomStringConvertible, Equatable {
        case notADuration(String)
        case outOfRange(String)
        case inThePast

        public var description: String {
            switch self {
            case .notADuration(let text): "expires \"\(text.prefix(20))\": write a duration such as 12h or 30d"
            case .outOfRange(let text): "expires \"\(text.prefix(20))\": a token lives from 1m to 3650d"
            case .inThePast: "a token's expiry must be in the future"
            }
        }
    }
}

public struct AuditEntry: Sendable, Codable, Equatable {
    public var id: Int64
    public var time: Date
    public var principal: String
    public var method: String
    public var path: String
    public var status: Int
    public var result: String
}

extension StateStore {
    static func hashToken(_ token: String) -> String {
        // Hex by table: String(format:) per byte cost more than the hash itself on every request.
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in SHA256.hash(data: Data(token.utf8)) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Creates a token; returns it (shown once) with its record.
    public func createToken(role: APIToken.Role, description: String = "", expiresAt: Date? = nil) throws -> (secret: String, token: APIToken) {
        var bytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        let secret = "flt_" + bytes.map { String(format: "%02x", $0) }.joined()
        let id = String(Self.hashToken(secret).prefix(12))
        let now = Date()
        if let expiresAt, expiresAt <= now { throw APIToken.LifetimeProblem.inThePast }
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO tokens (id, role, hash, description, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [id, role.rawValue, Self.hashToken(secret), description, Int64(now.timeIntervalSince1970 * 1000),
                            expiresAt.map { Int64($0.timeIntervalSince1970 * 1000) }])
        }
        return (secret, APIToken(id: id, role: role, description: description, createdAt: now, expiresAt: expiresAt, revokedAt: nil))
    }

    public func tokens() throws -> [APIToken] {
        try writer.read { db in try APIToken.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY created_at") }
    }

    /// The token a secret belongs to, valid or not (see `TokenTable.token(forSecret:)`).
    public func token(forSecret secret: String) throws -> APIToken? {
        try tokenTable().token(forSecret: secret)
    }

    /// Every token with its hash, for lookups without a query per request.
    public func tokenTable() throws -> TokenTable {
        try writer.read { db in
            TokenTable(entries: try Row.fetchAll(db, sql: "SELECT * FROM tokens").map { (Array($0.value("hash", or: "").utf8), APIToken(row: $0)) })
        }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    public func hasTokens() throws -> Bool {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tokens WHERE revoked_at IS NULL") ?? 0 } > 0
    }

    /// Whether an admin token that works now (not revoked, not expired) exists.
    public func hasActiveAdminToken(at now: Date = Date()) throws -> Bool {
        try tokens().contains { $0.role == .admin && $0.isValid(at: now) }
    }

    @discardableResult
    public func revokeToken(id: String) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [Self.now(), id])
            return db.changesCount > 0
        }
    }

    /// Writes one audit row, bounded: the path is kept to its first 200 characters, the principal
    /// and result to theirs; every 100th row prunes the log to its newest `keep` rows and to
    /// `keepDays` days, so neither a long path nor many calls grow the store without end.
    public func recordAudit(principal: String, method: String, path: String, status: Int, result: String,
                            keep: Int = AuditRetention.rows, keepDays: Int = AuditRetention.days) throws {
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO audit (time, principal, method, path, status, result) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [Self.now(), AuditRetention.bounded(principal, 100), AuditRetention.bounded(method, 16),
                            AuditRetention.bounded(path, AuditRetention.pathCharacters), status, AuditRetention.bounded(result, 300)])
            let id = db.lastInsertedRowID
            guard id % AuditRetention.pruneEvery == 0 || keep < AuditRetention.pruneEvery else { return }
            try db.execute(sql: "DELETE FROM audit WHERE id <= ?", arguments: [id - Int64(keep)])
            try db.execute(sql: "DELETE FROM audit WHERE time < ?", arguments: [Self.now() - Int64(keepDays) * 86_400_000])
        }
    }

    /// The database's logical size (pages in use × page size, the write-ahead log included).
    public func storedBytes() throws -> Int {
        try writer.read { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let free = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            return (pages - free) * (try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096)
        }
    }

    public func auditCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit") ?? 0 }
    }

    public func audit(limit: Int = 100) throws -> [AuditEntry] {
        try writer.read { db in
            try AuditEntry.fetchAll(db, sql: "SELECT * FROM audit ORDER BY id DESC LIMIT ?", arguments: [limit]).reversed()
        }
    }
}

/// What the audit log keeps: rows bounded in size, the newest 10,000 for at most 30 days.
public enum AuditRetention {
    public static let rows = 10_000
    public static let days = 30
    public static let pathCharacters = 200
    static let pruneEvery: Int64 = 100

    static func bounded(_ text: String, _ characters: Int) -> String {
        text.count <= characters ? text : String(text.prefix(characters - 1)) + "…"
    }
}

/// The tokens as read at one moment: lookups compare the secret's hash with every stored hash in
/// constant time, and all of them, so timing says nothing about how close a guess was.
public struct TokenTable: Sendable {
    let entries: [(hash: [UInt8], token: APIToken)]

    public func token(forSecret secret: String) -> APIToken? {
        let hash = Array(StateStore.hashToken(secret).utf8)
        var found: APIToken?
        for entry in entries where StateStore.constantTimeEqual(entry.hash, hash) { found = entry.token }
        return found
    }
}
