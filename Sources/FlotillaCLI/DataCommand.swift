import ArgumentParser
import FlotillaLive
import FlotillaSpec
import FlotillaTrading
import Foundation

/// `flotilla data fetch`: a venue's candle history into the CSV `flotilla backtest --data` reads.
struct DataCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Market data: fetch a venue's candle history into a CSV for flotilla backtest.",
        subcommands: [Fetch.self])

    func run(console: Console) async throws { console.line(DataCommand.helpMessage()) }

    struct Fetch: ConsoleCommand {
        static let configuration = CommandConfiguration(
            commandName: "fetch",
            abstract: "Page a venue's public candles over a time range into a CSV (timestamp,open,high,low,close,volume).",
            discussion: """
                Only closed candles are written, oldest first, each once; the range is [--start, --end). \
                No API key is needed: market data is public. The file is what flotilla backtest --data reads.
                """)

        @Option(help: "binance or coinbase.") var venue: String
        @Option(help: "The market, BASE-QUOTE, e.g. BTC-USDT.") var symbol: String
        @Option(help: "Candle length: 1m, 5m, 15m, 30m, 1h, 2h, 6h or 1d.") var interval: String
        @Option(help: "First candle time: a date (2024-01-01), an ISO 8601 UTC time or Unix seconds.") var start: String
        @Option(help: "End of the range (exclusive); default: now.") var end: String?
        @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Where to write the CSV.", valueName: "file.csv"))
        var output: String
        @Option(help: ArgumentHelp("The venue's base URL instead of its public one (a simulator, a proxy); http or https only.", valueName: "URL"))
        var endpoint: String?

        var liveVenue: MarketSource.LiveVenue? { MarketSource.LiveVenue(rawValue: venue) }
        var candleInterval: CandleInterval? { CandleInterval(rawValue: interval) }

        func validate() throws {
            let venues = MarketSource.LiveVenue.allCases.map(\.rawValue)
            guard liveVenue != nil else {
                throw ValidationError("--venue \(venue): unknown venue\(Suggestion.hint(for: venue, among: venues)); write \(venues.joined(separator: " or "))")
            }
            guard Market.isSymbol(symbol), Symbol(symbol) != nil else {
                throw ValidationError("--symbol \(symbol.prefix(40)): write BASE-QUOTE in capitals, e.g. BTC-USDT")
            }
            guard candleInterval != nil else {
                throw ValidationError("--interval \(interval): write one of \(CandleInterval.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard CandleTime.parse(start) != nil else {
                throw ValidationError("--start \(start.prefix(40)): write a date (2024-01-01), a UTC time (2024-01-01T00:00:00Z) or Unix seconds")
            }
            if let end, CandleTime.parse(end) == nil {
                throw ValidationError("--end \(end.prefix(40)): write a date (2024-01-08), a UTC time (2024-01-08T00:00:00Z) or Unix seconds")
            }
            if let endpoint, let problem = LiveEndpoints.problem(with: endpoint) { throw ValidationError("--endpoint \(endpoint.prefix(80)): \(problem)") }
            guard !output.isEmpty, !output.hasSuffix("/") else { throw ValidationError("-o \(output): name a file to write, e.g. btc-1h.csv") }
        }

        func run(console: Console) async throws {
            let venue = liveVenue!, interval = candleInterval!, symbol = Symbol(symbol)!
            let nowMs = FeedClock.system.nowMs()
            let startSeconds = CandleTime.parse(start)!
            let endSeconds = end.flatMap(CandleTime.parse) ?? nowMs / 1000
            let url = URL(fileURLWithPath: output)
            var isDirectory: ObjCBool = false
            let parent = url.deletingLastPathComponent().path
            guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw UsageProblem("-o \(output): the directory \(parent) does not exist; create it first")
            }
            let base = endpoint ?? LiveEndpoints.public.baseURL(venue)
            let source = try VenueCandleSource.make(venue, baseURL: base, transport: NetworkTransport(timeout: .seconds(30)))
            let candles: [Candle]
            do {
                candles = try await CandleDownload.fetch(from: source, venue: venue.rawValue, symbol: symbol, interval: interval,
                                                         start: startSeconds, end: endSeconds, nowMs: nowMs)
            } catch let problem as CandleDownload.Problem {
                throw UsageProblem(problem.message)
            } catch {
                throw UsageProblem("\(venue.rawValue) candles could not be read: \(error)")
            }
            do {
                try Data(CandleDownload.csv(candles).utf8).write(to: url, options: .atomic)
            } catch {
                throw UsageProblem("-o \(output): cannot write the file (\(error.localizedDescription))")
            }
            console.line("Wrote \(candles.count) \(interval.rawValue) candle\(candles.count == 1 ? "" : "s") of \(symbol) from \(venue.rawValue) "
                         + "(\(CandleTime.iso(candles.first!.time)) … \(CandleTime.iso(candles.last!.time))) to \(output)")
        }
    }
}
