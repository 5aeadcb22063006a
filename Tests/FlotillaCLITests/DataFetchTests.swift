import FlotillaCLI
import FlotillaTesting
import FlotillaTrading
import FlotillaVenueSimulator
import FlotillaVenues
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `flotilla data fetch` pages a venue's candles into the CSV `flotilla backtest` reads; here the
/// venue is the simulated Binance on loopback, playing a bundled file.
@Suite("flotilla data fetch", .serialized)
struct DataFetchTests {
    static let btc = Symbol(base: "BTC", quote: "USDT")
    /// 2024-01-01T00:00:00Z
    static let t0: Int64 = 1_704_067_200

    /// 3,000 hourly candles from ETH_BTC-5m laid from t0 on; all of them closed by "now" — the real
    /// clock (the command reads only closed candles, by the wall clock), far past 2024.
    static func exchange() throws -> (SimulatedBinance, CandleSeries) {
        let candles = try CandleFormat.read(path: Fixtures.bundledCandles("ETH_BTC-5m.csv").path).prefix(3_000)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let exchange = SimulatedBinance(
            apiKey: "k", secretKey: "s", now: now,
            markets: [SimulatedBinance.Market(symbol: btc, rules: VenueRules(lotSize: Fixed(units: 1), tickSize: Fixed(units: 1), minNotional: .zero),
                                              minQuantity: Fixed(units: 1), price: 1)],
            balances: [:])
        return (exchange, CandleSeries(Array(candles), interval: .oneHour, startMs: t0 * 1000))
    }

    static func live(_ body: @escaping @Sendable (_ endpoint: String, _ exchange: SimulatedBinance, _ series: CandleSeries) async throws -> Void) async throws {
        let (exchange, series) = try exchange()
        await exchange.play(series, on: btc)
        try await BinanceSimulatorApp.application(exchange).test(.live) { client in
            do {
                try await body("http://127.0.0.1:\(try #require(client.port))", exchange, series)
            } catch {
                Issue.record(error, "inside the simulator test")
            }
        }
    }

    static func fetch(_ arguments: [String]) async -> (code: Int32, out: String, err: String) {
        let console = Console.capturing()
        let code = await CLI.run(["data", "fetch"] + arguments, console: console)
        return (code, console.output, console.errors)
    }

    @Test("it pages the range into a candle CSV that reads back exactly, and backtest reads it")
    func fetchesACSV() async throws {
        try await Self.live { endpoint, exchange, series in
            let dir = try Fixtures.temporaryDirectory()
            let file = dir.appendingPathComponent("btc-1h.csv").path
            let r = await Self.fetch(["--venue", "binance", "--symbol", "BTC-USDT", "--interval", "1h", "--start", "2024-01-01",
                                      "--end", "2024-03-01", "-o", file, "--endpoint", endpoint])
            #expect(r.code == 0, "\(r.err)")
            // 2024-01-01 … 2024-02-29 23:00: 60 days of hours.
            #expect(r.out.contains("Wrote 1440 1h candles of BTC-USDT from binance (2024-01-01T00:00:00Z … 2024-02-29T23:00:00Z)"), "\(r.out)")
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text.hasPrefix("timestamp,open,high,low,close,volume\n2024-01-01T00:00:00Z,"))
            let back = try CandleFormat.read(path: file)
            #expect(back == Array(series.candles[0..<1440]), "prices exact, volumes as the venue sent them")
            #expect(await exchange.klineRequests(Self.btc) == 2, "1,000 klines a page")
            // The example bot reads live candles; backtested on the fetched history, it trades.
            let console = Console.capturing()
            let code = await CLI.run(["backtest", "-f", Fixtures.repositoryRoot.appendingPathComponent("examples/bots.d/live-paper.yaml").path,
                                      "--data", file, "--json", "--dir", Fixtures.repositoryRoot.path], console: console)
            #expect(code == 0, "\(console.errors)")
            #expect(console.output.contains("\"candles\" : 1440") || console.output.contains("\"candles\":1440"), "\(console.output.prefix(600))")
        }
    }

    @Test("a bad range, an unknown symbol or a non-http endpoint is a clear error and writes nothing", arguments: [
        (["--start", "2024-02-01", "--end", "2024-01-01"], "is not after --start"),
        (["--start", "2999-01-01"], "is in the future"),
        (["--start", "2020-01-01", "--end", "2020-02-01"], "has no 1h candles for BTC-USDT"),
        (["--start", "yesterday"], "--start yesterday: write a date"),
        (["--start", "2024-01-01", "--symbol", "NOPE-USDT"], "binance has no market NOPE-USDT"),
        (["--start", "2024-01-01", "--symbol", "btcusdt"], "write BASE-QUOTE"),
        (["--start", "2024-01-01", "--interval", "7m"], "--interval 7m: write one of 1m, 5m"),
        (["--start", "2024-01-01", "--venue", "binanse"], "did you mean \"binance\""),
        (["--start", "2024-01-01", "--endpoint", "file:///etc/passwd"], "http:// or https://"),
    ] as [([String], String)])
    func refused(_ extra: [String], _ message: String) async throws {
        try await Self.live { endpoint, _, _ in
            let dir = try Fixtures.temporaryDirectory()
            let file = dir.appendingPathComponent("out.csv").path
            var args = ["--venue", "binance", "--symbol", "BTC-USDT", "--interval", "1h", "-o", file, "--endpoint", endpoint]
            // Later options win: the case's own values replace the defaults.
            args += extra
            let r = await Self.fetch(args)
            #expect(r.code != 0)
            #expect(r.err.contains(message), "\(r.err)")
            #expect(!FileManager.default.fileExists(atPath: file))
        }
    }
}
