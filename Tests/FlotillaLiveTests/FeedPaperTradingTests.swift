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

/// The example bot `examples/bots.d/live-paper.yaml` (paper venue, `source: { live: binance }`)
/// run by the fleet against the simulated Binance over loopback: it backfills, takes each closed
/// candle as it completes, and trades on paper at those prices.
@Suite("Paper trading on live candles", .serialized)
struct FeedPaperTradingTests {
    static func example(_ replacements: [String: String] = [:]) throws -> ResolvedBot {
        var text = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("examples/bots.d/live-paper.yaml"), encoding: .utf8)
        for (a, b) in replacements { text = text.replacingOccurrences(of: a, with: b) }
        return try #require(try Fixtures.resolve(text, file: "bots.d/live-paper.yaml").first)
    }

    static func apply(_ bot: ResolvedBot, to store: StateStore) throws {
        let lock = try store.acquireApplyLock(operation: "test", timeout: 1)
        defer { try? store.releaseApplyLock(lock) }
        let (serial, current) = try store.desiredState()
        let change: StateChange = current.contains { $0.name == bot.name } ? .replace(bot) : .create(bot)
        _ = try store.apply([change], expectedSerial: serial, lock: lock)
    }

    static func running(_ store: StateStore) throws -> [InstanceState] { try store.runtimeInstances().filter { $0.phase != .stopped } }

    static func metrics(_ state: InstanceState) throws -> InstanceMetrics {
        try JSONDecoder().decode(InstanceMetrics.self, from: Data(try #require(state.metricsJSON).utf8))
    }

    @Test("the example bot backfills, receives each new candle and trades on paper; its canary reads the same feed")
    func examplePaperTrades() async throws {
        let market = try await SimulatedMarket.make(interval: .oneMinute, played: 600)
        try await market.live { baseURL in
            let dir = try Fixtures.temporaryDirectory()
            let store = try StateStore(path: dir.appendingPathComponent("state.db").path)
            let feeds = market.feeds(baseURL)
            let fleet = Fleet(store: store, dataDirectory: nil, logger: Logger(label: "test"), feeds: feeds)
            let bot = try Self.example()
            #expect(bot.market.source.feed == .live(venue: .binance, account: nil))
            #expect(bot.venue.kind == .paper)
            try Self.apply(bot, to: store)
            var now = market.clock.nowMs
            try await fleet.reconcile(nowMs: now)
            var live = try Self.running(store)
            #expect(live.count == 1)
            #expect(live.first?.candlesSeen == 500, "warmed up on 500 backfilled candles")
            #expect(await feeds.count == 1)
            // Two hundred minutes of market: each candle closes, is polled and traded.
            for _ in 0..<200 {
                await market.advance(by: 60_000)
                now = market.clock.nowMs
                await feeds.pollAll()
                try await fleet.tick(nowMs: now)
            }
            live = try Self.running(store)
            let m = try Self.metrics(try #require(live.first))
            #expect(live.first?.candlesSeen == 700, "every closed candle once")
            #expect(m.buys > 0 && m.sells > 0, "it trades on paper: \(m.buys) buys, \(m.sells) sells")
            #expect(m.marketData == nil, "the feed is current")
            #expect(await market.exchange.klineRequests(SimulatedMarket.btc) == 201, "one backfill and one poll a minute for the bot")

            // A new revision starts as a canary beside its stable: one feed, two readers, the same candles.
            try Self.apply(try Self.example(["fast: 10": "fast: 12"]), to: store)
            try await fleet.reconcile(nowMs: now)
            live = try Self.running(store)
            #expect(Set(live.map(\.revision)) == [1, 2])
            #expect(await feeds.count == 1)
            #expect(await feeds.statuses().first?.subscribers == 2)
            let before = Dictionary(uniqueKeysWithValues: live.map { ($0.revision, $0.candlesSeen) })
            await market.advance(by: 60_000)
            await feeds.pollAll()
            try await fleet.tick(nowMs: market.clock.nowMs)
            live = try Self.running(store)
            for i in live { #expect(i.candlesSeen == before[i.revision]! + 1, "r\(i.revision) took the new candle") }
            #expect(await market.exchange.klineRequests(SimulatedMarket.btc) == 202, "still one poll a minute")
        }
    }

    @Test("a bot whose live history can't be read does not start, and says why")
    func unreadableHistory() async throws {
        let market = try await SimulatedMarket.make(interval: .oneMinute, played: 600)
        try await market.live { baseURL in
            let dir = try Fixtures.temporaryDirectory()
            let store = try StateStore(path: dir.appendingPathComponent("state.db").path)
            let fleet = Fleet(store: store, dataDirectory: nil, logger: Logger(label: "test"), feeds: market.feeds(baseURL))
            try Self.apply(try Self.example(["BTC-USDT": "DOGE-USDT"]), to: store)
            try await fleet.reconcile(nowMs: market.clock.nowMs)
            #expect(try Self.running(store).isEmpty)
            let events = try store.events(bot: "live-paper", limit: 20).map(\.message).joined(separator: "\n")
            #expect(events.contains("DOGE-USDT"), "\(events)")
            #expect(events.contains("Invalid symbol"), "\(events)")
        }
    }
}
