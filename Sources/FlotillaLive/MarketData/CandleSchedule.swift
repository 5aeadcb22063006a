import FlotillaVenues

/// When candles close, and when to ask for them: a candle opened at `t` closes at `t + interval`;
/// a poll goes out `graceMs` after each boundary (venues publish a closed candle a moment after
/// its close). Pure arithmetic on Unix times, so it is tested with tables.
public struct CandleSchedule: Sendable, Equatable {
    /// Candle length, seconds.
    public var intervalSeconds: Int64
    /// How long after a boundary the poll goes out, milliseconds.
    public var graceMs: Int64

    public init(interval: CandleInterval, graceMs: Int64 = 1_500) {
        self.init(intervalSeconds: interval.seconds, graceMs: graceMs)
    }

    public init(intervalSeconds: Int64, graceMs: Int64) {
        self.intervalSeconds = max(1, intervalSeconds)
        self.graceMs = max(0, graceMs)
    }

    private var intervalMs: Int64 { intervalSeconds * 1000 }

    /// The open time (Unix seconds) of the newest candle that has closed by `nowMs`.
    public func lastClosedOpen(atMs nowMs: Int64) -> Int64 {
        floorDiv(nowMs, intervalMs) * intervalSeconds - intervalSeconds
    }

    /// Whether the candle opened at `openTime` (Unix seconds) has closed by `nowMs`.
    public func isClosed(openTime: Int64, atMs nowMs: Int64) -> Bool {
        (openTime + intervalSeconds) * 1000 <= nowMs
    }

    /// Whether `openTime` lies on the interval's grid (a venue's candle always does).
    public func isAligned(_ openTime: Int64) -> Bool { openTime % intervalSeconds == 0 }

    /// When the next poll goes out after `nowMs`: the next boundary plus the grace. A poll that
    /// runs late (the process was busy) is not skipped: the next one simply comes at the boundary after.
    public func nextPollMs(afterMs nowMs: Int64) -> Int64 {
        let boundary = floorDiv(nowMs, intervalMs) * intervalMs
        let thisOne = boundary + graceMs
        return thisOne > nowMs ? thisOne : boundary + intervalMs + graceMs
    }

    /// Closed-candle intervals passed since the candle opened at `lastOpen` closed (0 while it is
    /// the newest closed candle).
    public func missedIntervals(since lastOpen: Int64, atMs nowMs: Int64) -> Int64 {
        max(0, (lastClosedOpen(atMs: nowMs) - lastOpen) / intervalSeconds)
    }

    private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
}
