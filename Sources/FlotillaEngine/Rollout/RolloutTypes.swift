import FlotillaSpec
import Foundation

/// What a deploy strategy asks the engine to do. Strategies are pure state machines; the engine
/// executes these actions (and persists them before it acts).
///
/// `symbol` narrows an action to one instance of a fan-out bot (the rolling strategy); nil means
/// every instance of the revision.
public enum RolloutAction: Sendable, Equatable, Codable {
    case startInstance(revision: Int, mode: InstanceMode, capitalPct: Decimal, symbol: String? = nil)
    /// Moves capital between the two revisions; `pct` is the revision's share of the bot's capital.
    case setCapital(revision: Int, pct: Decimal, symbol: String? = nil)
    case setMode(revision: Int, mode: InstanceMode, symbol: String? = nil)
    /// Moves open positions to another instance at the current mark: no round-trip trade, no fees.
    case handOverPositions(from: Int, to: Int, symbol: String? = nil)
    /// Stop placing orders, cancel working orders, stop the instance.
    case stopInstance(revision: Int, symbol: String? = nil)
    /// Start an analysis run of `candidate` (against `baseline` over the same window, if any).
    case runAnalysis(template: String, candidate: Int, baseline: Int?)
    /// An event for the log: every transition is one.
    case event(kind: String, message: String)
}

/// A person's command on a rollout (`flotilla rollout promote|abort|retry`).
public enum RolloutCommand: String, Sendable, Codable, Equatable {
    case promote
    /// Skip the remaining steps and analyses.
    case promoteFull
    case abort
    case retry
}

/// What the engine saw since the last step.
public struct RolloutObservation: Sendable, Equatable {
    /// Milliseconds since the epoch.
    public var now: Int64
    /// Revisions whose instances fail their health checks (watchdog).
    public var unhealthy: Set<Int>
    /// The finished result of the analysis run the rollout asked for, if any.
    public var analysis: AnalysisResult?
    public var command: RolloutCommand?
    /// Revisions whose instance could not start (its data did not load), with the reason. The
    /// engine stops carrying out a batch at a failed start, so the serving instance still trades;
    /// the strategy aborts back to it (make-before-break).
    public var startFailures: [Int: String]

    public init(now: Int64, unhealthy: Set<Int> = [], analysis: AnalysisResult? = nil, command: RolloutCommand? = nil,
                startFailures: [Int: String] = [:]) {
        self.now = now
        self.unhealthy = unhealthy
        self.analysis = analysis
        self.command = command
        self.startFailures = startFailures
    }
}

/// Fields every deploy strategy shares: revisions, deadline, phase and the pending analysis.
public struct RolloutCore: Sendable, Codable, Equatable {
    public var bot: String
    /// The revision serving before the rollout (nil for a bot's first revision).
    public var stable: Int?
    public var candidate: Int
    public var progressDeadlineMs: Int64
    public var autoRollback: Bool
    public var phase: RolloutPhase = .progressing
    public var message = ""
    /// When the current step started, and when the rollout last made progress.
    public var stepStartedAt: Int64 = 0
    public var lastProgressAt: Int64 = 0
    /// Waiting out a timed step (a pause, a preview, minHealthyTime): the deadline does not run.
    public var waitingOnTimer = false
    /// The template of the analysis the rollout waits for.
    public var awaitingAnalysis: String?
    public var lastAnalysis: AnalysisResult?

    public init(bot: String, stable: Int?, candidate: Int, deploy: DeploySpec) {
        self.bot = bot
        self.stable = stable
        self.candidate = candidate
        self.progressDeadlineMs = deploy.progressDeadline.milliseconds
        self.autoRollback = deploy.autoRollback
    }

    mutating func progressed(at now: Int64) {
        stepStartedAt = now
        lastProgressAt = now
        waitingOnTimer = false
    }

    /// Marks a timed wait; progress is counted from its end.
    mutating func waiting(at now: Int64) {
        waitingOnTimer = true
        lastProgressAt = now
    }

    var isFinished: Bool { phase == .completed || phase == .aborted }

    /// Why the candidate failed to start, if it did: a rollout that completed in the same batch
    /// (immediate, a first revision) is aborted by it too — nothing of the candidate runs.
    func startFailure(_ o: RolloutObservation) -> String? {
        guard phase != .aborted, let reason = o.startFailures[candidate] else { return nil }
        return "revision \(candidate) failed to start: \(reason)"
    }

    /// The checks every strategy makes first: abort commands, failed health, a passed deadline.
    /// Returns the reason to roll back, if any; sets `degraded` when the deadline passed without
    /// automatic rollback.
    mutating func rollbackReason(_ o: RolloutObservation) -> String? {
        if let reason = startFailure(o) { return reason }
        if o.command == .abort { return "aborted by a person" }
        if o.unhealthy.contains(candidate) {
            if autoRollback { return "revision \(candidate) failed its health checks" }
        }
        if phase == .progressing, !waitingOnTimer, o.now - lastProgressAt > progressDeadlineMs {
            if autoRollback { return "no progress within the progress deadline (\(TimeSpan(milliseconds: progressDeadlineMs)))" }
            phase = .degraded
            message = "progress deadline exceeded; promote, abort or retry"
        }
        return nil
    }

    enum AnalysisOutcome {
        /// Successful: go on (the events say so).
        case passed([RolloutAction])
        /// Failed with autoRollback: roll back for this reason.
        case rollback(String)
        /// Failed without autoRollback (Degraded) or Inconclusive (Paused): wait for a person.
        case halted([RolloutAction])
    }

    /// What an analysis result means for the rollout — the same for every strategy.
    mutating func outcome(of result: AnalysisResult) -> AnalysisOutcome {
        switch result.phase {
        case .successful:
            return .passed([.event(kind: "AnalysisSuccessful", message: "\(result.template): \(result.message)")])
        case .failed:
            if autoRollback { return .rollback("analysis \(result.template) failed: \(result.message)") }
            phase = .degraded
            message = "analysis \(result.template) failed: \(result.message)"
            return .halted([.event(kind: "AnalysisFailed", message: message)])
        case .inconclusive:
            phase = .paused
            message = "analysis \(result.template) inconclusive: \(result.message)"
            return .halted([.event(kind: "AnalysisInconclusive", message: message)])
        }
    }

    /// Reads the awaited analysis result: nil while it runs.
    mutating func takeAnalysis(_ o: RolloutObservation) -> AnalysisResult? {
        guard awaitingAnalysis != nil, let result = o.analysis else { return nil }
        awaitingAnalysis = nil
        lastAnalysis = result
        return result
    }
}

/// A deploy strategy as a state machine: `start` once, then `step` on every observation; both
/// return the actions for the engine. Codable so a rollout resumes from its persisted step after a
/// restart.
public protocol RolloutMachine: Sendable, Codable {
    var core: RolloutCore { get }
    /// A short description of where it is: "step 3/5: pause 30m", "capital 10 % / 90 %".
    var stepDescription: String { get }
    /// Steps done of all its steps (canary steps, stages, blue-green stages, replaced symbols), for `flotilla_rollout_step`.
    var stepProgress: (done: Int, total: Int) { get }
    mutating func start(now: Int64) -> [RolloutAction]
    mutating func step(_ observation: RolloutObservation) -> [RolloutAction]
    /// Time left (ms) on the timed pause or wait the rollout is on at `now`; nil when it is on none.
    func pauseRemainingMs(now: Int64) -> Int64?
    /// The analysis templates still to run, in order (the one running first).
    var analysesRemaining: [String] { get }
}

extension RolloutMachine {
    public var phase: RolloutPhase { core.phase }
    public func pauseRemainingMs(now: Int64) -> Int64? { nil }
    public var analysesRemaining: [String] { [] }
}

/// The fast path back to the stable revision, used by every strategy's rollback and by undo:
/// positions and capital return to stable, the candidate stops. No canary steps (nomad#10882).
/// Stable is running already (live, or warm in shadow), so nothing stops before its replacement runs.
func rollbackActions(stable: Int?, candidate: Int, candidateWasLive: Bool, reason: String) -> [RolloutAction] {
    guard let stable else {
        return [.stopInstance(revision: candidate), .event(kind: "RolloutAborted", message: "revision \(candidate) stopped: \(reason)")]
    }
    var actions: [RolloutAction] = []
    if candidateWasLive { actions.append(.handOverPositions(from: candidate, to: stable)) }
    actions += [
        .setCapital(revision: stable, pct: 100), .setMode(revision: stable, mode: .live), .stopInstance(revision: candidate),
        .event(kind: "RolloutAborted", message: "rolled back to revision \(stable): \(reason)"),
    ]
    return actions
}

/// Switches live trading from stable to the candidate at once.
func switchActions(stable: Int?, candidate: Int, keepStableWarm: Bool = false) -> [RolloutAction] {
    guard let stable else {
        return [.setMode(revision: candidate, mode: .live), .setCapital(revision: candidate, pct: 100)]
    }
    var actions: [RolloutAction] = [.handOverPositions(from: stable, to: candidate), .setMode(revision: candidate, mode: .live),
                                    .setCapital(revision: candidate, pct: 100)]
    if keepStableWarm {
        actions += [.setCapital(revision: stable, pct: 0), .setMode(revision: stable, mode: .shadow)]
    } else {
        actions.append(.stopInstance(revision: stable))
    }
    return actions
}
