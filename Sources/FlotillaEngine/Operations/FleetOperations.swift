import FlotillaStore

/// The operations a person drives a fleet with, as one interface: `LocalOperations` works on the
/// store here (the reconciler of a `flotilla up` on it carries them out); the CLI's `--server`
/// mode implements the same interface over the HTTP API, whose handlers call `LocalOperations`'
/// parts. So a command means the same thing from every side.
public protocol FleetOperations: Sendable {
    func perform(_ action: BotAction, bot: String) async throws -> BotActionResult
    func send(_ request: RolloutRequest, bot: String) async throws -> RolloutCommandResult
    /// The fleet kill switch (`flotilla halt`, `POST /api/v1/halt`).
    func halt(_ request: FleetHaltRequest) async throws -> FleetHaltResult
    /// Lifts halts (`flotilla resume-all`, `POST /api/v1/resume-all`).
    func resumeAll(selector: [String: String]) async throws -> FleetHaltResult
}

/// The operations on a store on this machine.
public struct LocalOperations: FleetOperations {
    public let store: StateStore
    /// Who asks, for the apply lock a delete takes (e.g. `flotilla bot delete`).
    public let operation: String

    public init(store: StateStore, operation: String) {
        self.store = store
        self.operation = operation
    }

    public func perform(_ action: BotAction, bot: String) async throws -> BotActionResult {
        try BotControls(store: store).perform(action, bot: bot, operation: operation)
    }

    public func send(_ request: RolloutRequest, bot: String) async throws -> RolloutCommandResult {
        try RolloutCommands(store: store).send(request, bot: bot)
    }

    public func halt(_ request: FleetHaltRequest) async throws -> FleetHaltResult {
        try FleetHaltControls(store: store, requestedBy: "cli").halt(request)
    }

    public func resumeAll(selector: [String: String]) async throws -> FleetHaltResult {
        try FleetHaltControls(store: store, requestedBy: "cli").resumeAll(selector: selector)
    }
}
