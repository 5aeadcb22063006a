import FlotillaSpec
import FlotillaStore
import Foundation

/// What differs from the files at runtime, apart from config changes (`plan`, `status`): bots
/// paused or stopped outside the files (drift) and what their policy does about it, and bots whose
/// reconciliation is suspended. Pure: built from the specs and the controls.
public struct DriftReport: Sendable, Equatable, Codable {
    public struct Line: Sendable, Equatable, Codable {
        public var bot: String
        /// The control set outside the files (`paused`, `stopped`); the files say `running`.
        public var control: BotControl
        public var policy: DriftPolicy
        /// Suspended bots are never corrected, whatever their policy.
        public var suspended: Bool
    }

    public var drifted: [Line]
    public var suspended: [String]

    public init(drifted: [Line] = [], suspended: [String] = []) {
        self.drifted = drifted
        self.suspended = suspended
    }

    public static func of(_ specs: [ResolvedBot], controls: [String: BotControl]) -> DriftReport {
        var drifted: [Line] = []
        var suspended: [String] = []
        for spec in specs.sorted(by: { $0.name < $1.name }) {
            if spec.deploy.isSuspended { suspended.append(spec.name) }
            if let control = controls[spec.name], control != .running {
                drifted.append(Line(bot: spec.name, control: control, policy: spec.deploy.driftPolicy, suspended: spec.deploy.isSuspended))
            }
        }
        return DriftReport(drifted: drifted, suspended: suspended)
    }

    /// Read from the store for `specs` (the files' bots, or the applied ones).
    public static func read(_ specs: [ResolvedBot], store: StateStore) throws -> DriftReport {
        of(specs, controls: try store.botControls())
    }

    public var isEmpty: Bool { drifted.isEmpty && suspended.isEmpty }

    /// The sections `plan` and `status` print (empty when there is nothing to say).
    public var text: String {
        var out = ""
        if !drifted.isEmpty {
            out += "Drift (changed outside the files, not by an apply):\n"
            for line in drifted {
                let what: String
                if line.suspended {
                    what = "suspended: left as it is"
                } else if line.policy == .correct {
                    what = "drift: correct — the reconciler sets it back to running"
                } else {
                    what = "drift: report — shown only; flotilla bot \(line.control == .stopped ? "start" : "resume") \(line.bot) ends it"
                }
                out += "  ! \(line.bot): \(line.control.rawValue) (the files say running) — \(what)\n"
            }
        }
        if !suspended.isEmpty {
            out += "Suspended (spec.suspend: true — no rollout steps, no reverts; the bot keeps running): \(suspended.joined(separator: ", "))\n"
        }
        return out
    }
}
