import FlotillaTrading
import Foundation

/// What the engine persists per bot besides instances: the rollout, the capital not allocated to
/// any instance (the reserve), and the analysis it is measuring.
struct RolloutEnvelope: Codable {
    var rollout: Rollout
    var reserve: Fixed
    var analysis: PendingAnalysis?
    /// The bot capital the reserve and instances account for; an in-place capital change moves the
    /// difference into (or out of) the reserve.
    var capital: Fixed? = nil
    /// Actions persisted but not yet confirmed done: replayed after a crash (every action is
    /// idempotent), then cleared.
    var pendingActions: [RolloutAction]? = nil
    /// Why the bot is Degraded, and when the engine tries again (nil: it is not).
    var degraded: Degradation? = nil
    /// PnL that came back to the reserve with the cash of instances that left live for shadow (their
    /// stored account is the shadow one since): the capital ledger counts it.
    var returnedPnL: Fixed? = nil

    struct PendingAnalysis: Codable {
        var template: String
        var candidate: Int
        var baseline: Int?
        var startedAt: Int64
        /// Each instance's counters and equity when the window started (by instance id): both
        /// revisions are judged on what happened since then. Persisted, so a restart mid-analysis
        /// judges the same window.
        var window: [String: AnalysisWindow.Start]? = nil
    }
}
