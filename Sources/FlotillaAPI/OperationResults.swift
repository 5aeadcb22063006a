import FlotillaSpec
import Foundation

/// What a bot action did, as the CLI prints it and the API returns it.
public struct BotActionResult: Codable, Sendable, Equatable {
    public var bot: String
    public var action: String
    /// The bot's control after it (`running`, `paused`, `stopped`); nil once deleted.
    public var state: BotControl?
    public var message: String

    public init(bot: String, action: String, state: BotControl?, message: String) {
        self.bot = bot
        self.action = action
        self.state = state
        self.message = message
    }
}

/// What a rollout command did.
public struct RolloutCommandResult: Codable, Sendable, Equatable {
    public var bot: String
    public var action: String
    /// For undo: the revision it goes back to.
    public var toRevision: Int?
    public var message: String

    public init(bot: String, action: String, toRevision: Int? = nil, message: String) {
        self.bot = bot
        self.action = action
        self.toRevision = toRevision
        self.message = message
    }
}
