import FlotillaLive
import FlotillaSpec
import FlotillaTesting
import FlotillaTrading
import Testing

/// Waits (without a deadline that measures speed: a bound so a broken test ends) until `condition` holds.
func eventually(_ what: String, _ condition: @Sendable () async -> Bool) async throws {
    for _ in 0..<2_000 {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    Issue.record("never happened: \(what)")
}

/// One feed against a scripted venue: backfill, closed candles as they complete, outages, staleness.
@Suite("A live candle feed")
struct FeedTests {
    static let t0: Int64 = 1_704_067_200  // 2024-01-01T00:00:00Z
    static let key = FeedKey(venue: .binance, symbol: Symbol("BTC-USDT")!, interval: .oneMinute)

    /// A venue with a candle every minute from t0 − 1000 min to t0 + 1000 min; time now: t0 + 5 s.
    static func venue() -> (ManualWallClock, ScriptedCandleSource) {
        let clock = ManualWallClock(nowMs: t0 * 1000 + 5_000)
        let source = ScriptedCandleSource(candles: ScriptedCandleSource.series(start: t0 - 60_000, interval: 60, count: 2_000),
                                          nowMs: { clock.nowMs })
        return (clock, source)
    }

    @Test("it backfills the newest closed candles for the warm-up, never the candle in progress")
    func backfill() async throws {
        let (clock, source) = Self.venue()
        let feed = LiveCandleFeed(key: Self.key, source: source, clock: clock.feedClock)
        try await feed.backfill(count: 500)
        let s = await feed.status
        #expect(s.delivered == 500)
        #expect(s.health == .current(lastOpen: Self.t0 - 60))
        #expect(source.requests == [.init(symbol: Self.key.symbol, start: Self.t0 - 500 * 60, end: Self.t0)])
    }

    @Test("each closed candle reaches every subscriber once, in order")
    func closedCandles() async throws {
        let (clock, source) = Self.venue()
        let feeds = MarketFeeds(clock: clock.feedClock, polling: false) { _ in source }
        let a = try await feeds.subscribe(Self.key, warmUp: 100)
        let b = try await feeds.subscribe(Self.key, warmUp: 30)
        #expect(a.history.count == 100 && b.history.count == 30)
        #expect(a.history.last == b.history.last)
        for _ in 0..<3 {
            clock.advance(by: 60_000)
            await feeds.pollAll()
        }
        let got = a.drain()
        #expect(got.map(\.time) == [Self.t0, Self.t0 + 60, Self.t0 + 120])
        #expect(b.drain() == got, "a canary and its stable see the same candles")
        #expect(a.drain().isEmpty, "each candle is delivered once")
    }

    @Test("duplicates and candles out of order from the venue are dropped")
    func dropsDuplicates() async throws {
        let (clock, source) = Self.venue()
        let feeds = MarketFeeds(clock: clock.feedClock, backfill: 10, polling: false) { _ in source }
        let s = try await feeds.subscribe(Self.key, warmUp: 10)
        source.duplicating(true)
        source.appendingStale(true)
        clock.advance(by: 60_000)
        await feeds.pollAll()
        clock.advance(by: 60_000)
        await feeds.pollAll()
        #expect(s.drain().map(\.time) == [Self.t0, Self.t0 + 60])
        #expect(s.status.duplicatesDropped == 2)
        #expect(s.status.outOfOrderDropped == 2)
    }

    @Test("after an outage the next poll fills the gap; meanwhile the feed turns stale and says why")
    func outageAndGapFill() async throws {
        let (clock, source) = Self.venue()
        let feeds = MarketFeeds(clock: clock.feedClock, backfill: 10, polling: false) { _ in source }
        let s = try await feeds.subscribe(Self.key, warmUp: 10)
        source.fail(next: 4)
        for _ in 0..<4 {
            clock.advance(by: 60_000)
            await feeds.pollAll()
        }
        #expect(s.drain().isEmpty)
        #expect(s.status.health.isStale, "four intervals without a closed candle")
        #expect(s.status.lastError?.contains("connection refused") == true)
        clock.advance(by: 60_000)
        await feeds.pollAll()
        #expect(s.drain().map(\.time) == (0..<5).map { Self.t0 + $0 * 60 }, "every missed candle, once, in order")
        #expect(s.status.health == .current(lastOpen: Self.t0 + 240))
        #expect(s.status.lastError == nil)
        #expect(s.status.gapsFilled == 4)
    }

    @Test("the poller sleeps to just after each boundary and asks only for what it has not seen")
    func alignedPolling() async throws {
        let (clock, source) = Self.venue()
        let feeds = MarketFeeds(clock: clock.feedClock, backfill: 10, graceMs: 1_500, polling: true) { _ in source }
        let s = try await feeds.subscribe(Self.key, warmUp: 10)
        try await eventually("the poller waits") { clock.sleepers == 1 }
        #expect(source.requests.count == 1, "only the backfill so far")
        clock.advance(by: 55_000 - 1)  // t0 + 59.999 s: before the boundary
        try await Task.sleep(for: .milliseconds(20))
        #expect(source.requests.count == 1)
        clock.advance(by: 1 + 1_500)  // t0 + 60 s + grace
        try await eventually("the poll") { source.requests.count == 2 }
        try await eventually("the candle") { s.status.delivered == 11 }
        #expect(source.requests.last == .init(symbol: Self.key.symbol, start: Self.t0, end: Self.t0 + 60))
        #expect(s.drain().map(\.time) == [Self.t0])
        s.cancel()
        try await eventually("the feed stops when its last reader leaves") { await feeds.count == 0 }
        try await eventually("and its poller with it") { clock.sleepers == 0 }
    }

    @Test("a history that can't be read fails the subscription with the venue's reason")
    func backfillFails() async throws {
        let (clock, source) = Self.venue()
        source.fail(next: 1)
        let feeds = MarketFeeds(clock: clock.feedClock, polling: false) { _ in source }
        await #expect(throws: FeedError.self) { _ = try await feeds.subscribe(Self.key, warmUp: 10) }
        #expect(await feeds.count == 0)
        // The venue answers again: the next reader starts the feed.
        _ = try await feeds.subscribe(Self.key, warmUp: 10)
        #expect(await feeds.count == 1)
    }

    @Test("a reader that never takes its candles holds up no one, and keeps only the newest")
    func slowReader() async throws {
        let (clock, source) = Self.venue()
        let feeds = MarketFeeds(clock: clock.feedClock, backfill: 10, polling: false) { _ in source }
        let slow = try await feeds.subscribe(Self.key, warmUp: 10)
        let fast = try await feeds.subscribe(Self.key, warmUp: 10)
        var seen: [Int64] = []
        for _ in 0..<20 {
            clock.advance(by: 60_000)
            await feeds.pollAll()
            seen += fast.drain().map(\.time)
        }
        #expect(seen.count == 20)
        #expect(slow.drain().map(\.time) == seen, "held for the slow reader, within its capacity")
        #expect(slow.dropped == 0)
    }
}
