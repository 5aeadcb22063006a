import Foundation

/// The fleet's time: wall-clock milliseconds. The fleet is told the time (`tick(nowMs:)`,
/// `reconcile(nowMs:)`), so tests drive it; an instance paces its replay (`ReplayFeed`) on these
/// instants, polling what is due by the time it is told.
public struct FleetClock: Clock {
    public struct Instant: InstantProtocol, Hashable, Sendable {
        /// Milliseconds since the epoch.
        public var ms: Int64

        public init(ms: Int64) { self.ms = ms }

        public func advanced(by duration: Duration) -> Instant {
            let c = duration.components
            return Instant(ms: ms + c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000)
        }

        public func duration(to other: Instant) -> Duration { .milliseconds(other.ms - ms) }

        public static func < (a: Instant, b: Instant) -> Bool { a.ms < b.ms }
    }

    public init() {}

    public var now: Instant { Instant(ms: Int64(Date().timeIntervalSince1970 * 1000)) }
    public var minimumResolution: Duration { .milliseconds(1) }

    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let wait = now.duration(to: deadline)
        if wait > .zero { try await Task.sleep(for: wait) }
    }
}
