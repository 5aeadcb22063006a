import FlotillaSpec
import Foundation
import GRDB

/// One fleet halt as stored: who or what halted which bots, how, why and since when.
///
/// A person's halt (`flotilla halt [-l selector]`) covers the bots whose labels match its
/// selector (every bot when it has none) and is keyed by that selector: a second halt with the
/// same selector changes its mode and reason, one with another selector adds to it (halting team
/// b never releases team a). A loss limit's halt covers every bot on its account and holds at
/// least until `holdsUntil`, the end of the period whose limit was reached.
public struct StoredHalt: Sendable, Equatable, Codable {
    public enum Cause: String, Sendable, Codable, Equatable {
        case person
        case lossLimit = "loss-limit"
    }

    public var cause: Cause
    public var mode: FleetHaltMode
    /// The labels a bot must carry to be covered (a person's halt); empty: every bot.
    public var selector: [String: String]
    /// The account whose bots are covered (a loss limit's halt).
    public var account: String?
    public var reason: String
    /// Who asked: a token's name through the API, `cli` on this machine, `loss-limit`.
    public var requestedBy: String
    public var since: Date
    /// A loss limit's halt: the end of the period it was reached in; `resume-all` lifts it from then on.
    public var holdsUntil: Date?

    public init(cause: Cause, mode: FleetHaltMode, selector: [String: String] = [:], account: String? = nil, reason: String,
                requestedBy: String, since: Date, holdsUntil: Date? = nil) {
        self.cause = cause
        self.mode = mode
        self.selector = selector
        self.account = account
        self.reason = reason
        self.requestedBy = requestedBy
        self.since = since
        self.holdsUntil = holdsUntil
    }

    /// The row's key: `selector:team=alpha,tier=1` (sorted; `selector:` alone for every bot), or `account:main`.
    public var key: String {
        switch cause {
        case .person: "selector:" + Self.selectorText(selector)
        case .lossLimit: "account:" + (account ?? "")
        }
    }

    /// `team=alpha,tier=1`, keys sorted; empty for no selector.
    public static func selectorText(_ selector: [String: String]) -> String {
        selector.keys.sorted().map { "\($0)=\(selector[$0]!)" }.joined(separator: ",")
    }

    /// Whether the halt covers a bot with these labels on this account.
    public func covers(labels: [String: String], account botAccount: String) -> Bool {
        switch cause {
        case .person: selector.allSatisfy { labels[$0.key] == $0.value }
        case .lossLimit: account == botAccount
        }
    }
}

/// The halts as read: each row, and the rows that could not be read as written. A row that
/// cannot be read still halts — reduce-only, every bot — and says why (`problems`).
public struct StoredHalts: Sendable, Equatable {
    public var halts: [StoredHalt]
    public var problems: [String]

    public init(halts: [StoredHalt] = [], problems: [String] = []) {
        self.halts = halts
        self.problems = problems
    }
}

/// `v12-fleet-halt`: the fleet's halts, one row per scope (a selector, or an account). Mode and
/// selector are kept loose enough to read a newer version's values (as a reduce-only halt of
/// every bot), never loose enough to write nonsense.
enum FleetHaltMigration {
    static func add(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE fleet_halts (
                scope TEXT PRIMARY KEY NOT NULL CHECK (typeof(scope) = 'text' AND length(scope) BETWEEN 1 AND 600),
                cause TEXT NOT NULL CHECK (typeof(cause) = 'text' AND length(cause) BETWEEN 1 AND 40),
                mode TEXT NOT NULL CHECK (typeof(mode) = 'text' AND length(mode) BETWEEN 1 AND 40),
                selector_json TEXT NOT NULL CHECK (typeof(selector_json) = 'text'),
                account TEXT CHECK (account IS NULL OR (typeof(account) = 'text' AND length(account) BETWEEN 1 AND 63)),
                reason TEXT NOT NULL CHECK (typeof(reason) = 'text'),
                requested_by TEXT NOT NULL CHECK (typeof(requested_by) = 'text'),
                since INTEGER NOT NULL CHECK (typeof(since) = 'integer'),
                holds_until INTEGER CHECK (holds_until IS NULL OR typeof(holds_until) = 'integer')
            ) WITHOUT ROWID;
            """)
    }
}

extension StateStore {
    /// Every halt. Never throws for a row it cannot read (an unknown mode or cause, a selector that
    /// is not JSON): that row halts every bot reduce-only, and `problems` says why.
    public func fleetHalts() throws -> StoredHalts {
        try writer.read { db in
            var out = StoredHalts()
            let rows = try Row.fetchAll(db, sql: "SELECT scope, cause, mode, selector_json, account, reason, requested_by, since, holds_until FROM fleet_halts ORDER BY scope")
            for row in rows {
                let scope: String = row[0]
                let since = Date(timeIntervalSince1970: Double(row[7] as Int64) / 1000)
                let holdsUntil = (row[8] as Int64?).map { Date(timeIntervalSince1970: Double($0) / 1000) }
                let reason: String = row[5]
                let mode = FleetHaltMode(rawValue: row[2] as String)
                let cause = StoredHalt.Cause(rawValue: row[1] as String)
                let selector = try? JSONDecoder().decode([String: String].self, from: Data((row[3] as String).utf8))
                guard let mode, let cause, let selector, cause == .person || row[4] as String? != nil else {
                    let shown = String(Printable.escaping(scope).prefix(80))
                    out.problems.append("the halt \"\(shown)\" cannot be read (written by another version of flotilla?): every bot is held reduce-only until flotilla resume-all")
                    out.halts.append(StoredHalt(cause: .person, mode: .reduceOnly, reason: "unreadable halt \"\(shown)\": \(reason.prefix(200))",
                                                requestedBy: row[6], since: since))
                    continue
                }
                out.halts.append(StoredHalt(cause: cause, mode: mode, selector: selector, account: row[4], reason: reason,
                                            requestedBy: row[6], since: since, holdsUntil: holdsUntil))
            }
            return out
        }
    }

    /// Records a halt (replacing the one with the same scope) and its event, in one transaction.
    public func recordHalt(_ halt: StoredHalt, event: (kind: String, message: String)) throws {
        let selector = String(decoding: try JSONEncoder().encode(halt.selector), as: UTF8.self)
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO fleet_halts (scope, cause, mode, selector_json, account, reason, requested_by, since, holds_until)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (scope) DO UPDATE SET cause = excluded.cause, mode = excluded.mode, selector_json = excluded.selector_json,
                        account = excluded.account, reason = excluded.reason, requested_by = excluded.requested_by,
                        since = excluded.since, holds_until = excluded.holds_until
                    """,
                arguments: [halt.key, halt.cause.rawValue, halt.mode.rawValue, selector, halt.account, String(halt.reason.prefix(2000)),
                            String(halt.requestedBy.prefix(200)), Int64((halt.since.timeIntervalSince1970 * 1000).rounded()),
                            halt.holdsUntil.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }])
            var record = EventRecord(time: Self.now(), bot: nil, kind: event.kind, revision: nil,
                                     message: String(Printable.escaping(event.message).prefix(2000)), details: nil)
            try record.insert(db)
        }
    }

    /// Removes the halts with these scopes (`StoredHalt.key`) and records the event, in one
    /// transaction; returns how many were removed (no event when none).
    @discardableResult
    public func liftHalts(scopes: [String], event: (kind: String, message: String)) throws -> Int {
        guard !scopes.isEmpty else { return 0 }
        return try writer.write { db in
            var removed = 0
            for scope in scopes {
                try db.execute(sql: "DELETE FROM fleet_halts WHERE scope = ?", arguments: [scope])
                removed += db.changesCount
            }
            guard removed > 0 else { return 0 }
            var record = EventRecord(time: Self.now(), bot: nil, kind: event.kind, revision: nil,
                                     message: String(Printable.escaping(event.message).prefix(2000)), details: nil)
            try record.insert(db)
            return removed
        }
    }

    /// Every scope in the table, whether or not its row reads (what `resume-all` lifts).
    public func haltScopes() throws -> [String] {
        try writer.read { db in try String.fetchAll(db, sql: "SELECT scope FROM fleet_halts ORDER BY scope") }
    }
}
