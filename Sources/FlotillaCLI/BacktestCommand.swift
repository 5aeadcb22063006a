import ArgumentParser
import FlotillaEngine
import FlotillaSpec
import FlotillaTrading
import Foundation

struct BacktestCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Replay candles through a bot's strategy, risk manager and the paper venue, exactly as a live bot runs them.",
        discussion: """
            Fill model: orders placed on a candle's close fill on the next candle — market orders at its open \
            (plus slippage), limit and stop orders when its range reaches their price; stop-loss and take-profit \
            orders are placed once the entry fills. The JSON shape is in docs/backtest-json.md.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: [.customShort("f"), .customLong("file")], help: "A bot spec file (profiles come from DIR/profiles).")
    var specFile: String

    @Option(help: "The bot to run when the file holds several.") var bot: String?

    @Option(help: "Candles CSV (timestamp,open,high,low,close,volume). Default: the spec's replay source.")
    var data: String?

    @Option(help: "First candle time, ISO 8601 (2018-01-12 or 2018-01-12T00:00:00Z).") var from: String?
    @Option(help: "Last candle time, ISO 8601.") var to: String?
    @Option(help: "Fee per side, e.g. 0.1% or 0.001.") var fee: String = "0.1%"
    @Option(name: .customLong("slippage-bps"), help: "Slippage of market and stop fills, basis points.") var slippageBps: Int = 0
    @Option(help: "Lot size (quantity step).") var lot: String = "0.00000001"
    @Flag(help: "Print the report as JSON.") var json = false
    @Flag(name: .customLong("live-model"),
          help: "An llm bot: ask its model on every candle (costs calls and tokens; budgets apply) instead of replaying its recorded decisions.")
    var liveModel = false
    @Option(help: "An llm bot: replay the decisions recorded for this revision (default: the newest revision with any).") var revision: Int?
    @Option(help: ArgumentHelp("Also write a self-contained HTML page: equity and drawdown, the price with entries and exits, the statistics.",
                               valueName: "file.html"))
    var report: String?

    func validate() throws {
        try global.refuseServer("backtest", because: "replays candles locally")
        if let report { try ReportFile.check(report) }
    }

    func run(console: Console) async throws {
        let specText: String
        switch ProjectFile.check(specFile, inside: nil, maxBytes: YAMLReader.Limits.specFiles.maxBytes) {
        case .failure(let problem): throw UsageProblem("\(specFile): the file \(problem)")
        case .success(let file):
            guard let bytes = file.read(maxBytes: YAMLReader.Limits.specFiles.maxBytes) else { throw UsageProblem("cannot read \(specFile)") }
            specText = String(decoding: bytes, as: UTF8.self)
        }
        let profiles = try SpecLoader.load(global.readLayout).profiles
        let profileSources = profiles.values.map { p in
            SpecSource(name: p.file, text: (try? String(contentsOf: global.root.appendingPathComponent(p.file), encoding: .utf8)) ?? "", kind: .profile)
        }
        let specs = try SpecLoader.load(sources: profileSources + [SpecSource(name: specFile, text: specText, kind: .bot)],
                                        accountsOf: global.readLayout)
        let chosen: ResolvedBot
        if let bot {
            guard let found = specs.bot(named: bot) else {
                throw UsageProblem("\(specFile) has no bot \"\(bot)\"\(Suggestion.hint(for: bot, among: specs.bots.map(\.name)))")
            }
            chosen = found
        } else {
            guard specs.bots.count == 1 else {
                throw UsageProblem("\(specFile) holds \(specs.bots.count) bots (\(specs.bots.map(\.name).joined(separator: ", "))); choose one with --bot")
            }
            chosen = specs.bots[0]
        }

        var candles = try loadCandles(for: chosen)
        if let from {
            guard let t = Self.parseTime(from) else { throw UsageProblem("--from \(from): write a date such as 2018-01-12 or 2018-01-12T06:00:00Z") }
            candles.removeAll { $0.time < t }
        }
        if let to {
            guard let t = Self.parseTime(to) else { throw UsageProblem("--to \(to): write a date such as 2018-01-20 or 2018-01-20T06:00:00Z") }
            candles.removeAll { $0.time > t }
        }
        guard !candles.isEmpty else { throw UsageProblem("no candles between --from and --to") }

        guard let feeRate = Self.parseFee(fee) else { throw UsageProblem("--fee \(fee): write a fee such as 0.1% or 0.001") }
        guard let lotSize = Fixed(parsing: lot), lotSize.units > 0 else { throw UsageProblem("--lot \(lot): write a positive quantity step such as 1 or 0.001") }
        guard let cash = TradingBridge.fixed(chosen.capital.quote) else { throw UsageProblem("capital \(chosen.capital.quote) has more than 8 decimal places") }
        let venue = PaperVenue(cash: cash, rules: VenueRules(
            lotSize: lotSize, tickSize: Fixed(units: 1), makerFee: feeRate, takerFee: feeRate, slippageBps: Int64(slippageBps),
            allowShort: !chosen.strategy.longOnly))
        var recorded: [Int64: Decision] = [:]
        var modelLines: [String] = []
        if chosen.strategy.kind == .llm {
            (recorded, modelLines) = try await modelDecisions(for: chosen, candles: candles, venue: venue, console: console)
        } else if liveModel || revision != nil {
            throw UsageProblem("--live-model and --revision are for kind: llm bots; \(chosen.name) is \(chosen.strategy.kind.rawValue)")
        }
        let result = try TradingBridge.backtest(chosen, candles: candles, venue: venue, curve: report != nil, recorded: recorded)
        if let report {
            let page = BacktestPage(report: result, bot: chosen.name, strategy: chosen.strategy.kind.rawValue, symbol: chosen.market.symbols[0],
                                    interval: chosen.market.interval.description)
            try ReportFile.write(page.html(), to: report)
        }
        if json {
            console.line(try jsonText(result))
        } else {
            console.write(Self.render(result, bot: chosen))
            for line in modelLines { console.line(line) }
            if let report { console.line("Report written to \(report)") }
        }
    }

    /// An llm bot's decisions by candle: recorded ones from the state store, or the model's
    /// answers now (`--live-model`); and the lines the report adds about them.
    private func modelDecisions(for bot: ResolvedBot, candles: [Candle], venue: PaperVenue, console: Console) async throws
        -> ([Int64: Decision], [String])
    {
        let symbol = bot.market.symbols[0]
        func pad(_ s: String) -> String { s.padding(toLength: 22, withPad: " ", startingAt: 0) }
        if liveModel {
            let (decisions, calls) = try await ModelBacktest.askLive(bot, candles: candles, venue: venue, access: ModelAccess(store: nil))
            var holds: [String: Int] = [:]
            for c in calls { if let h = c.hold { holds[h.kind, default: 0] += 1 } }
            let tokens = calls.reduce(0) { $0 + $1.tokens.total }
            let made = calls.filter { if case .budget? = $0.hold { false } else { true } }
            let latency = made.isEmpty ? 0 : Double(made.reduce(0) { $0 + $1.latencyMs }) / Double(made.count) / 1000
            var lines = [pad("Model calls") + "\(made.count) to \(bot.strategy.llm?.endpointKey ?? "?") (live) for \(calls.count) candles, \(tokens) tokens, "
                         + "mean latency " + String(format: "%.2f s", latency)]
            if !holds.isEmpty { lines.append(pad("HOLD not by the model") + holds.keys.sorted().map { "\($0) \(holds[$0]!)" }.joined(separator: ", ")) }
            if holds["budget"] != nil { lines.append(pad("") + "budgets apply to --live-model: raise maxCallsPerHour / dailyTokenBudget or narrow --from/--to") }
            return (decisions, lines)
        }
        let path = global.resolvedStatePath
        guard FileManager.default.fileExists(atPath: path) else {
            throw UsageProblem("\(bot.name) is an llm bot: its backtest replays the decisions recorded in the state store, and there is none at \(path); "
                               + "run it (flotilla up), point --state at the store, or pass --live-model to ask the model now")
        }
        let store = try global.openStore()
        let (decisions, records) = try ModelBacktest.recorded(store, bot: bot.name, revision: revision, symbol: symbol)
        let coverage = ModelBacktest.coverage(candles: candles, records: records)
        var lines = [pad("Recorded decisions") + (coverage.revision.map { "revision \($0): " } ?? "")
                     + "\(coverage.recorded) of \(candles.count) candles; \(coverage.missing) without a record are HOLD \"no recorded decision\""]
        if !coverage.holds.isEmpty {
            lines.append(pad("Recorded HOLD reasons") + coverage.holds.keys.sorted().map { "\($0) \(coverage.holds[$0]!)" }.joined(separator: ", "))
        }
        if coverage.recorded == 0 {
            lines.append(pad("") + "no model call of \(bot.name)\(revision.map { " revision \($0)" } ?? "") on \(symbol) is recorded for these candles; --live-model asks the model")
        }
        return (decisions, lines)
    }

    private func loadCandles(for bot: ResolvedBot) throws -> [Candle] {
        // A file named with --data is the person's own choice, read where it is; a spec's replay
        // name is looked up next to the spec, then among the bundled sets (the rule `up` uses).
        let name: String
        let files: CandleFiles
        let specDirectory = URL(fileURLWithPath: specFile).deletingLastPathComponent().standardizedFileURL
        if let data {
            name = data
            files = CandleFiles(root: nil, base: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        } else if let file = bot.market.source.replayFile(for: bot.market.symbols[0]) {
            name = file
            // Inside the project (--dir) a spec may replay the project's files, as under `up`;
            // a spec elsewhere only files next to it.
            let project = global.root.standardizedFileURL
            let inside = specDirectory.path == project.path || specDirectory.path.hasPrefix(project.path + "/")
            files = CandleFiles(root: inside ? project : specDirectory, base: specDirectory)
        } else if case .synthetic(let seed, let start, let vol, let drift) = bot.market.source.feed {
            let candles = SyntheticCandles(
                seed: UInt64(seed), start: try TradingBridge.money(start, "spec.market.source.synthetic.startPrice"),
                interval: Int64(bot.market.interval.seconds), volatilityPct: TradingBridge.double(vol), driftPct: TradingBridge.double(drift))
            return Array(candles.prefix(10_000))
        } else if case .live(let venue, _) = bot.market.source.feed {
            throw UsageProblem("\(bot.name) reads live candles; fetch history first and pass it: flotilla data fetch --venue \(venue.rawValue) "
                               + "--symbol \(bot.market.symbols[0]) --interval \(bot.market.interval) --start 2024-01-01 -o history.csv, then --data history.csv")
        } else {
            throw UsageProblem("pass --data FILE")
        }
        do {
            return try files.read(name)
        } catch {
            throw UsageProblem(error.message)
        }
    }

    /// `none`, or `3 (12 candles missing); longest 2h5m, 2018-01-12T10:00:00Z → 2018-01-12T12:05:00Z`.
    static func gapsText(_ g: CandleGaps) -> String {
        guard g.count > 0, let after = g.largestAfter, let before = g.largestBefore else { return "none" }
        let longest = TimeSpan.seconds(g.largestSeconds).description
        return "\(g.count) (\(g.missingCandles) candle\(g.missingCandles == 1 ? "" : "s") missing); longest \(longest), \(after) → \(before)"
    }

    static func parseTime(_ text: String) -> Int64? {
        ISOTime.parse(Array(text.utf8)) ?? ISOTime.parse(Array((text + "T00:00:00Z").utf8))
    }

    static func parseFee(_ text: String) -> Fixed? {
        if text.hasSuffix("%") {
            return Fixed(parsing: text.dropLast()).map { $0.scaled(by: 1, over: 100) }
        }
        return Fixed(parsing: text)
    }

    static func render(_ r: BacktestReport, bot: ResolvedBot) -> String {
        var out = "Backtest of \(bot.name): \(bot.strategy.kind.rawValue) on \(bot.market.symbols[0]), \(r.start) → \(r.end), \(r.candles) candles\n\n"
        if !r.trades.isEmpty {
            let rows = r.trades.map { t in
                [t.side, t.entryTime, t.entryPrice.description, t.exitTime, t.exitPrice.description, t.quantity.description, t.pnl.description,
                 String(format: "%.2f%%", t.returnPct)]
            }
            out += Table.render(header: ["SIDE", "ENTRY", "PRICE", "EXIT", "PRICE", "QUANTITY", "PNL", "RETURN"], rows: rows) + "\n"
        }
        let lines: [(String, String)] = [
            ("Trades", "\(r.tradeCount)"), ("Win rate", String(format: "%.2f %%", r.winRatePct)),
            ("Return", String(format: "%.2f %%", r.returnPct)), ("Max drawdown", String(format: "%.2f %%", r.maxDrawdownPct)),
            ("Sharpe", String(format: "%.2f", r.sharpe)), ("Exposure", String(format: "%.2f %%", r.exposurePct)),
            ("Starting equity", r.startingEquity.description), ("Final equity", r.finalEquity.description),
            ("Fees paid", r.feesPaid.description), ("Open position", r.openPosition.description),
            ("Decisions / rejected", "\(r.decisions) / \(r.rejections.count)"),
            ("Gaps", Self.gapsText(r.gaps)),
        ]
        for (k, v) in lines { out += k.padding(toLength: 22, withPad: " ", startingAt: 0) + v + "\n" }
        return out
    }
}
