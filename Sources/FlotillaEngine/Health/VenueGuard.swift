import FlotillaSpec
import Foundation

/// The error recovery around an instance's venue calls (the seeds'): a circuit breaker, retry
/// with exponential backoff, a rate limit, and the error tracker that auto-pauses the instance
/// after too many consecutive errors. Each candle's trading is one venue call. Pure value: the
/// instance asks it before each call and tells it how the call went.
struct VenueGuard: Sendable {
    private(set) var breaker: CircuitBreaker
    private var retry: RetryPolicy
    private var limiter: RateLimiter
    private(set) var errors: ErrorTracker
    private var retryAttempt = 0
    private var retryAtMs: Int64 = 0

    /// What a call came to.
    enum Outcome: Equatable {
        /// The venue answered: trade the candle.
        case answered
        /// Not now (breaker open, rate limit, retry backoff): the candle waits.
        case wait
        /// The venue failed the call; `autoPause` when that made too many in a row.
        case failed(autoPause: Bool)
    }

    init(spec: ResolvedBot) {
        func ms(_ key: SettingKey) -> Int64 { spec.timeSpan(key).milliseconds }
        func int(_ key: SettingKey) -> Int { NSDecimalNumber(decimal: spec.number(key)).intValue }
        breaker = CircuitBreaker(failureThreshold: int(.circuitBreakerFailures), recoveryMs: ms(.circuitBreakerRecovery))
        retry = RetryPolicy(attempts: int(.retryAttempts), initialMs: ms(.retryInitialDelay), maxMs: ms(.retryMaxDelay),
                            base: NSDecimalNumber(decimal: spec.number(.retryBackoffBase)).doubleValue)
        limiter = RateLimiter(calls: int(.rateLimitCalls), periodMs: ms(.rateLimitPeriod))
        errors = ErrorTracker(windowMs: ms(.errorWindow), autoPauseAfter: int(.autoPauseAfterErrors))
    }

    /// Guards one call: `answered` is asked only when the call may go out now.
    mutating func call(nowMs: Int64, answered: () -> Bool) -> Outcome {
        guard nowMs >= retryAtMs, breaker.allow(now: nowMs) else { return .wait }
        if case .failure(let limited) = limiter.acquire(now: nowMs) {
            retryAtMs = nowMs + limited.retryAfterMs
            return .wait
        }
        guard answered() else {
            breaker.recordFailure(now: nowMs)
            let pause = errors.recordError(now: nowMs)
            retryAtMs = nowMs + (retry.delay(attempt: retryAttempt) ?? retry.maxMs)
            retryAttempt = retry.delay(attempt: retryAttempt + 1) == nil ? retryAttempt : retryAttempt + 1
            return .failed(autoPause: pause)
        }
        breaker.recordSuccess()
        errors.recordSuccess()
        retryAttempt = 0
        return .answered
    }

    /// `bot reset-errors`: the error tracker, the breaker and the retry backoff start afresh.
    mutating func reset() {
        errors = ErrorTracker(windowMs: errors.windowMs, autoPauseAfter: errors.autoPauseAfter)
        breaker = CircuitBreaker(failureThreshold: breaker.failureThreshold, recoveryMs: breaker.recoveryMs)
        retryAttempt = 0
        retryAtMs = 0
    }

    /// A person resumed the instance: its run of errors ends.
    mutating func resumed() { errors.recordSuccess() }

    /// Consecutive errors and the breaker's state, for the instance's metrics.
    var consecutiveErrors: Int { errors.consecutive }
    var breakerState: CircuitBreaker.State { breaker.state }
}
