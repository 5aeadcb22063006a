import Foundation
import GRDB

/// Where a revision came from in git: the commit `HEAD` named when it was applied, and whether
/// the spec files (`bots.d/`, `profiles/`, `accounts/`) differed from it — modified, staged or
/// untracked — so the commit alone does not reproduce the revision.
public struct RevisionSource: Sendable, Equatable, Codable {
    public var commit: String
    public var dirty: Bool

    public init(commit: String, dirty: Bool) {
        self.commit = commit
        self.dirty = dirty
    }

    /// `3f2a9c1d0b7e` or `3f2a9c1d0b7e (dirty)`: how tables show it.
    public var short: String { String(commit.prefix(12)) + (dirty ? " (dirty)" : "") }

    /// A commit as git prints it: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits.
    public static func isCommit(_ text: String) -> Bool {
        (text.utf8.count == 40 || text.utf8.count == 64) && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

/// `v10-revision-git`: each revision's git commit and dirty flag, both NULL for a revision applied
/// outside a git work tree (and for every revision made before this migration).
enum RevisionGitMigration {
    static func add(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE revisions ADD COLUMN git_commit TEXT
                CHECK (git_commit IS NULL OR (typeof(git_commit) = 'text' AND length(git_commit) IN (40, 64)));
            ALTER TABLE revisions ADD COLUMN git_dirty INTEGER
                CHECK (git_dirty IS NULL OR (git_dirty IN (0, 1) AND git_commit IS NOT NULL));
            """)
    }
}

extension StateStore {
    /// Records `source` on the given revisions (bot → revision number) that have none yet — the
    /// revisions an apply just created. A revision keeps the commit it was created at: an in-place
    /// update later does not move it.
    public func recordSource(_ source: RevisionSource, revisions: [String: Int]) throws {
        guard RevisionSource.isCommit(source.commit), !revisions.isEmpty else { return }
        try writer.write { db in
            let statement = try db.cachedStatement(
                sql: "UPDATE revisions SET git_commit = ?, git_dirty = ? WHERE bot = ? AND number = ? AND git_commit IS NULL")
            for (bot, number) in revisions {
                try statement.execute(arguments: [source.commit, source.dirty ? 1 : 0, bot, number])
            }
        }
    }
}
