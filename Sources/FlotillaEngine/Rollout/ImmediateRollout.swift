import FlotillaSpec

/// immediate: start the new instance, hand the old one's open positions to it at the current mark
/// (no round trip, no fees), then stop the old one (no new orders, working orders cancelled) —
/// make-before-break: if the new instance fails to start, the old one never stopped and the
/// rollout aborts back to it.
public struct ImmediateRollout: RolloutMachine {
    public private(set) var core: RolloutCore

    public init(core: RolloutCore) { self.core = core }

    public var stepDescription: String {
        switch core.phase {
        case .completed: return "switched"
        case .aborted: return core.stable.map { "revision \($0) serves" } ?? "stopped"
        default: return "switching"
        }
    }
    public var stepProgress: (done: Int, total: Int) { (core.phase == .completed ? 1 : 0, 1) }

    public mutating func start(now: Int64) -> [RolloutAction] {
        core.progressed(at: now)
        core.phase = .completed
        core.message = ""
        var actions: [RolloutAction] = [.startInstance(revision: core.candidate, mode: .live, capitalPct: 100)]
        if let stable = core.stable, stable == core.candidate {
            // Back to the revision that serves (an undo during a rollout, after the rollout in
            // flight gave its capital back): it keeps its instances and takes all the capital.
            // Handing over to itself and stopping it would stop the bot.
            actions.append(.event(kind: "RolloutCompleted", message: "revision \(core.candidate) serves on, with all the capital"))
            return actions
        }
        if let stable = core.stable {
            actions += [.handOverPositions(from: stable, to: core.candidate), .stopInstance(revision: stable)]
        }
        actions.append(.event(kind: "RolloutCompleted", message: "revision \(core.candidate) replaced \(core.stable.map { "revision \($0)" } ?? "nothing") at once"))
        return actions
    }

    public mutating func step(_ o: RolloutObservation) -> [RolloutAction] {
        if core.phase == .aborted, o.command == .retry { return start(now: o.now) }
        if let reason = core.startFailure(o) {
            core.phase = .aborted
            core.message = reason
            return rollbackActions(stable: core.stable, candidate: core.candidate, candidateWasLive: true, reason: reason)
        }
        return []
    }
}
