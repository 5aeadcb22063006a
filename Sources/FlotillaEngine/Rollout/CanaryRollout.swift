import FlotillaSpec
import Foundation

/// canary: the new revision trades beside stable on split capital, step by step —
/// `setCapital: N%`, `pause: DURATION`, `pause: {}` (until promoted), `analysis: TEMPLATE`.
/// After the last step (or `promote --full`) capital and positions move to the new revision;
/// abort (or a failed analysis, failed health, a passed deadline with `autoRollback`) returns the
/// canary's capital and positions to stable.
public struct CanaryRollout: RolloutMachine {
    public private(set) var core: RolloutCore
    public let steps: [DeployStrategy.CanaryStep]
    public private(set) var stepIndex = 0
    public var stepProgress: (done: Int, total: Int) { (min(stepIndex, steps.count), steps.count) }
    public private(set) var canaryPct: Decimal = 0

    public init(core: RolloutCore, steps: [DeployStrategy.CanaryStep]) {
        self.core = core
        self.steps = steps
    }

    public func pauseRemainingMs(now: Int64) -> Int64? {
        guard core.phase == .progressing, stepIndex < steps.count, case .pause(let duration?) = steps[stepIndex] else { return nil }
        return max(0, core.stepStartedAt + duration.milliseconds - now)
    }

    public var analysesRemaining: [String] {
        guard !core.isFinished, stepIndex < steps.count else { return [] }
        return steps[stepIndex...].compactMap { if case .analysis(let template) = $0 { template } else { nil } }
    }

    public var stepDescription: String {
        let split = "capital \(canaryPct.canonicalText)% new / \((100 - canaryPct).canonicalText)% stable"
        guard stepIndex < steps.count, !core.isFinished else { return split }
        return "step \(stepIndex + 1)/\(steps.count): \(steps[stepIndex]) — \(split)"
    }

    public mutating func start(now: Int64) -> [RolloutAction] {
        core.progressed(at: now)
        guard core.stable != nil else {
            // A first revision has nothing to compare with: it starts with all the capital.
            core.phase = .completed
            canaryPct = 100
            return [.startInstance(revision: core.candidate, mode: .live, capitalPct: 100),
                    .event(kind: "RolloutCompleted", message: "first revision \(core.candidate) started")]
        }
        return [.startInstance(revision: core.candidate, mode: .live, capitalPct: 0),
                .event(kind: "RolloutStarted", message: "canary of revision \(core.candidate) against revision \(core.stable!)")] + advance(now)
    }

    public mutating func step(_ o: RolloutObservation) -> [RolloutAction] {
        if core.phase == .aborted, o.command == .retry {
            core.phase = .progressing
            // A first revision (nothing to compare with) starts again with all the capital.
            guard core.stable != nil else { return start(now: o.now) }
            stepIndex = 0
            canaryPct = 0
            core.progressed(at: o.now)
            return [.startInstance(revision: core.candidate, mode: .live, capitalPct: 0),
                    .event(kind: "RolloutRetried", message: "retrying revision \(core.candidate) from step 1")] + advance(o.now)
        }
        if let reason = core.startFailure(o) { return abort(reason) }
        guard !core.isFinished else { return [] }
        if let reason = core.rollbackReason(o) { return abort(reason) }
        if o.command == .promoteFull { return promote(o.now, note: "promoted in full by a person") }
        if o.command == .promote {
            // As Argo Rollouts' promote: past the current pause, timed or not, or out of a halt
            // (an inconclusive or failed analysis); a running analysis is not skipped (--full is).
            let onTimedPause: Bool
            if core.phase == .progressing, stepIndex < steps.count, case .pause(.some) = steps[stepIndex] { onTimedPause = true } else { onTimedPause = false }
            if core.phase == .paused || core.phase == .degraded || onTimedPause {
                core.phase = .progressing
                core.awaitingAnalysis = nil
                let skipped = stepIndex < steps.count ? "\(steps[stepIndex])" : "the last step"
                stepIndex += 1
                core.progressed(at: o.now)
                return [.event(kind: "RolloutResumed", message: "promoted past step \(stepIndex) (\(skipped)) by a person")] + advance(o.now)
            }
            if let template = core.awaitingAnalysis {
                return [.event(kind: "PromoteWaiting", message: "analysis \(template) is running: promote skips pauses; promote --full skips every step")]
            }
        }
        if let result = core.takeAnalysis(o) {
            switch core.outcome(of: result) {
            case .passed(let events):
                stepIndex += 1
                core.progressed(at: o.now)
                return events + advance(o.now)
            case .rollback(let reason): return abort(reason)
            case .halted(let events): return events
            }
        }
        return core.phase == .progressing ? advance(o.now) : []
    }

    /// Runs steps until one has to wait.
    private mutating func advance(_ now: Int64) -> [RolloutAction] {
        var actions: [RolloutAction] = []
        while stepIndex < steps.count {
            switch steps[stepIndex] {
            case .setCapital(let pct):
                canaryPct = pct
                actions += [.setCapital(revision: core.candidate, pct: pct), .setCapital(revision: core.stable!, pct: 100 - pct),
                            .event(kind: "CapitalSet", message: "revision \(core.candidate) trades \(pct.canonicalText)% of the capital")]
                stepIndex += 1
                core.progressed(at: now)
            case .pause(let duration?):
                guard now - core.stepStartedAt >= duration.milliseconds else {
                    core.waiting(at: now)
                    return actions
                }
                stepIndex += 1
                core.progressed(at: now)
            case .pause(nil):
                if core.phase != .paused {
                    core.phase = .paused
                    core.message = "paused until promoted (flotilla rollout promote \(core.bot))"
                    actions.append(.event(kind: "RolloutPaused", message: core.message))
                }
                return actions
            case .analysis(let template):
                if core.awaitingAnalysis == nil {
                    core.awaitingAnalysis = template
                    actions.append(.runAnalysis(template: template, candidate: core.candidate, baseline: core.stable))
                }
                return actions
            }
        }
        return actions + promote(now, note: "all \(steps.count) steps passed")
    }

    private mutating func promote(_ now: Int64, note: String) -> [RolloutAction] {
        core.phase = .completed
        core.awaitingAnalysis = nil
        core.progressed(at: now)
        canaryPct = 100
        stepIndex = steps.count
        return switchActions(stable: core.stable, candidate: core.candidate)
            + [.event(kind: "RolloutCompleted", message: "revision \(core.candidate) promoted: \(note)")]
    }

    private mutating func abort(_ reason: String) -> [RolloutAction] {
        core.phase = .aborted
        core.message = reason
        core.awaitingAnalysis = nil
        canaryPct = 0
        return rollbackActions(stable: core.stable, candidate: core.candidate, candidateWasLive: true, reason: reason)
    }
}
