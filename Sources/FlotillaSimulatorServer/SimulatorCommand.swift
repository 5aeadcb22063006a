import ArgumentParser
import FlotillaTrading
import FlotillaVenueSimulator
import FlotillaVenues
import Foundation
import Hummingbird

/// `flotilla-venue-simulator`: the simulated Binance Spot subset as a process of its own, so a
/// test can `kill -9` a `flotilla up` trading against it while the exchange — its orders, trades
/// and balances — lives on. Its clock is the wall clock; the market's price follows a candle
/// series laid onto it. The account's key and secret come from the environment, never argv.
@main
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flotilla-venue-simulator",
        abstract: "A loopback Binance Spot for tests and trials: signed requests checked, orders matched at a candle series' prices.",
        discussion: """
            The account's API key and secret key are read from FLOTILLA_SIM_API_KEY and FLOTILLA_SIM_SECRET_KEY.
            GET /simulator/state answers every order's client id, every trade and the balances.
            """)

    @Option(help: "Port on 127.0.0.1 (0: any free one).") var port = 0
    @Option(help: "Write the bound port to this file once listening.") var portFile: String?
    @Option(help: "The market, BASE-QUOTE.") var symbol = "BTC-USDT"
    @Option(help: "A candle CSV whose closes the price follows (default: the bundled ETH_BTC-5m.csv).") var candles: String?
    @Option(help: "The candles' interval on the exchange's clock: 1m, 5m, 15m, 30m, 1h, 2h, 6h or 1d.") var interval = "1m"
    @Option(help: "Candles already closed when it starts (history to backfill).") var played = 600
    @Option(help: "Starting balances, ASSET=AMOUNT (repeatable).") var balance: [String] = ["USDT=100000"]

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let apiKey = env["FLOTILLA_SIM_API_KEY"], !apiKey.isEmpty, let secret = env["FLOTILLA_SIM_SECRET_KEY"], !secret.isEmpty else {
            throw ValidationError("set FLOTILLA_SIM_API_KEY and FLOTILLA_SIM_SECRET_KEY: the account's key and secret")
        }
        guard let market = Symbol(symbol) else { throw ValidationError("--symbol \(symbol): expected BASE-QUOTE, e.g. BTC-USDT") }
        guard let candleInterval = CandleInterval.allCases.first(where: { $0.binance == interval }) else {
            throw ValidationError("--interval \(interval): one of \(CandleInterval.allCases.map(\.binance).joined(separator: ", "))")
        }
        var balances: [String: Fixed] = [:]
        for text in balance {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let amount = Fixed(parsing: parts[1]), amount >= .zero else {
                throw ValidationError("--balance \(text): expected ASSET=AMOUNT, e.g. USDT=10000")
            }
            balances[parts[0]] = amount
        }
        guard let path = candles ?? BundledData.path("ETH_BTC-5m.csv") else { throw ValidationError("the bundled candles are missing: pass --candles PATH") }
        let series = try CandleFormat.read(path: path)
        guard !series.isEmpty else { throw ValidationError("--candles \(path): no candles") }
        let now = Self.wallMs()
        let exchange = SimulatedBinance(
            apiKey: apiKey, secretKey: secret, now: now,
            markets: [SimulatedBinance.Market(symbol: market, rules: VenueRules(lotSize: Fixed(units: 1), tickSize: Fixed(units: 1), minNotional: .zero),
                                              minQuantity: Fixed(units: 1), price: series[0].close)],
            balances: balances)
        await exchange.play(CandleSeries(series, interval: candleInterval, startMs: now - Int64(played) * candleInterval.seconds * 1000), on: market)
        // The exchange's clock follows the wall clock.
        let ticker = Task {
            var last = now
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                let t = Self.wallMs()
                await exchange.advance(milliseconds: t - last)
                last = t
            }
        }
        defer { ticker.cancel() }
        let portFile = self.portFile
        let app = BinanceSimulatorApp.application(exchange, port: port, inspection: true) { bound in
            if let portFile { try? Data("\(bound)\n".utf8).write(to: URL(fileURLWithPath: portFile), options: .atomic) }
            print("flotilla-venue-simulator listening on http://127.0.0.1:\(bound)")
        }
        try await app.runService()
    }

    static func wallMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
}
