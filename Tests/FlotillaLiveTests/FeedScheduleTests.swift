import FlotillaLive
import FlotillaTesting
import FlotillaTrading
import Testing

/// The pure parts of a live feed: when candles close and polls go out, what a merge keeps.
@Suite("Live candle feeds: schedule and merge")
struct FeedScheduleTests {
    // 2024-01-01T00:00:00Z
    static let t0: Int64 = 1_704_067_200

    @Test("the newest closed candle is the one before the candle in progress", arguments: [
        // (interval s, now ms, newest closed open s)
        (60, (t0 + 0) * 1000, t0 - 60),
        (60, (t0 + 59) * 1000 + 999, t0 - 60),
        (60, (t0 + 60) * 1000, t0),
        (300, (t0 + 299) * 1000, t0 - 300),
        (3600, (t0 + 7200) * 1000 + 1, t0 + 3600),
    ] as [(Int64, Int64, Int64)])
    func lastClosed(interval: Int64, nowMs: Int64, expected: Int64) {
        #expect(CandleSchedule(intervalSeconds: interval, graceMs: 0).lastClosedOpen(atMs: nowMs) == expected)
    }

    @Test("a poll goes out just after each interval boundary, never at a past one", arguments: [
        // (interval s, grace ms, now ms, next poll ms)
        (60, 1_500, t0 * 1000, t0 * 1000 + 1_500),
        (60, 1_500, t0 * 1000 + 1_499, t0 * 1000 + 1_500),
        (60, 1_500, t0 * 1000 + 1_500, (t0 + 60) * 1000 + 1_500),
        (60, 1_500, t0 * 1000 + 30_000, (t0 + 60) * 1000 + 1_500),
        (300, 0, (t0 + 1) * 1000, (t0 + 300) * 1000),
    ] as [(Int64, Int64, Int64, Int64)])
    func nextPoll(interval: Int64, grace: Int64, nowMs: Int64, expected: Int64) {
        #expect(CandleSchedule(intervalSeconds: interval, graceMs: grace).nextPollMs(afterMs: nowMs) == expected)
    }

    @Test("a feed is stale once no closed candle came for more than two intervals", arguments: [
        // (last delivered open, now ms, stale?)
        (t0, (t0 + 60) * 1000 + 10, false),  // t0 is the newest closed
        (t0, (t0 + 120) * 1000 + 10, false),  // one missed
        (t0, (t0 + 180) * 1000 + 10, false),  // two missed
        (t0, (t0 + 240) * 1000 + 10, true),  // three missed
    ] as [(Int64, Int64, Bool)])
    func staleness(lastOpen: Int64, nowMs: Int64, stale: Bool) {
        let health = FeedStatus.health(lastOpen: lastOpen, schedule: CandleSchedule(intervalSeconds: 60, graceMs: 0), atMs: nowMs, started: true)
        #expect(health.isStale == stale, "\(health)")
    }

    static func candle(_ t: Int64) -> Candle {
        Candle(time: t, open: Fixed(units: t), high: Fixed(units: t), low: Fixed(units: t), close: Fixed(units: t), volume: 1)
    }

    struct MergeCase: Sendable, CustomStringConvertible {
        var name: String
        var lastOpen: Int64?
        /// Open times, minutes after t0, as the venue sent them.
        var batch: [Int64]
        /// Now, minutes after t0.
        var now: Int64
        var fresh: [Int64]
        var duplicates = 0, outOfOrder = 0, stillOpen = 0, misaligned = 0
        var description: String { name }
    }

    @Test("a merge delivers each closed candle once, in time order", arguments: [
        MergeCase(name: "closed candles after the last are delivered", lastOpen: 0, batch: [1, 2, 3], now: 4, fresh: [1, 2, 3]),
        MergeCase(name: "the candle in progress waits for a later poll", lastOpen: 0, batch: [1, 2], now: 2, fresh: [1], stillOpen: 1),
        MergeCase(name: "the last delivered candle again is a duplicate", lastOpen: 2, batch: [2, 3], now: 4, fresh: [3], duplicates: 1),
        MergeCase(name: "a candle repeated in one answer is a duplicate", lastOpen: 0, batch: [1, 1, 2], now: 3, fresh: [1, 2], duplicates: 1),
        MergeCase(name: "an older candle is out of order", lastOpen: 5, batch: [3, 6], now: 7, fresh: [6], outOfOrder: 1),
        MergeCase(name: "out of order within one answer", lastOpen: nil, batch: [1, 3, 2], now: 4, fresh: [1, 3], outOfOrder: 1),
        MergeCase(name: "a gap is no problem: what the venue has is delivered", lastOpen: 0, batch: [1, 4, 5], now: 6, fresh: [1, 4, 5]),
        MergeCase(name: "nothing before the first: everything closed is history", lastOpen: nil, batch: [0, 1, 2], now: 2, fresh: [0, 1], stillOpen: 1),
    ])
    func merge(_ c: MergeCase) {
        var ledger = CandleLedger(schedule: CandleSchedule(intervalSeconds: 60, graceMs: 0), lastOpen: c.lastOpen.map { Self.t0 + $0 * 60 })
        let merge = ledger.merge(c.batch.map { Self.candle(Self.t0 + $0 * 60) }, atMs: (Self.t0 + c.now * 60) * 1000)
        #expect(merge.fresh.map { ($0.time - Self.t0) / 60 } == c.fresh)
        #expect(merge.duplicates == c.duplicates)
        #expect(merge.outOfOrder == c.outOfOrder)
        #expect(merge.stillOpen == c.stillOpen)
        #expect(ledger.lastOpen == (c.fresh.last.map { Self.t0 + $0 * 60 } ?? c.lastOpen.map { Self.t0 + $0 * 60 }))
    }

    @Test("a candle off the interval's grid is dropped")
    func misaligned() {
        var ledger = CandleLedger(schedule: CandleSchedule(intervalSeconds: 60, graceMs: 0))
        let merge = ledger.merge([Self.candle(Self.t0 + 30), Self.candle(Self.t0 + 60)], atMs: (Self.t0 + 600) * 1000)
        #expect(merge.misaligned == 1)
        #expect(merge.fresh.map(\.time) == [Self.t0 + 60])
    }

    @Test("candle times print as ISO 8601 UTC and read back", arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"),
        (t0, "2024-01-01T00:00:00Z"),
        (Int64(1_515_560_100), "2018-01-10T04:55:00Z"),
        (Int64(951_782_400), "2000-02-29T00:00:00Z"),
    ])
    func isoTimes(seconds: Int64, text: String) {
        #expect(CandleTime.iso(seconds) == text)
        #expect(CandleTime.parse(text) == seconds)
    }

    @Test("a range bound may be a date, a UTC time, an offset time or Unix seconds", arguments: [
        ("2024-01-01", t0), ("2024-01-01T00:00:00Z", t0), ("2024-01-01T01:00:00+01:00", t0), ("1704067200", t0),
        ("1704067200000", t0),
    ])
    func parseBounds(text: String, seconds: Int64) { #expect(CandleTime.parse(text) == seconds) }

    @Test("a bound that is not a time is refused", arguments: ["yesterday", "2024-13-01", "", "-5", "2024-01-01T25:00:00Z"])
    func badBounds(text: String) { #expect(CandleTime.parse(text) == nil) }

    @Test("market data endpoints must be http or https with a host", arguments: [
        ("https://api.binance.com", true), ("http://127.0.0.1:8080", true), ("file:///etc/passwd", false),
        ("ftp://example.com", false), ("api.binance.com", false), ("http://", false), ("gopher://x", false),
    ])
    func endpoints(url: String, ok: Bool) { #expect((LiveEndpoints.problem(with: url) == nil) == ok) }
}

@Suite("Fetching candle history")
struct CandleDownloadTests {
    static let t0 = FeedScheduleTests.t0

    @Test("a read that times out or is refused is sent again, and the history comes whole")
    func retries() async throws {
        let now = (Self.t0 + 3_600) * 1000
        let source = ScriptedCandleSource(candles: ScriptedCandleSource.series(start: Self.t0, interval: 60, count: 100), nowMs: { now })
        source.fail(next: 1)
        let candles = try await CandleDownload.fetch(from: source, venue: "binance", symbol: Symbol("BTC-USDT")!, interval: .oneMinute,
                                                     start: Self.t0, end: Self.t0 + 6_000, nowMs: now)
        #expect(candles.count == 60, "the hour that has closed")
        #expect(source.requests.count == 2)
    }

    @Test("a venue that stays down is a problem that says so, after three tries")
    func givesUp() async throws {
        let now = (Self.t0 + 3_600) * 1000
        let source = ScriptedCandleSource(candles: [], nowMs: { now })
        source.fail(next: 10)
        await #expect(throws: CandleDownload.Problem.self) {
            _ = try await CandleDownload.fetch(from: source, venue: "binance", symbol: Symbol("BTC-USDT")!, interval: .oneMinute,
                                               start: Self.t0, end: Self.t0 + 600, nowMs: now)
        }
        #expect(source.requests.count == 3)
    }
}
