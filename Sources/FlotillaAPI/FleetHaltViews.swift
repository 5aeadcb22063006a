import FlotillaSpec
import Foundation

/// A bot held by a fleet halt, as `get bots`, `status`, `GET /api/v1/bots` and the dashboard
/// show it: the strictest mode of the halts that cover it and why.
public struct BotHalt: Codable, Sendable, Equatable {
    /// `halt` (no order of any kind) or `reduce-only` (exits only).
    public var mode: FleetHaltMode
    /// Each covering halt's reason, joined with "; ".
    public var reason: String
    /// When the earliest covering halt began.
    public var since: Date

    public init(mode: FleetHaltMode, reason: String, since: Date) {
        self.mode = mode
        self.reason = reason
        self.since = since
    }

    /// `halted (reduce-only): market crash` — what a STATUS column says.
    public var text: String { "halted\(mode == .reduceOnly ? " (reduce-only)" : ""): \(reason)" }
}

/// One halt in force, as `flotilla halt`, `resume-all` and their API routes list it.
public struct FleetHaltView: Codable, Sendable, Equatable {
    /// `person` (flotilla halt) or `loss-limit`.
    public var cause: String
    public var mode: FleetHaltMode
    /// The labels it covers (a person's halt; empty: every bot).
    public var selector: [String: String]
    /// The account it covers (a loss limit's halt).
    public var account: String?
    public var reason: String
    public var requestedBy: String
    public var since: Date
    /// A loss limit's halt: `resume-all` lifts it from this moment on (the period's end).
    public var holdsUntil: Date?
    /// The bots it covers now.
    public var bots: [String]

    public init(cause: String, mode: FleetHaltMode, selector: [String: String], account: String?, reason: String, requestedBy: String, since: Date,
                holdsUntil: Date?, bots: [String]) {
        self.cause = cause
        self.mode = mode
        self.selector = selector
        self.account = account
        self.reason = reason
        self.requestedBy = requestedBy
        self.since = since
        self.holdsUntil = holdsUntil
        self.bots = bots
    }
}

/// What `flotilla halt` / `resume-all` (and `POST /api/v1/halt` / `resume-all`) did.
public struct FleetHaltResult: Codable, Sendable, Equatable {
    /// `halt` or `resume-all`.
    public var action: String
    /// The halts in force afterwards.
    public var halts: [FleetHaltView]
    /// The bots halted afterwards (by any halt).
    public var halted: [String]
    /// What a person reads: what changed, what still holds and why.
    public var message: String

    public init(action: String, halts: [FleetHaltView], halted: [String], message: String) {
        self.action = action
        self.halts = halts
        self.halted = halted
        self.message = message
    }
}
