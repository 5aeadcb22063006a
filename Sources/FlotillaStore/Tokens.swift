import Crypto
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
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO tokens (id, role, hash, description, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [id, role.rawValue, Self.hashToken(secret), description, Int64(now.timeIntervalSince1970 * 1000),
                            expiresAt.map { Int64($0.timeIntervalSince1970 * 1000) }])
        }
        return (secret, APIToken(id: id, role: role, description: description, createdAt: now, expiresAt: expiresAt, revokedAt: nil))
    }

    public func tokens() throws -> [APIToken] {
        try writer.read { db in try Row.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY created_at").map(Self.token) }
    }

    static func token(_ row: Row) -> APIToken {
        func date(_ ms: Int64?) -> Date? { ms.map { Date(timeIntervalSince1970: Double($0) / 1000) } }
        return APIToken(
            id: row["id"], role: APIToken.Role(rawValue: row["role"]) ?? .viewer, description: row["description"],
            createdAt: date(row["created_at"])!, expiresAt: date(row["expires_at"]), revokedAt: date(row["revoked_at"]))
    }

    /// The token a secret belongs to, valid or not (see `TokenTable.token(forSecret:)`).
    public func token(forSecret secret: String) throws -> APIToken? {
        try tokenTable().token(forSecret: secret)
    }

    /// Every token with its hash, for lookups without a query per request.
    public func tokenTable() throws -> TokenTable {
        try writer.read { db in
            TokenTable(entries: try Row.fetchAll(db, sql: "SELECT * FROM tokens").map { (Array(($0["hash"] as String).utf8), Self.token($0)) })
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

    @discardableResult
    public func revokeToken(id: String) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", arguments: [Self.now(), id])
            return db.changesCount > 0
        }
    }

    public func recordAudit(principal: String, method: String, path: String, status: Int, result: String) throws {
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO audit (time, principal, method, path, status, result) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [Self.now(), principal, method, path, status, result])
        }
    }

    public func audit(limit: Int = 100) throws -> [AuditEntry] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit ORDER BY id DESC LIMIT ?", arguments: [limit]).reversed().map {
                AuditEntry(id: $0["id"], time: Date(timeIntervalSince1970: Double($0["time"] as Int64) / 1000), principal: $0["principal"],
                           method: $0["method"], path: $0["path"], status: $0["status"], result: $0["result"])
            }
        }
    }
}

/// The tokens as read at one moment: lookups compare the secret's hash with every stored hash in
/// constant time, and all of them, so timing says nothing about how close a guess was.
public struct TokenTable: Sendable {
    let entries: [(hash: [UInt8], token: APIToken)]

    /// Whether any token is not revoked (an API with none is open, on loopback only).
    public var hasActive: Bool { entries.contains { $0.token.revokedAt == nil } }

    public func token(forSecret secret: String) -> APIToken? {
        let hash = Array(StateStore.hashToken(secret).utf8)
        var found: APIToken?
        for entry in entries where StateStore.constantTimeEqual(entry.hash, hash) { found = entry.token }
        return found
    }
}
