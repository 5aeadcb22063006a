import FlotillaSpec
import Foundation

/// One bot's rollout from its stable revision to a new one, under the bot's deploy strategy. The
/// persisted unit: Codable, so after a restart the rollout resumes from the step it was on.
public enum Rollout: Sendable, Codable {
    case immediate(ImmediateRollout)
    case staged(StagedRollout)
    case canary(CanaryRollout)
    case blueGreen(BlueGreenRollout)
    case rolling(RollingRollout)

    /// A rollout of `candidate` for a bot whose stable revision is `stable` (nil: the first one).
    public init(bot: ResolvedBot, stable: Int?, candidate: Int) {
        let core = RolloutCore(bot: bot.name, stable: stable, candidate: candidate, deploy: bot.deploy)
        switch bot.deploy.strategy {
        case .immediate: self = .immediate(ImmediateRollout(core: core))
        case .staged(let stages): self = .staged(StagedRollout(core: core, stages: stages))
        case .canary(let steps): self = .canary(CanaryRollout(core: core, steps: steps))
        case .blueGreen(let config): self = .blueGreen(BlueGreenRollout(core: core, config: config))
        case .rolling(let config): self = .rolling(RollingRollout(core: core, config: config, symbols: bot.market.symbols))
        }
    }

    /// `rollout undo`: back to an earlier revision on the fast path — an immediate switch, no
    /// canary steps or analyses (what nomad#10882 asks for).
    public static func undo(bot: String, current: Int, to revision: Int) -> Rollout {
        let deploy = DeploySpec(strategy: .immediate)
        return .immediate(ImmediateRollout(core: RolloutCore(bot: bot, stable: current, candidate: revision, deploy: deploy)))
    }

    private var machine: any RolloutMachine {
        switch self {
        case .immediate(let m): return m
        case .staged(let m): return m
        case .canary(let m): return m
        case .blueGreen(let m): return m
        case .rolling(let m): return m
        }
    }

    public var core: RolloutCore { machine.core }
    public var phase: RolloutPhase { machine.core.phase }
    public var stepDescription: String { machine.stepDescription }
    /// Time left (ms) on the timed pause or wait the rollout is on; nil when it is on none.
    public func pauseRemainingMs(now: Int64) -> Int64? { core.isFinished ? nil : machine.pauseRemainingMs(now: now) }
    /// The analysis templates still to run, in order.
    public var analysesRemaining: [String] { core.isFinished ? [] : machine.analysesRemaining }
    /// A completed rollout has done every step (a first revision completes without walking them).
    public var stepProgress: (done: Int, total: Int) {
        let p = machine.stepProgress
        return phase == .completed ? (p.total, p.total) : p
    }
    public var strategyName: String {
        switch self {
        case .immediate: return "immediate"
        case .staged: return "staged"
        case .canary: return "canary"
        case .blueGreen: return "blue-green"
        case .rolling: return "rolling"
        }
    }

    public mutating func start(now: Int64) -> [RolloutAction] {
        switch self {
        case .immediate(var m): defer { self = .immediate(m) }; return m.start(now: now)
        case .staged(var m): defer { self = .staged(m) }; return m.start(now: now)
        case .canary(var m): defer { self = .canary(m) }; return m.start(now: now)
        case .blueGreen(var m): defer { self = .blueGreen(m) }; return m.start(now: now)
        case .rolling(var m): defer { self = .rolling(m) }; return m.start(now: now)
        }
    }

    public mutating func step(_ o: RolloutObservation) -> [RolloutAction] {
        switch self {
        case .immediate(var m): defer { self = .immediate(m) }; return m.step(o)
        case .staged(var m): defer { self = .staged(m) }; return m.step(o)
        case .canary(var m): defer { self = .canary(m) }; return m.step(o)
        case .blueGreen(var m): defer { self = .blueGreen(m) }; return m.step(o)
        case .rolling(var m): defer { self = .rolling(m) }; return m.step(o)
        }
    }

    /// A newer revision arrived mid-rollout: the current one is abandoned on the fast path (the
    /// in-flight revision's capital and positions return to stable) before the new rollout starts.
    public mutating func supersede(by revision: Int, now: Int64) -> [RolloutAction] {
        guard !core.isFinished else { return [] }
        return step(RolloutObservation(now: now, command: .abort)).map { action in
            if case .event(_, let message) = action {
                return .event(kind: "RolloutSuperseded", message: "revision \(revision) arrived: \(message)")
            }
            return action
        }
    }
}
