import FlotillaLive
import FlotillaSpec
import FlotillaTesting
import FlotillaTrading
import Testing

/// One subscription per (venue, symbol, interval) for the whole fleet.
@Suite("The fleet's live feeds")
struct FeedFleetTests {
    static let t0 = FeedTests.t0

    @Test("1,000 readers on 50 symbols make 50 feeds, and each poll is one request per symbol")
    func oneFeedPerSymbol() async throws {
        let clock = ManualWallClock(nowMs: Self.t0 * 1000 + 5_000)
        let sources = (0..<50).map { _ in
            ScriptedCandleSource(candles: ScriptedCandleSource.series(start: Self.t0 - 60_000, interval: 60, count: 2_000), nowMs: { clock.nowMs })
        }
        let symbols = (0..<50).map { Symbol(base: "C\($0)", quote: "USDT") }
        let feeds = MarketFeeds(clock: clock.feedClock, backfill: 100, polling: false) { key in
            sources[symbols.firstIndex(of: key.symbol)!]
        }
        var subscriptions: [FeedSubscription] = []
        try await withThrowingTaskGroup(of: FeedSubscription.self) { group in
            for bot in 0..<1_000 {
                let key = FeedKey(venue: .binance, symbol: symbols[bot % 50], interval: .oneMinute)
                group.addTask { try await feeds.subscribe(key, warmUp: 100) }
            }
            for try await s in group { subscriptions.append(s) }
        }
        #expect(await feeds.count == 50)
        #expect(sources.allSatisfy { $0.requests.count == 1 }, "one backfill per symbol, shared by its 20 readers")
        clock.advance(by: 60_000)
        await feeds.pollAll()
        #expect(sources.allSatisfy { $0.requests.count == 2 }, "one poll per symbol")
        #expect(subscriptions.allSatisfy { $0.drain().map(\.time) == [Self.t0] })
        let statuses = await feeds.statuses()
        #expect(statuses.count == 50 && statuses.allSatisfy { $0.subscribers == 20 && $0.requests == 2 })
    }

    @Test("readers on different intervals or venues of a symbol read different feeds")
    func keysApart() async throws {
        let clock = ManualWallClock(nowMs: Self.t0 * 1000 + 5_000)
        let source = ScriptedCandleSource(candles: ScriptedCandleSource.series(start: Self.t0 - 600_000, interval: 60, count: 20_000),
                                          nowMs: { clock.nowMs })
        let feeds = MarketFeeds(clock: clock.feedClock, backfill: 10, polling: false) { _ in source }
        let btc = Symbol("BTC-USDT")!
        _ = try await feeds.subscribe(FeedKey(venue: .binance, symbol: btc, interval: .oneMinute), warmUp: 10)
        _ = try await feeds.subscribe(FeedKey(venue: .binance, symbol: btc, interval: .fiveMinutes), warmUp: 10)
        _ = try await feeds.subscribe(FeedKey(venue: .coinbase, symbol: btc, interval: .oneMinute), warmUp: 10)
        _ = try await feeds.subscribe(FeedKey(venue: .binance, symbol: btc, interval: .oneMinute), warmUp: 10)
        #expect(await feeds.count == 3)
    }

    @Test("when the last reader of a symbol leaves, its feed stops; the others go on")
    func releases() async throws {
        let clock = ManualWallClock(nowMs: Self.t0 * 1000 + 5_000)
        let source = ScriptedCandleSource(candles: ScriptedCandleSource.series(start: Self.t0 - 60_000, interval: 60, count: 2_000), nowMs: { clock.nowMs })
        let feeds = MarketFeeds(clock: clock.feedClock, backfill: 10, polling: false) { _ in source }
        let a = try await feeds.subscribe(FeedKey(venue: .binance, symbol: Symbol("BTC-USDT")!, interval: .oneMinute), warmUp: 10)
        let b = try await feeds.subscribe(FeedKey(venue: .binance, symbol: Symbol("BTC-USDT")!, interval: .oneMinute), warmUp: 10)
        let c = try await feeds.subscribe(FeedKey(venue: .binance, symbol: Symbol("ETH-USDT")!, interval: .oneMinute), warmUp: 10)
        a.cancel()
        a.cancel()
        try await eventually("a leaves") { await feeds.statuses().first?.subscribers == 1 }
        #expect(await feeds.count == 2)
        b.cancel()
        try await eventually("BTC's feed stops") { await feeds.count == 1 }
        #expect(await feeds.keys.map(\.symbol) == [Symbol("ETH-USDT")!])
        clock.advance(by: 60_000)
        await feeds.pollAll()
        #expect(c.drain().count == 1)
        #expect(b.drain().isEmpty, "a cancelled reader gets nothing")
    }
}
