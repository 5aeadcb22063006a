import FlotillaSpec
import Foundation

/// staged: the new revision passes through stages — `shadow` (live data, simulated fills, no
/// capital) for a duration, gated by an analysis — and then `live`, where it takes over from
/// stable at once (it goes live, positions hand over, then stable stops — as immediate).
public struct StagedRollout: RolloutMachine {
    public private(set) var core: RolloutCore
    public let stages: [DeployStrategy.Stage]
    public private(set) var stageIndex = 0
    public var stepProgress: (done: Int, total: Int) { (min(stageIndex, stages.count), stages.count) }

    public init(core: RolloutCore, stages: [DeployStrategy.Stage]) {
        self.core = core
        self.stages = stages
    }

    public var stepDescription: String {
        guard stageIndex < stages.count, !core.isFinished else { return core.phase == .completed ? "live" : "stopped" }
        let s = stages[stageIndex]
        return "stage \(stageIndex + 1)/\(stages.count): \(s.name.rawValue)\(s.duration.map { " for \($0)" } ?? "")"
    }

    public mutating func start(now: Int64) -> [RolloutAction] {
        core.progressed(at: now)
        let first = stages.first?.name ?? .live
        if first == .live || core.stable == nil { return goLive(now, started: false) }
        core.waiting(at: now)
        return [.startInstance(revision: core.candidate, mode: .shadow, capitalPct: 0),
                .event(kind: "RolloutStarted", message: "revision \(core.candidate) enters stage 1 (shadow)")]
    }

    public mutating func step(_ o: RolloutObservation) -> [RolloutAction] {
        if core.phase == .aborted, o.command == .retry {
            stageIndex = 0
            core.phase = .progressing
            return start(now: o.now)
        }
        if let reason = core.startFailure(o) { return abort(reason) }
        guard !core.isFinished else { return [] }
        if let reason = core.rollbackReason(o) { return abort(reason) }
        if o.command == .promoteFull { return goLive(o.now, started: true) }
        if o.command == .promote, core.phase == .paused || core.phase == .degraded {
            core.phase = .progressing
            core.awaitingAnalysis = nil
            return nextStage(o.now)
        }
        if let result = core.takeAnalysis(o) {
            switch core.outcome(of: result) {
            case .passed(let events): return events + nextStage(o.now)
            case .rollback(let reason): return abort(reason)
            case .halted(let events): return events
            }
        }
        guard core.phase == .progressing, core.awaitingAnalysis == nil, stageIndex < stages.count else {
            if o.command == .promote, let template = core.awaitingAnalysis {
                return [.event(kind: "PromoteWaiting", message: "analysis \(template) is running: promote skips pauses; promote --full skips every step")]
            }
            return []
        }
        let stage = stages[stageIndex]
        // promote ends the stage's timed wait now (its analysis, if any, still runs).
        let skipped = o.command == .promote && o.now - core.stepStartedAt < (stage.duration?.milliseconds ?? 0)
        guard skipped || o.now - core.stepStartedAt >= (stage.duration?.milliseconds ?? 0) else { return [] }
        var events: [RolloutAction] = []
        if skipped {
            events.append(.event(kind: "RolloutResumed", message: "promoted past the wait of stage \(stageIndex + 1) (\(stage.name.rawValue)) by a person"))
        }
        core.progressed(at: o.now)
        if let template = stage.analysis {
            core.awaitingAnalysis = template
            return events + [.runAnalysis(template: template, candidate: core.candidate, baseline: core.stable)]
        }
        return events + nextStage(o.now)
    }

    public func pauseRemainingMs(now: Int64) -> Int64? {
        guard core.phase == .progressing, core.awaitingAnalysis == nil, stageIndex < stages.count, let duration = stages[stageIndex].duration else { return nil }
        return max(0, core.stepStartedAt + duration.milliseconds - now)
    }

    public var analysesRemaining: [String] {
        guard !core.isFinished, stageIndex < stages.count else { return [] }
        // The current stage's analysis is still to run unless it already ran (it is awaited now or done).
        return stages[stageIndex...].compactMap(\.analysis)
    }

    private mutating func nextStage(_ now: Int64) -> [RolloutAction] {
        stageIndex += 1
        core.progressed(at: now)
        guard stageIndex < stages.count else { return goLive(now, started: true) }
        if stages[stageIndex].name == .live { return goLive(now, started: true) }
        core.waiting(at: now)
        return [.event(kind: "StageStarted", message: "revision \(core.candidate) enters stage \(stageIndex + 1) (shadow)")]
    }

    private mutating func goLive(_ now: Int64, started: Bool) -> [RolloutAction] {
        core.phase = .completed
        core.awaitingAnalysis = nil
        stageIndex = stages.count
        // Make-before-break: the candidate runs (started now, or in shadow since stage 1) before
        // stable hands over and stops.
        var actions: [RolloutAction] = started
            ? [.setMode(revision: core.candidate, mode: .live), .setCapital(revision: core.candidate, pct: 100)]
            : [.startInstance(revision: core.candidate, mode: .live, capitalPct: 100)]
        if let stable = core.stable {
            actions += [.handOverPositions(from: stable, to: core.candidate), .stopInstance(revision: stable)]
        }
        return actions + [.event(kind: "RolloutCompleted", message: "revision \(core.candidate) is live")]
    }

    private mutating func abort(_ reason: String) -> [RolloutAction] {
        core.phase = .aborted
        core.message = reason
        core.awaitingAnalysis = nil
        return rollbackActions(stable: core.stable, candidate: core.candidate, candidateWasLive: false, reason: reason)
    }
}
