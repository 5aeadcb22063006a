import FlotillaSpec
import FlotillaStore
import Foundation

/// `flotilla halt [--reduce-only] [-l selector] [--reason TEXT]`: what a person asks.
public struct FleetHaltRequest: Sendable, Equatable {
    public var mode: FleetHaltMode
    public var selector: [String: String]
    public var reason: String?

    public init(mode: FleetHaltMode, selector: [String: String] = [:], reason: String? = nil) {
        self.mode = mode
        self.selector = selector
        self.reason = reason
    }
}

/// Which bots the halts cover, and how: pure, over the stored halts. Where several halts cover a
/// bot, the strictest mode holds (`halt` over `reduce-only`) and every reason is shown.
public struct FleetHaltCoverage: Sendable, Equatable {
    public var halts: [StoredHalt]

    public init(_ halts: [StoredHalt]) { self.halts = halts }

    public func halt(labels: [String: String], account: String) -> BotHalt? {
        let covering = halts.filter { $0.covers(labels: labels, account: account) }
        guard let mode = covering.map(\.mode).max(), let since = covering.map(\.since).min() else { return nil }
        return BotHalt(mode: mode, reason: covering.map(\.reason).joined(separator: "; "), since: since)
    }

    public func halt(for spec: ResolvedBot) -> BotHalt? { halt(labels: spec.labels, account: spec.venue.account) }

    public var isEmpty: Bool { halts.isEmpty }
}

/// The fleet kill switch, the one way through for the CLI (here, or through the API with
/// `--server`), the API and tests. A halt is a row in the store (`v12-fleet-halt`) with its event
/// (`FleetHalted` / `FleetResumed`, which the alerts send as "kill switch"); the reconciler of a
/// `flotilla up` on the store carries it out on its next pass — and on every start, before any
/// instance trades, so a halted fleet stays halted across restarts and kills.
public struct FleetHaltControls: Sendable {
    public let store: StateStore
    /// Who asks: a token's name through the API, `cli` on this machine.
    public let requestedBy: String

    public init(store: StateStore, requestedBy: String) {
        self.store = store
        self.requestedBy = requestedBy
    }

    /// Halts the bots the selector matches (every bot without one) — also bots applied later that
    /// match it. A second halt with the same selector changes its mode and reason.
    public func halt(_ request: FleetHaltRequest, now: Date = Date()) throws -> FleetHaltResult {
        try Self.check(request.selector)
        let reason = try Self.reason(request.reason, default: "halted by \(requestedBy)")
        let halt = StoredHalt(cause: .person, mode: request.mode, selector: request.selector, reason: reason, requestedBy: requestedBy, since: now)
        let before = try store.fleetHalts().halts.first { $0.key == halt.key }
        let bots = try desired()
        let covered = bots.filter { halt.covers(labels: $0.labels, account: $0.venue.account) }.map(\.name)
        let scope = request.selector.isEmpty ? "every bot" : "bots with \(StoredHalt.selectorText(request.selector))"
        let what = request.mode == .halt ? "halt (no orders of any kind; a stop-loss does not fire)" : "reduce-only halt (exits only)"
        let change = before.map { $0.mode == request.mode && $0.reason == reason ? " (already in force; unchanged)" : " (was \($0.mode.rawValue): \($0.reason))" } ?? ""
        try store.recordHalt(halt, event: (kind: "FleetHalted",
                                           message: "\(what) of \(scope) — \(covered.count) bot(s) now — by \(requestedBy): \(reason)\(change)"))
        var message = "\(what) of \(scope): \(covered.count) bot(s) now\(change); working entry orders are cancelled on the next reconcile pass"
        if request.mode == .halt { message += "\nunder a plain halt no stop-loss fires: --reduce-only is the safer choice in a market emergency" }
        return try result(action: "halt", message: message, bots: bots)
    }

    /// Lifts the person's halt with exactly this selector, or, without one, every person's halt and
    /// every loss limit's halt whose period has ended. A loss limit's halt never lifts by itself.
    public func resumeAll(selector: [String: String] = [:], now: Date = Date()) throws -> FleetHaltResult {
        try Self.check(selector)
        let stored = try store.fleetHalts()
        let bots = try desired()
        var lifted: [String] = []
        var notes: [String] = []
        if selector.isEmpty {
            for scope in try store.haltScopes() {
                guard let halt = stored.halts.first(where: { $0.key == scope }) else {
                    lifted.append(scope)  // a row that does not read: lifted by a person's resume-all
                    continue
                }
                if halt.cause == .lossLimit, let until = halt.holdsUntil, until > now {
                    notes.append("account \(halt.account ?? "?"): \(halt.reason) — holds until \(Self.format(until)); resume-all lifts it from then on")
                    continue
                }
                lifted.append(scope)
            }
        } else {
            let key = StoredHalt(cause: .person, mode: .halt, selector: selector, reason: "", requestedBy: "", since: now).key
            guard stored.halts.contains(where: { $0.key == key }) else {
                let inForce = stored.halts.filter { $0.cause == .person }.map { $0.selector.isEmpty ? "every bot" : StoredHalt.selectorText($0.selector) }
                throw OperationProblem(.notFound, "no_halt",
                    "no halt with selector \(StoredHalt.selectorText(selector)); "
                    + (inForce.isEmpty ? "no person's halt is in force" : "halts in force: \(inForce.joined(separator: "; ")) (resume-all with the same -l lifts one, without -l all)"))
            }
            lifted.append(key)
        }
        let removed = try store.liftHalts(scopes: lifted, event: (kind: "FleetResumed",
            message: "resume-all\(selector.isEmpty ? "" : " -l \(StoredHalt.selectorText(selector))") by \(requestedBy): \(lifted.count) halt(s) lifted (\(lifted.joined(separator: ", ")))"))
        var message = removed == 0 ? "no halt lifted" : "\(removed) halt(s) lifted; the bots trade again on the next reconcile pass"
        if !notes.isEmpty { message += "\nstill halted: " + notes.joined(separator: "\n  ") }
        return try result(action: "resume-all", message: message, bots: bots)
    }

    /// The halts in force and the bots they cover.
    public func status() throws -> FleetHaltResult {
        try result(action: "status", message: "", bots: try desired())
    }

    private func result(action: String, message: String, bots: [ResolvedBot]) throws -> FleetHaltResult {
        let stored = try store.fleetHalts()
        let views = stored.halts.map { h in
            FleetHaltView(cause: h.cause.rawValue, mode: h.mode, selector: h.selector, account: h.account, reason: h.reason, requestedBy: h.requestedBy,
                          since: h.since, holdsUntil: h.holdsUntil, bots: bots.filter { h.covers(labels: $0.labels, account: $0.venue.account) }.map(\.name))
        }
        let coverage = FleetHaltCoverage(stored.halts)
        let halted = bots.filter { coverage.halt(for: $0) != nil }.map(\.name)
        let problems = stored.problems.isEmpty ? "" : "\n" + stored.problems.joined(separator: "\n")
        return FleetHaltResult(action: action, halts: views, halted: halted, message: message + problems)
    }

    private func desired() throws -> [ResolvedBot] { try store.desiredState().bots.compactMap(\.spec) }

    static func check(_ selector: [String: String]) throws {
        guard selector.count <= 20 else { throw OperationProblem(.invalid, "bad_selector", "a selector has at most 20 labels") }
        for (key, value) in selector {
            let keyOK = !key.isEmpty && key.count <= 63 && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._/-".contains($0)) }
            let valueOK = value.count <= 63 && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
            guard keyOK, valueOK else {
                throw OperationProblem(.invalid, "bad_selector", "selector \"\(String(Printable.escaping(key).prefix(40)))=\(String(Printable.escaping(value).prefix(40)))\": a label is key=value of letters, digits, . _ - (and / in the key), at most 63 each")
            }
        }
    }

    static func reason(_ text: String?, default fallback: String) throws -> String {
        guard let text = text?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return fallback }
        guard text.count <= 500 else { throw OperationProblem(.invalid, "bad_reason", "--reason is at most 500 characters (was \(text.count))") }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw OperationProblem(.invalid, "bad_reason", "--reason: write one line of text, without control characters")
        }
        return text
    }

    static func format(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        return f.string(from: date)
    }
}
