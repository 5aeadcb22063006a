import FlotillaSpec
import FlotillaStore
import Foundation

/// What a person can do to a bot: `flotilla bot ACTION NAME` and `POST /api/v1/bots/{name}/{action}`.
public enum BotAction: String, CaseIterable, Sendable, Codable {
    case start, stop, pause, resume, restart
    /// Forget venue errors, close the circuit breaker, lift an emergency stop, resume an auto-paused bot.
    case resetErrors = "reset-errors"
    /// Remove the bot from the state (its instances stop); its file is left alone.
    case delete
}

/// Bot control, the one way through for the CLI, the API and tests: each action is a control
/// (level: the reconciler drives the instances towards it every pass) plus, where it needs one,
/// a command the next pass carries out once — both written in one transaction. Restart is a
/// command of its own (`BotCommandKind.restart`), never a stop and a start written back to back,
/// which a pass in between may never see.
public struct BotControls: Sendable {
    public let store: StateStore

    public init(store: StateStore) { self.store = store }

    /// Carries out `action` on `bot`, which must be in the state. `operation` names who asked, for
    /// the apply lock a delete takes.
    @discardableResult
    public func perform(_ action: BotAction, bot: String, operation: String) throws -> BotActionResult {
        let current = try Self.requireBot(bot, store: store)
        let control = try store.botControls()[bot] ?? .running
        func done(_ state: BotControl?, _ message: String) -> BotActionResult {
            BotActionResult(bot: bot, action: action.rawValue, state: state, message: message)
        }
        switch action {
        case .start:
            try OperationProblem.forBot(bot) { try store.setBotControl(bot: bot, to: .running) }
            return done(.running, "bot \(bot): start requested")
        case .resume:
            try OperationProblem.forBot(bot) { try store.setBotControl(bot: bot, to: .running, commands: [.resume]) }
            return done(.running, "bot \(bot): resume requested")
        case .stop:
            try OperationProblem.forBot(bot) { try store.setBotControl(bot: bot, to: .stopped) }
            return done(.stopped, "bot \(bot): stop requested (working orders are cancelled, positions kept)")
        case .pause:
            try OperationProblem.forBot(bot) { try store.setBotControl(bot: bot, to: .paused) }
            return done(.paused, "bot \(bot): pause requested (no new orders; working orders and positions kept)")
        case .restart:
            // A stopped bot restarted starts; a paused one comes back paused.
            if control == .stopped {
                try OperationProblem.forBot(bot) { try store.setBotControl(bot: bot, to: .running, commands: [.restart]) }
                return done(.running, "bot \(bot): restart requested (it was stopped: it starts)")
            }
            try OperationProblem.forBot(bot) { try store.sendCommand(bot: bot, .restart) }
            return done(control, "bot \(bot): restart requested")
        case .resetErrors:
            try OperationProblem.forBot(bot) { try store.sendCommand(bot: bot, .resetErrors) }
            return done(control, "bot \(bot): reset-errors requested")
        case .delete:
            try Project.withApplyLock(store, operation: operation, timeout: 30) { lock in
                _ = try store.apply([.delete(name: current.name)], expectedSerial: try store.stateSerial(), lock: lock)
            }
            return done(nil, "bot \(bot) deleted from the state; its instances stop. Its file is untouched: delete it too, or the next apply creates the bot again.")
        }
    }

    /// The bot as applied, or `notFound` naming the closest bot the state has.
    @discardableResult
    public static func requireBot(_ name: String, store: StateStore) throws -> AppliedBot {
        if let problem = Name.problem(with: name) { throw OperationProblem(.invalid, "bad_name", "\"\(name.prefix(70))\" is not a bot name: \(problem)") }
        if let bot = try store.desiredBot(named: name) { return bot }
        let names = try store.desiredState(decode: { _, _ in false }).bots.map(\.name)
        throw OperationProblem(.notFound, "no_bot", "no bot \"\(name)\" in the state\(Suggestion.hint(for: name, among: names)); apply it first")
    }
}
