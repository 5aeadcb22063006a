import FlotillaSpec
import FlotillaStore
import Foundation

/// The fleet at a glance (`flotilla status`), the way `flux get all` and `argo rollouts list`
/// summarize: bots by health and by control, the rollouts in progress with their step, how the
/// files stand against the state, and whether the fleet is ready. Built from the same bot views
/// every reader uses; pure.
public struct FleetStatus: Codable, Sendable, Equatable {
    public struct RolloutLine: Codable, Sendable, Equatable {
        public var bot: String
        public var strategy: String
        public var phase: String
        public var revision: Int
        public var step: String
        public var progress: String?
        public var message: String
    }
    public struct Files: Codable, Sendable, Equatable {
        /// The state serial: how many applies the state has seen (nil through a server: its last
        /// Applied event says it).
        public var stateSerial: Int?
        /// When the state last changed by an apply, and what it said.
        public var lastApplied: Date?
        public var lastAppliedMessage: String?
        /// Bots whose files say something the state does not (yet): `flotilla plan` shows it.
        public var changed: [String]
        /// In the files, never applied.
        public var notApplied: [String]
        /// In the state, gone from the files: still trading until `apply --prune`.
        public var orphans: [String]
        /// Why the files do not validate (an edit waiting that changes nothing until fixed).
        public var invalid: String?
        /// When the last `--git-pull` failed (and still fails): when and why.
        public var gitPull: String? = nil
    }
    public struct Degraded: Codable, Sendable, Equatable {
        public var bot: String
        public var reason: String
    }

    public var bots: Int
    /// Bot count by health (healthy, degraded, unhealthy, dead, -).
    public var health: [String: Int]
    /// Bot count by control (running, paused, stopped).
    public var controls: [String: Int]
    public var rollouts: [RolloutLine]
    public var degraded: [Degraded]
    /// Bots held by a fleet halt (`flotilla halt`, a loss limit), with the mode and why.
    public var halted: [Degraded] = []
    public var files: Files
    /// `ready`, `not ready: …`, or what is known without a server (`no flotilla up seen …`).
    public var readiness: String

    public static func summarize(_ views: [BotView], stateSerial: Int?, lastApplied: StoreEvent?, invalid: String?, readiness: String,
                                 lastPull: StoreEvent? = nil) -> FleetStatus {
        let applied = views.filter { $0.sync != .notApplied }
        var health: [String: Int] = [:], controls: [String: Int] = [:]
        for v in applied {
            health[(v.degraded != nil ? .degraded : v.health).rawValue, default: 0] += 1
            controls[v.control.rawValue, default: 0] += 1
        }
        let rollouts = applied.compactMap { v -> RolloutLine? in
            guard let r = v.rollout, ![RolloutPhase.completed, .aborted].contains(r.phase) else { return nil }
            let progress = r.stepsTotal.map { "\(r.stepsDone ?? 0)/\($0)" }
            return RolloutLine(bot: v.name, strategy: r.strategy, phase: r.phase.rawValue, revision: r.candidate, step: r.step, progress: progress, message: r.message)
        }
        let names = { (sync: BotSync) in views.filter { $0.sync == sync }.map(\.name).sorted() }
        return FleetStatus(
            bots: applied.count, health: health, controls: controls, rollouts: rollouts.sorted { $0.bot < $1.bot },
            degraded: applied.compactMap { v in v.degraded.map { Degraded(bot: v.name, reason: $0.reason) } }.sorted { $0.bot < $1.bot },
            halted: applied.compactMap { v in v.halt.map { Degraded(bot: v.name, reason: $0.text) } }.sorted { $0.bot < $1.bot },
            files: Files(stateSerial: stateSerial, lastApplied: lastApplied?.time, lastAppliedMessage: lastApplied?.message,
                         changed: names(.changed), notApplied: names(.notApplied), orphans: names(.orphan), invalid: invalid,
                         gitPull: lastPull.flatMap { $0.kind == "GitPullFailed" ? "\(ISO8601DateFormatter().string(from: $0.time)): \($0.message)" : nil }),
            readiness: readiness)
    }

    /// As `flotilla status` prints it.
    public var text: String {
        func counts(_ d: [String: Int]) -> String {
            d.isEmpty ? "none" : d.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        }
        var out = "Bots:      \(bots) — health: \(counts(health)); control: \(counts(controls))\n"
        out += "Readiness: \(readiness)\n"
        var sync = files.stateSerial.map { "state serial \($0)" } ?? "state"
        if let at = files.lastApplied { sync += ", last applied \(ISO8601DateFormatter().string(from: at))" } else { sync += ", never applied" }
        if let message = files.lastAppliedMessage { sync += " (\(message))" }
        out += "Files:     \(sync)\n"
        if let invalid = files.invalid { out += "           invalid edit waiting (nothing changes until it is fixed): \(invalid)\n" }
        if !files.changed.isEmpty { out += "           changed, not applied yet (flotilla plan): \(files.changed.joined(separator: ", "))\n" }
        if !files.notApplied.isEmpty { out += "           new, not applied yet: \(files.notApplied.joined(separator: ", "))\n" }
        if !files.orphans.isEmpty { out += "           orphans (file deleted, still trading; apply --prune deletes them): \(files.orphans.joined(separator: ", "))\n" }
        if let pull = files.gitPull { out += "           git pull failing (the last pulled files run): \(pull)\n" }
        if files.invalid == nil, files.changed.isEmpty, files.notApplied.isEmpty, files.orphans.isEmpty { out += "           in sync with the state\n" }
        out += "\nRollouts in progress: \(rollouts.isEmpty ? "none" : String(rollouts.count))\n"
        for r in rollouts {
            out += "  \(r.bot)  \(r.strategy)  \(r.phase)  revision \(r.revision)  \(r.progress.map { "\($0) steps done, now " } ?? "")\(r.step)\(r.message.isEmpty ? "" : " — \(r.message)")\n"
        }
        if !halted.isEmpty {
            out += "\nHalted (flotilla resume-all lifts it): \(halted.count)\n"
            for h in halted.prefix(50) { out += "  \(h.bot): \(h.reason)\n" }
            if halted.count > 50 { out += "  … and \(halted.count - 50) more\n" }
        }
        if !degraded.isEmpty {
            out += "\nDegraded:\n"
            for d in degraded { out += "  \(d.bot): \(d.reason)\n" }
        }
        return out
    }
}
