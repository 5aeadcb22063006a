import Foundation
import GRDB

/// Revision specs read for many bots at once: recovery restores thousands of instances, and a
/// first reconcile pass looks up every bot's revision — one read each was a transaction per bot.
extension StateStore {
    /// Every stored revision's spec JSON, by bot and number, in one read.
    public func revisionSpecJSON() throws -> [String: [Int: String]] {
        try writer.read { db in
            var out: [String: [Int: String]] = [:]
            let rows = try Row.fetchCursor(db, sql: "SELECT bot, number, spec_json FROM revisions")
            while let row = try rows.next() { out[row[0] as String, default: [:]][row[1] as Int] = row[2] as String }
            return out
        }
    }

    /// The bots whose current revision's stored spec is exactly their desired spec (nothing was
    /// updated in place since): for them the decoded desired spec is the revision's.
    public func botsAtTheirRevisionSpec() throws -> Set<String> {
        try writer.read { db in
            Set(try String.fetchAll(db, sql: """
                SELECT b.name FROM bots b JOIN revisions r ON r.bot = b.name AND r.number = b.revision WHERE r.spec_json = b.spec_json
                """))
        }
    }
}
