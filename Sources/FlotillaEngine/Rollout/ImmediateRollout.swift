import FlotillaSpec

/// immediate: stop the old instance (no new orders, working orders cancelled), hand its open
/// positions to the new instance at the current mark (no round trip, no fees), start the new one.
public struct ImmediateRollout: RolloutMachine {
    public private(set) var core: RolloutCore

    public init(core: RolloutCore) { self.core = core }

    public var stepDescription: String { core.phase == .completed ? "switched" : "switching" }
    public var stepProgress: (done: Int, total: Int) { (core.phase == .completed ? 1 : 0, 1) }

    public mutating func start(now: Int64) -> [RolloutAction] {
        core.progressed(at: now)
        core.phase = .completed
        var actions: [RolloutAction] = []
        if let stable = core.stable {
            actions += [.stopInstance(revision: stable), .handOverPositions(from: stable, to: core.candidate)]
        }
        actions += [
            .startInstance(revision: core.candidate, mode: .live, capitalPct: 100),
            .event(kind: "RolloutCompleted", message: "revision \(core.candidate) replaced \(core.stable.map { "revision \($0)" } ?? "nothing") at once"),
        ]
        return actions
    }

    public mutating func step(_ observation: RolloutObservation) -> [RolloutAction] { [] }
}
