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
        switch request {
        case .promote(let full):
            try store.sendCommand(bot: bot, full ? .promoteFull : .promote)
            return RolloutCommandResult(bot: bot, action: request.action, message: "rollout \(bot): \(full ? "full promotion" : "promotion") requested")
        case .abort:
            try store.sendCommand(bot: bot, .abort)
            return RolloutCommandResult(bot: bot, action: request.action, message: "rollout \(bot): abort requested")
        case .retry:
            try store.sendCommand(bot: bot, .retry)
            return RolloutCommandResult(bot: bot, action: request.action, message: "rollout \(bot): retry requested")
        case .undo(let wanted):
            let target = try Self.undoTarget(bot: bot, current: applied.revision, wanted: wanted, kept: try store.revisions(of: bot).map(\.number))
            try store.sendCommand(bot: bot, .undo, argument: target)
            return RolloutCommandResult(
                bot: bot, action: request.action, toRevision: target,
                message: "rollout \(bot): undo to revision \(target) requested (the files still hold the newer spec; edit them to match)")
        }
    }

    /// The revision undo goes back to: the one asked for, or the newest kept one before `current`.
    /// Pure; `conflict` when there is none.
    public static func undoTarget(bot: String, current: Int, wanted: Int?, kept: [Int]) throws -> Int {
        let target = wanted ?? kept.filter { $0 < current }.max()
        guard let target, kept.contains(target), target != current else {
            let asked = wanted.map { "revision \($0)" } ?? "a revision before \(current)"
            throw OperationProblem(.conflict, "no_revision",
                                   "\(asked) of \(bot) is not kept, or is the current one; kept: \(kept.sorted().map(String.init).joined(separator: ", "))")
        }
        return target
    }
}
