import FlotillaSpec
import FlotillaStore
import Foundation

/// What a person can ask of a bot's rollout (Argo Rollouts' commands): `flotilla rollout ACTION
/// NAME` and `POST /api/v1/rollouts/{name}/{action}`.
public enum RolloutRequest: Sendable, Equatable {
    /// Past the current pause or analysis; `full` skips every remaining step.
    case promote(full: Bool)
    case abort
    case retry
    /// Back to an earlier kept revision at once; nil: the newest one before the current.
    case undo(toRevision: Int?)

    public var action: String {
        switch self {
        case .promote: "promote"
        case .abort: "abort"
        case .retry: "retry"
        case .undo: "undo"
        }
    }
}

/// Rollout commands, the one way through for the CLI, the API and tests: checked here (the bot
/// exists; undo's target is a kept revision), then queued for the reconciler.
public struct RolloutCommands: Sendable {
    public let store: StateStore

    public init(store: StateStore) { self.store = store }

    @discardableResult
    public func send(_ request: RolloutRequest, bot: String) throws -> RolloutCommandResult {
        let applied = try BotControls.requireBot(bot, store: store)
        let rollout = try store.rollout(bot: bot)
        try Self.check(request, bot: bot, rollout: rollout.map { (phase: $0.phase, candidate: $0.candidate) }, applied: applied.revision)
        switch request {
        case .promote(let full):
            try OperationProblem.forBot(bot) { try store.sendCommand(bot: bot, full ? .promoteFull : .promote) }
            return RolloutCommandResult(bot: bot, action: request.action, message: "rollout \(bot): \(full ? "full promotion (every remaining step skipped)" : "promotion past the current pause") requested")
        case .abort:
            try OperationProblem.forBot(bot) { try store.sendCommand(bot: bot, .abort) }
            return RolloutCommandResult(bot: bot, action: request.action, message: "rollout \(bot): abort requested")
        case .retry:
            try OperationProblem.forBot(bot) { try store.sendCommand(bot: bot, .retry) }
            return RolloutCommandResult(bot: bot, action: request.action, message: "rollout \(bot): retry requested")
        case .undo(let wanted):
            let kept = try store.revisions(of: bot).map { (number: $0.number, hash: $0.hash) }
            let target = try Self.undoTarget(bot: bot, current: applied.revision, wanted: wanted, kept: kept, stable: rollout?.stable)
            try OperationProblem.forBot(bot) { try store.sendCommand(bot: bot, .undo, argument: target) }
            return RolloutCommandResult(
                bot: bot, action: request.action, toRevision: target,
                message: "rollout \(bot): undo to revision \(target) requested (the files still hold revision \(applied.revision)'s spec; edit them to match, or the next apply rolls it out again)")
        }
    }

    /// Refuses what the rollout can't do now (as `kubectl argo rollouts` does): promote and abort
    /// need a rollout in progress, retry an aborted one. A revision applied but not yet picked up
    /// by the reconciler counts as in progress. Pure.
    public static func check(_ request: RolloutRequest, bot: String, rollout: (phase: RolloutPhase, candidate: Int)?, applied: Int) throws {
        let finished: [RolloutPhase] = [.completed, .aborted]
        let pending = rollout == nil || rollout!.candidate != applied
        switch request {
        case .promote, .abort:
            guard pending || !finished.contains(rollout!.phase) else {
                throw OperationProblem(.conflict, "no_rollout_in_progress",
                                       "bot \(bot) has no rollout in progress (revision \(rollout!.candidate) is \(rollout!.phase)); nothing to \(request.action)")
            }
        case .retry:
            guard let rollout, !pending, rollout.phase == .aborted else {
                throw OperationProblem(.conflict, "not_aborted",
                                       "bot \(bot)'s rollout is \(rollout.map { $0.phase.rawValue } ?? "not started"), not Aborted; only an aborted rollout can be retried")
            }
        case .undo:
            break
        }
    }

    /// The revision undo goes back to: the one asked for (kept, not the current one); by default
    /// the revision that served before the current rollout (its stable), else the newest kept one
    /// before `current` whose spec differs from it (an aborted revision never served; a revision
    /// with the current spec would change nothing). Pure; `conflict` when there is none.
    public static func undoTarget(bot: String, current: Int, wanted: Int?, kept: [(number: Int, hash: String)], stable: Int?) throws -> Int {
        let numbers = kept.map(\.number).sorted()
        let list = numbers.map(String.init).joined(separator: ", ")
        if let wanted {
            guard wanted != current else {
                throw OperationProblem(.conflict, "no_revision", "revision \(wanted) of \(bot) is the current one; kept: \(list)")
            }
            guard numbers.contains(wanted) else {
                throw OperationProblem(.conflict, "no_revision", "revision \(wanted) of \(bot) is not kept; kept: \(list)")
            }
            return wanted
        }
        if let stable, stable != current, numbers.contains(stable) { return stable }
        let currentHash = kept.first { $0.number == current }?.hash
        guard let target = kept.filter({ $0.number < current && $0.hash != currentHash }).map(\.number).max() else {
            throw OperationProblem(.conflict, "no_revision", "no kept revision of \(bot) before \(current) with another spec to go back to; kept: \(list)")
        }
        return target
    }
}
