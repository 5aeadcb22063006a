import FlotillaSpec
/// The seeds' circuit breaker: closed → open after `failureThreshold` consecutive failures; open
/// refuses calls for `recoveryMs`; then half-open lets one trial call through — success closes it,
/// failure opens it again. Times are milliseconds; pure value.
public struct CircuitBreaker: Sendable, Codable, Equatable {
    public typealias State = BreakerState

    public let failureThreshold: Int
    public let recoveryMs: Int64
    public private(set) var state: State = .closed
    public private(set) var consecutiveFailures = 0
    private var openedAt: Int64 = 0
    private var trialInFlight = false

    public init(failureThreshold: Int = 5, recoveryMs: Int64 = 60_000) {
        self.failureThreshold = failureThreshold
        self.recoveryMs = recoveryMs
    }

    /// Whether a call may go out now.
    public mutating func allow(now: Int64) -> Bool {
        switch state {
        case .closed: return true
        case .open:
            guard now - openedAt >= recoveryMs else { return false }
            state = .halfOpen
            trialInFlight = true
            return true
        case .halfOpen:
            if trialInFlight { return false }
            trialInFlight = true
            return true
        }
    }

    public mutating func recordSuccess() {
        state = .closed
        consecutiveFailures = 0
        trialInFlight = false
    }

    public mutating func recordFailure(now: Int64) {
        consecutiveFailures += 1
        trialInFlight = false
        if state == .halfOpen || consecutiveFailures >= failureThreshold {
            state = .open
            openedAt = now
        }
    }
}

/// Retry with exponential backoff: `initial × base^attempt`, capped at `max`; `attempts` retries.
public struct RetryPolicy: Sendable, Codable, Equatable {
    public let attempts: Int
    public let initialMs: Int64
    public let maxMs: Int64
    public let base: Double

    public init(attempts: Int = 3, initialMs: Int64 = 1000, maxMs: Int64 = 60_000, base: Double = 2) {
        self.attempts = attempts
        self.initialMs = initialMs
        self.maxMs = maxMs
        self.base = base
    }

    /// The delay before retry number `attempt` (0-based), or nil when no retries are left.
    public func delay(attempt: Int) -> Int64? {
        guard attempt < attempts else { return nil }
        let raw = Double(initialMs) * pow(base, Double(attempt))
        return min(maxMs, Int64(raw.rounded()))
    }
}

/// At most `calls` calls in any window of `periodMs` (a sliding log of recent calls).
public struct RateLimiter: Sendable, Codable, Equatable {
    public let calls: Int
    public let periodMs: Int64
    private var recent: [Int64] = []

    public init(calls: Int = 100, periodMs: Int64 = 60_000) {
        self.calls = calls
        self.periodMs = periodMs
    }

    /// Takes a slot now, or says how long until one frees up.
    public mutating func acquire(now: Int64) -> Result<Void, RateLimited> {
        recent.removeAll { now - $0 >= periodMs }
        guard recent.count < calls else {
            return .failure(RateLimited(retryAfterMs: periodMs - (now - recent[0])))
        }
        recent.append(now)
        return .success(())
    }

    public struct RateLimited: Error, Sendable, Equatable {
        public var retryAfterMs: Int64
    }
}

/// Errors over a sliding window, and the run of consecutive errors that triggers auto-pause.
public struct ErrorTracker: Sendable, Codable, Equatable {
    public let windowMs: Int64
    public let autoPauseAfter: Int
    private var times: [Int64] = []
    public private(set) var consecutive = 0

    public init(windowMs: Int64 = 3_600_000, autoPauseAfter: Int = 10) {
        self.windowMs = windowMs
        self.autoPauseAfter = autoPauseAfter
    }

    /// Records an error; returns true when the bot should pause now.
    public mutating func recordError(now: Int64) -> Bool {
        times.append(now)
        times.removeAll { now - $0 >= windowMs }
        consecutive += 1
        return consecutive == autoPauseAfter
    }

    public mutating func recordSuccess() { consecutive = 0 }

    public func count(now: Int64) -> Int { times.filter { now - $0 < windowMs }.count }
}

/// The watchdog's memory of one instance's restarts: exponential backoff between restarts, and a
/// crash loop — `loopLimit` restarts within `loopWindowMs` — marks the instance failed for good.
public struct RestartTracker: Sendable, Codable, Equatable {
    public let loopLimit: Int
    public let loopWindowMs: Int64
    public let backoff: RetryPolicy
    private var restarts: [Int64] = []

    public init(loopLimit: Int = 5, loopWindowMs: Int64 = 600_000, backoff: RetryPolicy = RetryPolicy(attempts: 100, initialMs: 1000, maxMs: 60_000, base: 2)) {
        self.loopLimit = loopLimit
        self.loopWindowMs = loopWindowMs
        self.backoff = backoff
    }

    public enum Verdict: Sendable, Equatable {
        case restartAt(Int64)
        case crashLoop(restarts: Int)
    }

    /// What to do about an instance that just became unhealthy.
    public mutating func unhealthy(now: Int64) -> Verdict {
        restarts.removeAll { now - $0 >= loopWindowMs }
        if restarts.count >= loopLimit { return .crashLoop(restarts: restarts.count) }
        let delay = backoff.delay(attempt: restarts.count) ?? backoff.maxMs
        restarts.append(now + delay)
        return .restartAt(now + delay)
    }
}

import Foundation
