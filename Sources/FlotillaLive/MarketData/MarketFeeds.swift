import FlotillaSpec
import FlotillaTrading
import FlotillaVenues
import Logging

/// The fleet's live candle feeds: one `LiveCandleFeed` (and one poller) per (venue, symbol,
/// interval), however many bots and instances read it — 1,000 bots on 50 symbols make 50 feeds.
/// A reader subscribes and gets the same candles as every other reader of the key (a canary and
/// its stable see the same market); when its last reader cancels, the feed stops.
public actor MarketFeeds {
    public typealias SourceMaker = @Sendable (FeedKey) throws -> any CandleSource

    private let makeSource: SourceMaker
    private let clock: FeedClock
    /// History a feed backfills when it starts (at least what the reader asks for).
    public let backfill: Int
    private let graceMs: Int64
    /// Whether feeds poll on their own (the runtime); tests and benchmarks may drive `pollAll()` instead.
    private let polling: Bool
    private let logger: Logger

    private struct Running {
        var feed: LiveCandleFeed
        var poller: Task<Void, Never>?
    }
    private var feeds: [FeedKey: Running] = [:]
    /// Feeds still backfilling: a second reader of the key waits for the same one.
    private var starting: [FeedKey: Task<LiveCandleFeed, any Error>] = [:]

    /// - Parameters:
    ///   - endpoints: where each venue's market data is read (the public URLs by default).
    ///   - transport: how requests go out (`NetworkTransport` in production).
    public init(endpoints: LiveEndpoints = .public, transport: any HTTPTransport, clock: FeedClock = .system, backfill: Int = 500,
                graceMs: Int64 = 1_500, polling: Bool = true, logger: Logger = Logger(label: "flotilla.feeds")) {
        self.init(clock: clock, backfill: backfill, graceMs: graceMs, polling: polling, logger: logger) { key in
            try VenueCandleSource.make(key.venue, baseURL: endpoints.baseURL(key.venue), transport: transport)
        }
    }

    /// Feeds reading candles from whatever `source` makes for a key (tests give a scripted one).
    public init(clock: FeedClock = .system, backfill: Int = 500, graceMs: Int64 = 1_500, polling: Bool = true,
                logger: Logger = Logger(label: "flotilla.feeds"), source: @escaping SourceMaker) {
        self.makeSource = source
        self.clock = clock
        self.backfill = max(1, backfill)
        self.graceMs = graceMs
        self.polling = polling
        self.logger = logger
    }

    /// A subscription to the key's feed, starting the feed (backfill, then its poller) if it is the
    /// first. Throws when the history can't be read (unknown symbol, venue unreachable): the
    /// reader can't warm up, so it does not start, and the error says why.
    public func subscribe(_ key: FeedKey, warmUp: Int) async throws -> FeedSubscription {
        while true {
            let feed = try await feed(for: key, warmUp: warmUp)
            let subscription = await feed.subscribe(warmUp: warmUp) { [weak self] key, id in
                guard let self else { return }
                Task { await self.release(key, id) }
            }
            if feeds[key]?.feed === feed { return subscription }
            // Its last reader left while this one joined, and the feed stopped: join a fresh one.
            _ = await feed.remove(subscription.id)
        }
    }

    private func feed(for key: FeedKey, warmUp: Int) async throws -> LiveCandleFeed {
        if let running = feeds[key] { return running.feed }
        if let pending = starting[key] {
            // Whoever resumes first after the backfill installs the feed (the waiters may run before its starter).
            do { return install(key, try await pending.value) } catch { throw FeedError(key: key, reason: "\(error)") }
        }
        let source = try makeSource(key)
        let feed = LiveCandleFeed(key: key, source: source, clock: clock, keep: max(backfill, warmUp) * 2, graceMs: graceMs)
        let count = max(backfill, warmUp)
        let task = Task { () async throws -> LiveCandleFeed in
            try await feed.backfill(count: count)
            return feed
        }
        starting[key] = task
        do {
            return install(key, try await task.value)
        } catch {
            if starting[key] == task { starting[key] = nil }
            throw FeedError(key: key, reason: "\(error)")
        }
    }

    /// Makes a backfilled feed the key's running one, with its poller (once).
    private func install(_ key: FeedKey, _ feed: LiveCandleFeed) -> LiveCandleFeed {
        if let running = feeds[key] { return running.feed }
        starting[key] = nil
        feeds[key] = Running(feed: feed, poller: polling ? Task { await feed.run() } : nil)
        logger.info("live candle feed started", metadata: ["feed": "\(key)"])
        return feed
    }

    /// A reader is gone; the last one stops the feed and its poller.
    func release(_ key: FeedKey, _ id: Int) async {
        guard let running = feeds[key] else { return }
        let left = await running.feed.remove(id)
        guard left == 0, feeds[key]?.feed === running.feed else { return }
        running.poller?.cancel()
        feeds[key] = nil
        logger.info("live candle feed stopped (no readers)", metadata: ["feed": "\(key)"])
    }

    /// Feeds running now.
    public var count: Int { feeds.count }

    public var keys: [FeedKey] { Array(feeds.keys) }

    /// Every feed's status.
    public func statuses() async -> [FeedStatus] {
        var out: [FeedStatus] = []
        for running in feeds.values { out.append(await running.feed.status) }
        return out.sorted { $0.key.description < $1.key.description }
    }

    /// Polls every feed once now (for a driver that moves time itself: tests, the benchmark).
    public func pollAll() async {
        await withTaskGroup(of: Void.self) { group in
            for running in feeds.values { group.addTask { await running.feed.poll() } }
        }
    }

    /// Stops every poller (the process is shutting down).
    public func shutdown() {
        for running in feeds.values { running.poller?.cancel() }
        feeds.removeAll()
    }
}

/// A live feed that could not start.
public struct FeedError: Error, Sendable, CustomStringConvertible {
    public var key: FeedKey
    public var reason: String

    public var description: String { "live candles \(key): \(reason)" }
}
