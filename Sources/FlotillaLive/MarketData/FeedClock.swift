import Foundation

/// The wall clock a feed aligns its polls to, injected so tests move time by hand.
public struct FeedClock: Sendable {
    /// Unix milliseconds now.
    public var nowMs: @Sendable () -> Int64
    /// Suspends until `nowMs()` reaches the time (or the task is cancelled: then it throws).
    public var sleepUntilMs: @Sendable (Int64) async throws -> Void

    public init(nowMs: @escaping @Sendable () -> Int64, sleepUntilMs: @escaping @Sendable (Int64) async throws -> Void) {
        self.nowMs = nowMs
        self.sleepUntilMs = sleepUntilMs
    }

    public static let system = FeedClock(
        nowMs: { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) },
        sleepUntilMs: { target in
            let now = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
            if target > now { try await Task.sleep(for: .milliseconds(target - now)) }
        })
}
