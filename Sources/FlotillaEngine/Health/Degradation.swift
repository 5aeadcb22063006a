import Foundation
import NIOConcurrencyHelpers

/// A bot the engine could not bring to its desired state — its new revision failed to start, an
/// instance could not be restored, a persisted action could not be carried out, its reconcile pass
/// threw. One bot's failure is that bot's: it is Degraded with the reason (in `get bots`, the API's
/// bot view, events and `/readyz` details) while the rest of the fleet runs, and the engine tries
/// again with exponential backoff — 1 s, 2 s, 4 s … up to `maxBackoffMs` — rather than on every
/// reconcile pass. Persisted with the bot's rollout, so a restart keeps the reason and the backoff.
public struct Degradation: Codable, Sendable, Equatable {
    /// What failed, and so what trying again means.
    public enum Cause: String, Codable, Sendable {
        /// The rollout's candidate failed to start; the rollout aborted to stable. Trying again
        /// retries the rollout (`rollout retry`).
        case candidateStart
        /// Actions that must still happen (the rest of a batch after a failed start that was not
        /// the candidate's, or a persisted batch that failed after a crash). Trying again carries
        /// them out.
        case pendingActions
        /// An instance in the store could not be restored (its data did not load). Trying again
        /// restores it.
        case restore
        /// The reconcile pass threw. Trying again reconciles the bot.
        case reconcile
        /// The persisted rollout could not be read. The bot is left alone (its instances trade on,
        /// no new rollout starts over them); trying again reads it again.
        case rolloutState
    }

    public var cause: Cause
    public var reason: String
    /// The revision concerned, if any.
    public var revision: Int?
    /// Wall time (ms) of the first failure and of the next attempt; failed attempts so far.
    public var since: Int64
    public var retryAt: Int64
    public var attempts: Int

    public static let initialBackoffMs: Int64 = 1_000
    public static let maxBackoffMs: Int64 = 30_000

    public init(cause: Cause, reason: String, revision: Int?, now: Int64) {
        self.cause = cause
        self.reason = reason
        self.revision = revision
        self.since = now
        self.attempts = 1
        self.retryAt = now + Self.initialBackoffMs
    }

    /// Another attempt failed (perhaps for another reason): the wait doubles, up to the cap.
    public mutating func failedAgain(cause: Cause, reason: String, revision: Int?, now: Int64) {
        self.cause = cause
        self.reason = reason
        self.revision = revision
        attempts += 1
        let shift = Int64(min(attempts - 1, 20))
        retryAt = now + min(Self.maxBackoffMs, Self.initialBackoffMs << shift)
    }

    public func isDue(_ now: Int64) -> Bool { now >= retryAt }
}

/// The degraded bots as the HTTP side reads them (`/readyz` details), republished after each
/// reconcile pass — readable without waiting for the fleet's thread.
public final class DegradedBots: Sendable {
    private let current = NIOLockedValueBox<[String: Degradation]>([:])

    func replace(_ bots: [String: Degradation]) { current.withLockedValue { $0 = bots } }

    /// Bot name → why it is degraded.
    public var bots: [String: Degradation] { current.withLockedValue { $0 } }
}
