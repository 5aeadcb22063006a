import FlotillaSpec
import Foundation

/// A one-shot command a person sent a bot (edge-triggered: each is taken by one reconcile pass).
/// Stored by its raw value; a value this version does not know is reported and dropped.
public enum BotCommandKind: String, Sendable, Codable, CaseIterable {
    /// Rollout commands (Argo Rollouts' promote, promote --full, abort, retry, undo).
    case promote, promoteFull, abort, retry, undo
    /// Resume an instance that paused itself after venue errors.
    case resume
    /// Forget venue errors, close the circuit breaker, lift an emergency stop.
    case resetErrors
    /// Stop each instance (working orders cancelled) and start it again from its persisted state,
    /// within one pass — what a process restart does, for one bot.
    case restart
}
