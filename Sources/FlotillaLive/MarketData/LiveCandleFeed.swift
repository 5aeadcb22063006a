import FlotillaTrading
import FlotillaVenues
import NIOConcurrencyHelpers

/// One live candle feed: a venue's closed candles of one (symbol, interval), for every reader in
/// the fleet. It backfills history when it starts, then polls the venue's REST candles once per
/// interval, just after each boundary, asking for everything since the last candle it delivered —
/// so an outage or a missed poll is filled by the next poll that answers. Duplicates, candles older
/// than the last delivered and the still-open current candle are dropped (`CandleLedger`); no
/// closed candle for more than two intervals makes the feed stale (`FeedHealth`).
public actor LiveCandleFeed {
    public nonisolated let key: FeedKey
    let source: any CandleSource
    let clock: FeedClock
    public nonisolated let schedule: CandleSchedule
    private var ledger: CandleLedger
    /// The newest closed candles, oldest first, kept for readers that join later.
    private var history: [Candle] = []
    private let keep: Int
    private var subscribers: [Int: FeedSubscription] = [:]
    private var nextSubscriber = 1
    private var requests = 0
    private var lastError: String?
    private var started = false
    /// The status as any thread reads it (each subscription holds it too).
    nonisolated let statusBox: NIOLockedValueBox<FeedStatus>

    public init(key: FeedKey, source: any CandleSource, clock: FeedClock, keep: Int = 1_000, graceMs: Int64 = 1_500) {
        self.key = key
        self.source = source
        self.clock = clock
        self.keep = max(1, keep)
        self.schedule = CandleSchedule(interval: key.interval, graceMs: graceMs)
        self.ledger = CandleLedger(schedule: schedule)
        self.statusBox = NIOLockedValueBox(FeedStatus(key: key))
    }

    /// Fetches the `count` newest closed candles (paged by the adapter). Throws the venue's error
    /// when the history can't be read: the first reader's start fails with it, and says why.
    public func backfill(count: Int) async throws {
        let now = clock.nowMs()
        let newest = schedule.lastClosedOpen(atMs: now)
        let from = newest - Int64(max(0, count - 1)) * schedule.intervalSeconds
        let start = ledger.nextWanted(orBackfillFrom: from)
        try await fetch(from: start, atMs: now, backfill: true)
        started = true
        publish(atMs: clock.nowMs())
    }

    /// One poll: everything since the last delivered candle up to now. A failure is recorded
    /// (status, stale after two intervals) and the next poll asks again from the same place.
    public func poll() async {
        let now = clock.nowMs()
        let start = ledger.nextWanted(orBackfillFrom: schedule.lastClosedOpen(atMs: now))
        do { try await fetch(from: start, atMs: now, backfill: false) } catch {}
        publish(atMs: clock.nowMs())
    }

    private func fetch(from start: Int64, atMs now: Int64, backfill: Bool) async throws {
        let end = schedule.lastClosedOpen(atMs: now) + schedule.intervalSeconds
        guard start < end else { return }
        requests += 1
        let batch: [Candle]
        do {
            batch = try await source.candles(key.symbol, interval: key.interval, start: start, end: end)
            lastError = nil
        } catch {
            lastError = "\(error)"
            throw error
        }
        let merge = ledger.merge(batch, atMs: clock.nowMs())
        ledger.countGapFill(merge, wasBackfill: backfill)
        guard !merge.fresh.isEmpty else { return }
        history.append(contentsOf: merge.fresh)
        if history.count > keep { history.removeFirst(history.count - keep) }
        if !backfill { for s in subscribers.values { s.deliver(merge.fresh) } }
    }

    /// Polls aligned to the interval until cancelled.
    public func run() async {
        while !Task.isCancelled {
            let at = schedule.nextPollMs(afterMs: clock.nowMs())
            do { try await clock.sleepUntilMs(at) } catch { return }
            if Task.isCancelled { return }
            await poll()
        }
    }

    /// A new reader: the newest `warmUp` candles as its history, every later one delivered.
    func subscribe(warmUp: Int, onCancel: @escaping @Sendable (FeedKey, Int) -> Void) -> FeedSubscription {
        let id = nextSubscriber
        nextSubscriber += 1
        let s = FeedSubscription(key: key, id: id, history: Array(history.suffix(max(0, warmUp))), status: statusBox, onCancel: onCancel)
        subscribers[id] = s
        publish(atMs: clock.nowMs())
        return s
    }

    /// Forgets a reader; returns how many are left.
    func remove(_ id: Int) -> Int {
        subscribers[id] = nil
        publish(atMs: clock.nowMs())
        return subscribers.count
    }

    public var subscriberCount: Int { subscribers.count }

    public var status: FeedStatus {
        publish(atMs: clock.nowMs())
        return statusBox.withLockedValue { $0 }
    }

    private func publish(atMs now: Int64) {
        let s = FeedStatus(key: key, health: FeedStatus.health(lastOpen: ledger.lastOpen, schedule: schedule, atMs: now, started: started),
                           lastError: lastError, requests: requests, delivered: ledger.delivered,
                           duplicatesDropped: ledger.duplicatesDropped, outOfOrderDropped: ledger.outOfOrderDropped,
                           gapsFilled: ledger.gapsFilled, subscribers: subscribers.count)
        statusBox.withLockedValue { $0 = s }
    }
}
