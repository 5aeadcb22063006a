import Foundation
import GRDB

/// A plan made through the API, kept until it is applied by id (as Terraform Cloud keeps a run's
/// plan). The store keeps the plan's JSON opaque; FlotillaPlan decodes it.
public struct StoredPlan: Sendable, Equatable {
    public enum Source: String, Sendable, Codable {
        /// The server's project files.
        case project
        /// Files posted with the request.
        case posted
        /// A profile switch: the project files with the bots' `profile:` edited (`edits`).
        case profileSwitch = "profile-switch"
    }

    public var id: String
    public var createdAt: Date
    public var principal: String
    public var source: Source
    public var planJSON: String
    /// Files to write when the plan is applied, by path relative to the project (profile switches).
    public var edits: [String: String]?
    public var appliedAt: Date?
    public var appliedSerial: Int?
}

extension StateStore {
    /// Keeps a plan; returns its id.
    public func savePlan(source: StoredPlan.Source, principal: String, planJSON: String, edits: [String: String]? = nil) throws -> String {
        var bytes = [UInt8](repeating: 0, count: 8)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        let id = "plan-" + bytes.map { String(format: "%02x", $0) }.joined()
        let editsJSON = try edits.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO plans (id, created_at, principal, source, plan_json, edits_json) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [id, Self.now(), principal, source.rawValue, planJSON, editsJSON])
            // Keep the newest 200 plans.
            try db.execute(sql: "DELETE FROM plans WHERE id NOT IN (SELECT id FROM plans ORDER BY created_at DESC LIMIT 200)")
        }
        return id
    }

    public func plan(id: String) throws -> StoredPlan? {
        try writer.read { db in
            try StoredPlan.fetchOne(db, sql: "SELECT * FROM plans WHERE id = ?", arguments: [id])
        }
    }

    /// Marks a plan applied, once: false when it already was.
    public func markPlanApplied(id: String, serial: Int) throws -> Bool {
        try writer.write { db in
            try db.execute(sql: "UPDATE plans SET applied_at = ?, applied_serial = ? WHERE id = ? AND applied_at IS NULL",
                           arguments: [Self.now(), serial, id])
            return db.changesCount == 1
        }
    }
}
