import Foundation

/// The router's clock and its waits, injectable: the system's in production, a virtual clock in
/// the fault suite (a wait there moves time on instead of sleeping).
public struct OrderTiming: Sendable {
    /// Unix milliseconds.
    public var now: @Sendable () -> Int64
    /// Waits this many milliseconds.
    public var sleep: @Sendable (Int64) async -> Void

    public init(now: @escaping @Sendable () -> Int64, sleep: @escaping @Sendable (Int64) async -> Void) {
        self.now = now
        self.sleep = sleep
    }

    public static let system = OrderTiming(
        now: { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) },
        sleep: { ms in try? await Task.sleep(nanoseconds: UInt64(max(0, ms)) * 1_000_000) })
}

/// How hard the router tries, and how long "not found" means "not yet known".
public struct OrderRouterPolicy: Sendable, Equatable {
    /// Sends of one intent (the first and its retries) before it is left UNKNOWN for resolution.
    public var maxSends: Int
    /// Calls of one cancel before it gives up for now (the order stays working; cancel again).
    public var maxCancels: Int
    /// The first retry waits this long (ms), doubling each time up to `maxBackoff`; a venue's
    /// Retry-After is waited out in full when it is longer.
    public var backoff: Int64
    public var maxBackoff: Int64
    /// How long (ms) after an outcome became unknown a query that finds nothing still means "not
    /// yet known"; past it, it means "not placed".
    public var notFoundGrace: Int64

    public init(maxSends: Int = 5, maxCancels: Int = 5, backoff: Int64 = 250, maxBackoff: Int64 = 8_000, notFoundGrace: Int64 = 30_000) {
        self.maxSends = maxSends
        self.maxCancels = maxCancels
        self.backoff = backoff
        self.maxBackoff = maxBackoff
        self.notFoundGrace = notFoundGrace
    }

    /// The wait (ms) before retry number `attempt` (1 for the first retry).
    public func wait(attempt: Int, retryAfterSeconds: Int?) -> Int64 {
        let exponential = min(maxBackoff, backoff << Int64(min(max(0, attempt - 1), 20)))
        return max(exponential, Int64(retryAfterSeconds ?? 0) * 1000)
    }
}
