/// How a live candle feed is doing, for health and the API.
public enum FeedHealth: Sendable, Equatable, CustomStringConvertible {
    /// Backfilling history; no candle yet.
    case starting
    /// The newest closed candle has arrived (open time, Unix seconds).
    case current(lastOpen: Int64)
    /// No closed candle for more than two intervals: `missed` intervals since the last one.
    case stale(lastOpen: Int64?, missed: Int64)

    public var isStale: Bool {
        if case .stale = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .starting: "starting"
        case .current(let t): "current (last candle \(t))"
        case .stale(let t, let missed): "stale: no closed candle for \(missed) intervals" + (t.map { " (last \($0))" } ?? "")
        }
    }
}

/// One feed's figures: health, the venue's last error, requests sent, candles delivered and dropped.
public struct FeedStatus: Sendable, Equatable {
    public var key: FeedKey
    public var health: FeedHealth
    /// The last failed request's error (cleared by the next success).
    public var lastError: String?
    /// Market-data requests sent to the venue (backfill pages and polls).
    public var requests: Int
    public var delivered: Int
    public var duplicatesDropped: Int
    public var outOfOrderDropped: Int
    public var gapsFilled: Int
    public var subscribers: Int

    public init(key: FeedKey, health: FeedHealth = .starting, lastError: String? = nil, requests: Int = 0, delivered: Int = 0,
                duplicatesDropped: Int = 0, outOfOrderDropped: Int = 0, gapsFilled: Int = 0, subscribers: Int = 0) {
        self.key = key
        self.health = health
        self.lastError = lastError
        self.requests = requests
        self.delivered = delivered
        self.duplicatesDropped = duplicatesDropped
        self.outOfOrderDropped = outOfOrderDropped
        self.gapsFilled = gapsFilled
        self.subscribers = subscribers
    }

    /// Stale when the newest delivered candle is more than two intervals old (pure, so tested).
    public static func health(lastOpen: Int64?, schedule: CandleSchedule, atMs nowMs: Int64, started: Bool) -> FeedHealth {
        guard let lastOpen else { return started ? .stale(lastOpen: nil, missed: 0) : .starting }
        let missed = schedule.missedIntervals(since: lastOpen, atMs: nowMs)
        return missed > 2 ? .stale(lastOpen: lastOpen, missed: missed) : .current(lastOpen: lastOpen)
    }
}
