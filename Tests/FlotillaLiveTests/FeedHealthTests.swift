import FlotillaAPI
import FlotillaEngine
import FlotillaLive
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Logging
import Testing

/// A stale live feed is visible: in the instance's metrics and in the bot's health.
@Suite("Stale live feeds in health", .serialized)
struct FeedHealthTests {
    @Test("a feed with no closed candle for over two intervals makes its bots Degraded, naming the feed and the venue's error; a poll that answers clears it")
    func staleFeedDegrades() async throws {
        let clock = ManualWallClock(nowMs: FeedTests.t0 * 1000 + 5_000)
        let source = ScriptedCandleSource(candles: ScriptedCandleSource.series(start: FeedTests.t0 - 60_000, interval: 60, count: 2_000),
                                          nowMs: { clock.nowMs })
        let feeds = MarketFeeds(clock: clock.feedClock, polling: false) { _ in source }
        let dir = try Fixtures.temporaryDirectory()
        let store = try StateStore(path: dir.appendingPathComponent("state.db").path)
        let fleet = Fleet(store: store, dataDirectory: nil, logger: Logger(label: "test"), feeds: feeds)
        try FeedPaperTradingTests.apply(try FeedPaperTradingTests.example(), to: store)
        try await fleet.reconcile(nowMs: clock.nowMs)
        func state() throws -> (InstanceMetrics, BotHealth) {
            let i = try #require(try FeedPaperTradingTests.running(store).first)
            let m = try FeedPaperTradingTests.metrics(i)
            return (m, BotHealth.of([BotHealth.Instance(id: i.id, phase: i.phase, heartbeatAgeSeconds: 0, metrics: m)]))
        }
        source.fail(next: 4)
        for _ in 0..<4 {
            clock.advance(by: 60_000)
            await feeds.pollAll()
            try await fleet.tick(nowMs: clock.nowMs)
        }
        var (m, health) = try state()
        let problem = try #require(m.marketData)
        #expect(problem.contains("live candles binance BTC-USDT 1m: stale"), "\(problem)")
        #expect(problem.contains("connection refused"), "\(problem)")
        #expect(health.status == .degraded)
        #expect(health.anomalies.contains(problem))
        clock.advance(by: 60_000)
        await feeds.pollAll()
        try await fleet.tick(nowMs: clock.nowMs)
        (m, health) = try state()
        #expect(m.marketData == nil)
        #expect(!health.anomalies.contains { $0.contains("live candles") })
    }
}
