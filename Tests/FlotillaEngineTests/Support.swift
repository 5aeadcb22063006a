import FlotillaEngine
import FlotillaSpec
import Foundation

let minute: Int64 = 60_000

func deploy(_ strategy: DeployStrategy, deadline: TimeSpan = .hours(1), autoRollback: Bool = true) -> DeploySpec {
    DeploySpec(strategy: strategy, progressDeadline: deadline, autoRollback: autoRollback)
}

func core(_ d: DeploySpec, stable: Int? = 1, candidate: Int = 2) -> RolloutCore {
    RolloutCore(bot: "eth-trend", stable: stable, candidate: candidate, deploy: d)
}

func result(_ phase: AnalysisPhase, _ template: String = "default") -> AnalysisResult {
    AnalysisResult(template: template, phase: phase, measurements: [], message: phase.rawValue.lowercased())
}

/// The actions minus events, for comparisons that care about what the engine does.
func effects(_ actions: [RolloutAction]) -> [RolloutAction] {
    actions.filter { if case .event = $0 { return false } else { return true } }
}

func eventKinds(_ actions: [RolloutAction]) -> [String] {
    actions.compactMap { if case .event(let kind, _) = $0 { return kind } else { return nil } }
}
