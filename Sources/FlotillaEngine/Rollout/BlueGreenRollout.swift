import FlotillaSpec
import Foundation

/// blue-green: green (the new revision) shadows live blue for `previewDuration`; a pre-promotion
/// analysis compares them; promotion switches live trading to green at once (blue stops trading,
/// its positions hand over) while blue stays warm in shadow for `scaleDownDelay`, so a rollback is
/// instant; a post-promotion analysis can still revert.
public struct BlueGreenRollout: RolloutMachine {
    public enum Stage: String, Sendable, Codable {
        case preview, prePromotionAnalysis, awaitingPromotion, postPromotion, done
    }

    public private(set) var core: RolloutCore
    public let config: DeployStrategy.BlueGreen
    public private(set) var stage: Stage = .preview

    public init(core: RolloutCore, config: DeployStrategy.BlueGreen) {
        self.core = core
        self.config = config
    }

    public var stepProgress: (done: Int, total: Int) {
        let order: [Stage] = [.preview, .prePromotionAnalysis, .awaitingPromotion, .postPromotion, .done]
        return (order.firstIndex(of: stage) ?? 0, order.count - 1)
    }

    public var stepDescription: String {
        switch stage {
        case .preview: return "green (revision \(core.candidate)) in shadow beside blue for \(config.previewDuration)"
        case .prePromotionAnalysis: return "pre-promotion analysis"
        case .awaitingPromotion: return "waiting for promotion"
        case .postPromotion: return "green live; blue warm for \(config.scaleDownDelay)"
        case .done: return core.phase == .completed ? "green live, blue stopped" : "blue live, green stopped"
        }
    }

    private var switched: Bool { stage == .postPromotion || (stage == .done && core.phase == .completed) }

    public mutating func start(now: Int64) -> [RolloutAction] {
        core.progressed(at: now)
        guard core.stable != nil else {
            stage = .done
            core.phase = .completed
            return [.startInstance(revision: core.candidate, mode: .live, capitalPct: 100),
                    .event(kind: "RolloutCompleted", message: "first revision \(core.candidate) started")]
        }
        core.waiting(at: now)
        return [.startInstance(revision: core.candidate, mode: .shadow, capitalPct: 0),
                .event(kind: "RolloutStarted", message: "green revision \(core.candidate) shadows blue revision \(core.stable!)")]
    }

    public mutating func step(_ o: RolloutObservation) -> [RolloutAction] {
        if core.phase == .aborted, o.command == .retry {
            stage = .preview
            core.phase = .progressing
            return start(now: o.now)
        }
        if let reason = core.startFailure(o) { return revert(reason) }
        guard !core.isFinished else { return [] }
        if let reason = core.rollbackReason(o) { return revert(reason) }
        if o.command == .promoteFull, !switched {
            return promote(o.now, runPostAnalysis: false)
        }
        let result = core.takeAnalysis(o)
        switch stage {
        case .preview:
            // promote ends the preview now (the pre-promotion analysis, if any, still runs).
            let skipped = o.command == .promote && o.now - core.stepStartedAt < config.previewDuration.milliseconds
            guard skipped || o.now - core.stepStartedAt >= config.previewDuration.milliseconds else { return [] }
            core.progressed(at: o.now)
            let resumed: [RolloutAction] = skipped ? [.event(kind: "RolloutResumed", message: "promoted past the preview by a person")] : []
            if let template = config.prePromotionAnalysis {
                stage = .prePromotionAnalysis
                core.awaitingAnalysis = template
                return resumed + [.runAnalysis(template: template, candidate: core.candidate, baseline: core.stable)]
            }
            // The promote ended this pause; a manual promotion waits for one more.
            var next = o
            if skipped { next.command = nil }
            return resumed + readyToPromote(next)
        case .prePromotionAnalysis:
            if o.command == .promote, core.phase == .paused || core.phase == .degraded { return promote(o.now, runPostAnalysis: true) }
            guard let result else { return [] }
            switch core.outcome(of: result) {
            case .passed(let events): return events + readyToPromote(o)
            case .rollback(let reason): return revert(reason)
            case .halted(let events): return events
            }
        case .awaitingPromotion:
            return readyToPromote(o)
        case .postPromotion:
            if let result {
                // After the switch a failed analysis always reverts: blue is still warm for exactly this.
                if result.phase == .failed { return revert("post-promotion analysis \(result.template) failed: \(result.message)") }
                if case .halted(let events) = core.outcome(of: result) { return events }
            }
            if o.command == .promote, core.phase == .paused { core.phase = .progressing; core.awaitingAnalysis = nil }
            guard core.awaitingAnalysis == nil, core.phase == .progressing,
                  o.now - core.stepStartedAt >= config.scaleDownDelay.milliseconds else { return [] }
            stage = .done
            core.phase = .completed
            return [.stopInstance(revision: core.stable!),
                    .event(kind: "RolloutCompleted", message: "blue revision \(core.stable!) scaled down; green revision \(core.candidate) is stable")]
        case .done:
            return []
        }
    }

    public func pauseRemainingMs(now: Int64) -> Int64? {
        guard core.phase == .progressing else { return nil }
        switch stage {
        // The preview is the pause promote skips; the scale-down delay after the switch is not one.
        case .preview: return max(0, core.stepStartedAt + config.previewDuration.milliseconds - now)
        default: return nil
        }
    }

    public var analysesRemaining: [String] {
        switch stage {
        case .preview, .prePromotionAnalysis: return [config.prePromotionAnalysis, config.postPromotionAnalysis].compactMap { $0 }
        case .awaitingPromotion: return [config.postPromotionAnalysis].compactMap { $0 }
        case .postPromotion: return [core.awaitingAnalysis].compactMap { $0 }
        case .done: return []
        }
    }

    private mutating func readyToPromote(_ o: RolloutObservation) -> [RolloutAction] {
        if config.autoPromote || o.command == .promote { return promote(o.now, runPostAnalysis: true) }
        stage = .awaitingPromotion
        if core.phase != .paused {
            core.phase = .paused
            core.message = "green is ready; promote with flotilla rollout promote \(core.bot)"
            return [.event(kind: "RolloutPaused", message: core.message)]
        }
        return []
    }

    private mutating func promote(_ now: Int64, runPostAnalysis: Bool) -> [RolloutAction] {
        stage = .postPromotion
        core.phase = .progressing
        core.progressed(at: now)
        core.waiting(at: now)
        var actions = switchActions(stable: core.stable, candidate: core.candidate, keepStableWarm: true)
        actions.append(.event(kind: "RolloutPromoted", message: "live trading switched to green revision \(core.candidate); blue stays warm for \(config.scaleDownDelay)"))
        if runPostAnalysis, let template = config.postPromotionAnalysis {
            core.awaitingAnalysis = template
            actions.append(.runAnalysis(template: template, candidate: core.candidate, baseline: core.stable))
        } else {
            core.awaitingAnalysis = nil
        }
        return actions
    }

    /// Before the switch, green simply stops (it never had capital); after it, blue takes live
    /// trading back at once with green's positions.
    private mutating func revert(_ reason: String) -> [RolloutAction] {
        let wasLive = switched
        stage = .done
        core.phase = .aborted
        core.message = reason
        core.awaitingAnalysis = nil
        return rollbackActions(stable: core.stable, candidate: core.candidate, candidateWasLive: wasLive, reason: reason)
    }
}
