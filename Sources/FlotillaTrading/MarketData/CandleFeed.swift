/// Where a running bot's candles come from: a CSV replay, the synthetic generator, or (later) a
/// live venue. A feed yields closed candles in time order.
public protocol CandleFeed: Sendable {
    /// The next closed candle, waiting as long as the feed's pace requires; nil when it ends.
    mutating func next() async throws -> Candle?
}

/// Replays candles at `speed` × real time: a 5-minute candle every 0.5 s at speed 600. Speed `nil`
/// replays as fast as possible. The clock is injected so tests run without sleeping.
public struct ReplayFeed<C: Clock>: CandleFeed where C.Duration == Swift.Duration {
    private var candles: [Candle]
    private var index: Int
    public let speed: Double?
    private let clock: C
    private var nextDeadline: C.Instant?
    private let anchor: C.Instant?

    /// - Parameter startAt: the index to resume from (after a restart, the first unseen candle).
    /// - Parameter anchor: when the candle at `startAt` is due, for a caller that polls (`nextDue`).
    public init(candles: [Candle], speed: Double?, clock: C, startAt: Int = 0, anchor: C.Instant? = nil) {
        self.candles = candles
        self.index = max(0, min(startAt, candles.count))
        self.speed = speed
        self.clock = clock
        self.anchor = anchor
    }

    public var position: Int { index }

    /// When the next candle is due, for a caller that polls instead of waiting (a fleet advances
    /// thousands of instances on one thread): the one at `startAt` at `anchor` (when not given: now),
    /// each after it its gap at `speed` after the one before. nil when the replay has ended.
    public var nextDue: C.Instant? {
        guard index < candles.count else { return nil }
        guard let last = nextDeadline else { return anchor ?? clock.now }
        guard let speed, speed > 0, index > 0 else { return last }
        return last.advanced(by: .milliseconds(Int64(Double(candles[index].time - candles[index - 1].time) / speed * 1000)))
    }

    /// Takes the next candle without waiting: a poller takes it once `nextDue` has come.
    public mutating func take() -> Candle? {
        guard let due = nextDue else { return nil }
        nextDeadline = due
        index += 1
        return candles[index - 1]
    }

    public mutating func next() async throws -> Candle? {
        guard index < candles.count else { return nil }
        let candle = candles[index]
        if let speed, speed > 0, index > 0 {
            let gap = Double(candle.time - candles[index - 1].time) / speed
            let deadline = (nextDeadline ?? clock.now).advanced(by: .milliseconds(Int64(gap * 1000)))
            try await clock.sleep(until: deadline, tolerance: nil)
            nextDeadline = deadline
        } else if nextDeadline == nil {
            nextDeadline = clock.now
        }
        index += 1
        return candle
    }
}

/// Seeded synthetic candles as a feed, paced like a replay.
public struct SyntheticFeed<C: Clock>: CandleFeed where C.Duration == Swift.Duration {
    private var generator: SyntheticCandles
    public let speed: Double?
    private let clock: C
    private var nextDeadline: C.Instant?

    public init(_ generator: SyntheticCandles, speed: Double?, clock: C) {
        self.generator = generator
        self.speed = speed
        self.clock = clock
    }

    public mutating func next() async throws -> Candle? {
        if let speed, speed > 0, let last = nextDeadline {
            let deadline = last.advanced(by: .milliseconds(Int64(Double(generator.interval) / speed * 1000)))
            try await clock.sleep(until: deadline, tolerance: nil)
            nextDeadline = deadline
        } else {
            nextDeadline = clock.now
        }
        return generator.next()
    }
}
