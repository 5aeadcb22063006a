// The run states people and the engine speak of, shared by the store (their raw values are
// its column values), the engine, the wire types and the CLI.

/// Instance lifecycle phases: pending → starting → running ⇄ paused → stopping → stopped, and failed.
/// Stored as its raw value in `instances.phase` (CHECK-constrained; a value another version wrote reads as `failed`).
public enum InstancePhase: String, Sendable, Codable, CaseIterable {
    case pending, starting, running, paused, stopping, stopped, failed
}

/// How an instance trades: with capital (`live`), or in shadow (live data, simulated fills, no
/// capital) — the deploy stages' names. Stored as its raw value in `instances.mode`.
public enum InstanceMode: String, Sendable, Codable, Equatable, CaseIterable {
    case live, shadow
}

/// What a person wants a bot to do (`flotilla bot start|stop|pause|resume`), kept per bot until
/// changed. The reconciler drives the bot's instances towards it on every pass (level-based).
public enum BotControl: String, Sendable, Codable, CaseIterable {
    /// Trading (the default for a bot with no control recorded).
    case running
    /// Working orders and positions kept; no new orders.
    case paused
    /// Working orders cancelled, positions kept; nothing trades.
    case stopped
}

/// Where a rollout stands. Unlike Argo Rollouts, an aborted rollout is `aborted`, not `degraded`:
/// stable runs fine (argo-rollouts#1624).
public enum RolloutPhase: String, Sendable, Codable, Equatable, CaseIterable {
    case progressing = "Progressing"
    /// Waiting for a person (`pause: {}`, an inconclusive analysis, or no auto-promotion).
    case paused = "Paused"
    /// The new revision is stable.
    case completed = "Completed"
    /// Rolled back to the previous stable revision (automatically or by `abort`); stable serves.
    case aborted = "Aborted"
    /// No progress within the deadline and no automatic rollback: needs a person.
    case degraded = "Degraded"

    /// `rollout status` exits 0 for these.
    public var isHealthy: Bool { self == .progressing || self == .paused || self == .completed }
}

/// An instance's circuit breaker on its venue: closed (calls go through), open (calls refused
/// until the recovery time passes), half-open (one trial call decides).
public enum BreakerState: String, Sendable, Codable, CaseIterable {
    case closed, open
    case halfOpen = "half-open"
}

/// A bot's health as every reader shows it (`BotHealth`, the bot view, `status`, the dashboard).
public enum HealthStatus: String, Sendable, Codable, CaseIterable {
    /// Score ≥ 80.
    case healthy
    /// Score ≥ 50, or the engine could not act on the bot's desired state (a degradation).
    case degraded
    /// Score < 50, an instance failed, or its emergency stop halted it.
    case unhealthy
    /// No instance runs, or none has sent a heartbeat for 30 s.
    case dead
    /// A person stopped it: nothing is wrong with it.
    case stopped
    /// Only in the files, not applied: nothing runs to judge (shown as "-").
    case unknown = "-"
}

// Interpolated into messages and tables, each says its stored name ("Aborted", "half-open", "-").
extension InstancePhase: CustomStringConvertible { public var description: String { rawValue } }
extension InstanceMode: CustomStringConvertible { public var description: String { rawValue } }
extension BotControl: CustomStringConvertible { public var description: String { rawValue } }
extension RolloutPhase: CustomStringConvertible { public var description: String { rawValue } }
extension BreakerState: CustomStringConvertible { public var description: String { rawValue } }
extension HealthStatus: CustomStringConvertible { public var description: String { rawValue } }
