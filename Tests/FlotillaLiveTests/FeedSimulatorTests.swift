import FlotillaLive
import FlotillaTesting
import FlotillaTrading
import FlotillaVenueSimulator
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The simulated Binance playing a bundled candle file on a clock the test moves, shared with the
/// feeds reading it over loopback HTTP (`NetworkTransport` → `BinanceSimulatorApp`).
struct SimulatedMarket {
    static let btc = Symbol(base: "BTC", quote: "USDT")
    /// 2024-01-01T00:00:00Z: the file's first candle opens here.
    static let seriesStartMs: Int64 = 1_704_067_200_000

    let exchange: SimulatedBinance
    let clock: ManualWallClock
    let series: CandleSeries

    /// ETH_BTC-5m's candles, one per `interval`, with `played` of them closed and the next in progress.
    static func make(interval: CandleInterval, played: Int, balances: [String: Fixed] = [:]) async throws -> SimulatedMarket {
        let candles = try CandleFormat.read(path: Fixtures.bundledCandles("ETH_BTC-5m.csv").path)
        let now = seriesStartMs + Int64(played) * interval.seconds * 1000 + 5_000
        let exchange = SimulatedBinance(
            apiKey: "sim-api-key-0001", secretKey: "sim-secret-key-0001", now: now,
            markets: [SimulatedBinance.Market(symbol: btc, rules: VenueRules(lotSize: Fixed(units: 1), tickSize: Fixed(units: 1), minNotional: .zero),
                                              minQuantity: Fixed(units: 1), price: 1)],
            balances: balances)
        let series = CandleSeries(candles, interval: interval, startMs: seriesStartMs)
        await exchange.play(series, on: btc)
        return SimulatedMarket(exchange: exchange, clock: ManualWallClock(nowMs: now), series: series)
    }

    /// Simulated time moves for the exchange and the feeds alike.
    func advance(by ms: Int64) async {
        await exchange.advance(milliseconds: ms)
        clock.advance(by: ms)
    }

    /// Runs `body` with the simulator on a random loopback port. A failure inside is recorded,
    /// never thrown out of the live block (NIO traps on a server cancelled mid-connection).
    func live(_ body: @escaping @Sendable (_ baseURL: String) async throws -> Void) async throws {
        try await BinanceSimulatorApp.application(exchange).test(.live) { client in
            do {
                try await body("http://127.0.0.1:\(try #require(client.port))")
            } catch {
                Issue.record(error, "inside the simulator test")
            }
        }
    }

    func feeds(_ baseURL: String, backfill: Int = 500) -> MarketFeeds {
        MarketFeeds(endpoints: .all(baseURL), transport: NetworkTransport(timeout: .seconds(60)), clock: clock.feedClock, backfill: backfill,
                    polling: false)
    }
}

@Suite("A live feed against the simulated Binance over loopback HTTP", .serialized)
struct FeedSimulatorTests {
    @Test("it backfills the closed history and sees each new candle close as simulated time passes")
    func backfillsThenFollows() async throws {
        let market = try await SimulatedMarket.make(interval: .fiveMinutes, played: 700)
        try await market.live { baseURL in
            let feeds = market.feeds(baseURL)
            let key = FeedKey(venue: .binance, symbol: SimulatedMarket.btc, interval: .fiveMinutes)
            let s = try await feeds.subscribe(key, warmUp: 500)
            #expect(s.history.map(\.close) == market.series.candles[200..<700].map(\.close), "the newest 500 closed, not the one in progress")
            #expect(s.history.map(\.time) == market.series.candles[200..<700].map(\.time))
            for step in 0..<3 {
                await market.advance(by: 300_000)
                await feeds.pollAll()
                let got = s.drain()
                #expect(got == [market.series.candles[700 + step]], "candle \(step) closes and arrives once, exact")
            }
            #expect(await market.exchange.klineRequests(SimulatedMarket.btc) == 4, "one backfill request, one poll per candle")
            #expect(s.status.health == .current(lastOpen: market.series.candles[702].time))
        }
    }

    @Test("a backfill longer than a page is paged, and a restart of the poll after an outage fills the gap")
    func pagesAndGaps() async throws {
        let market = try await SimulatedMarket.make(interval: .oneMinute, played: 2_500)
        try await market.live { baseURL in
            let feeds = market.feeds(baseURL, backfill: 2_200)
            let s = try await feeds.subscribe(FeedKey(venue: .binance, symbol: SimulatedMarket.btc, interval: .oneMinute), warmUp: 2_200)
            #expect(s.history.count == 2_200)
            #expect(await market.exchange.klineRequests(SimulatedMarket.btc) == 3, "1,000 klines a page")
            // Ten minutes pass without a poll (the process was stopped, the network was down).
            await market.advance(by: 600_000)
            await feeds.pollAll()
            #expect(s.drain() == Array(market.series.candles[2_500..<2_510]))
            #expect(s.status.gapsFilled == 9)
        }
    }

    @Test("a symbol the venue does not list fails the subscription with the venue's answer")
    func unknownSymbol() async throws {
        let market = try await SimulatedMarket.make(interval: .oneMinute, played: 100)
        try await market.live { baseURL in
            let feeds = market.feeds(baseURL)
            do {
                _ = try await feeds.subscribe(FeedKey(venue: .binance, symbol: Symbol("NOPE-USDT")!, interval: .oneMinute), warmUp: 10)
                Issue.record("subscribed to a market that does not exist")
            } catch let error as FeedError {
                #expect(error.description.contains("binance NOPE-USDT 1m"))
                #expect(error.description.contains("Invalid symbol"))
            }
            #expect(await feeds.count == 0)
        }
    }
}
