import ArgumentParser
import FlotillaAPI
import FlotillaEngine
import FlotillaPlan
import FlotillaSpec
import FlotillaStore
import Foundation

struct GetCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Show bots: `get bots` lists them, `get bot NAME -o yaml --show-sources` shows one resolved; `get accounts` lists the accounts and what their bots are allocated.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "bots, bot or accounts") var resource: String
    @Argument(help: "A bot's name.") var name: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "table, json, yaml, or env (one bot's resolved configuration as NAME='value' lines)")
    var output: OutputFormat = .table

    @Flag(name: .customLong("show-sources"), help: "Say where each risk and runtime value came from: spec, profile or default.")
    var showSources = false

    func validate() throws {
        guard ["bot", "bots", "accounts"].contains(resource) else {
            throw ValidationError("unknown resource \"\(resource)\"\(Suggestion.hint(for: resource, among: ["bots", "bot", "accounts"])); use bots, bot or accounts")
        }
        if resource == "accounts", name != nil { throw ValidationError("get accounts takes no name; it lists every account") }
        if let name, let problem = Name.problem(with: name) { throw ValidationError("bot name: \(problem)") }
        if output == .env, resource != "bot" || name == nil { throw ValidationError("-o env exports one bot: flotilla get bot NAME -o env") }
    }

    func run(console: Console) async throws {
        if resource == "accounts" { return try await accounts(console: console) }
        let views: [BotView]
        var files: FileSync?
        if let remote = try global.remote(console) {
            if output == .yaml || output == .env {
                throw UsageProblem("-o \(output.rawValue) shows the resolved spec from the local files; with --server use -o json or table")
            }
            views = name == nil ? try await remote.get([BotView].self, "/api/v1/bots") : [try await remote.get(BotView.self, "/api/v1/bots/\(name!)")]
        } else {
            // The state is shown whatever the files hold; invalid files are said once, on stderr.
            let sync = FileSync.read(global.layout)
            files = sync
            if let warning = sync.warning { console.error(warning) }
            var all = try BotView.all(store: try global.openStoreIfExists(), files: sync)
            let applied = Set(all.map(\.name))
            all += (sync.specs?.bots ?? []).filter { !applied.contains($0.name) }.map(BotView.notApplied)
            all.sort { $0.name < $1.name }
            if let name {
                guard let one = all.first(where: { $0.name == name }) else {
                    throw UsageProblem("no bot named \"\(name)\" in bots.d/ or the state\(Suggestion.hint(for: name, among: all.map(\.name)))")
                }
                views = [one]
            } else {
                views = all
            }
        }
        switch output {
        case .json: console.line(name == nil ? try jsonText(views) : try jsonText(views[0]))
        case .yaml: try yaml(views, files: files, console: console)
        case .env: try env(views[0], files: files, console: console)
        case .table:
            console.write(Self.table(views))
            // One bot: where its revision came from in git.
            if name != nil, let view = views.first, view.revision > 0, files != nil {
                let source = try global.openStoreIfExists().revisions(of: view.name).first { $0.number == view.revision }?.source
                console.line("\nrevision \(view.revision): " + (source.map { "applied at commit \($0.short)" } ?? "no git commit recorded"))
            }
        }
    }

    /// The resolved configuration as `FLOTILLA_…='value'` lines (the seeds' export_configuration):
    /// every field of the canonical field list, plus the revision and its git commit. Values are
    /// single-quoted for a POSIX shell, a quote in them escaped, so the output can be sourced.
    private func env(_ view: BotView, files: FileSync?, console: Console) throws {
        let store = try global.openStoreIfExists()
        guard let spec = try files?.specs?.bot(named: view.name)
            ?? store.desiredState(decode: { n, _ in n == view.name }).bots.first(where: { $0.name == view.name })?.spec
        else { throw UsageProblem("no resolved spec for \(view.name)") }
        let source = view.revision > 0 ? try store.revisions(of: view.name).first { $0.number == view.revision }?.source : nil
        var lines: [(String, String)] = [("FLOTILLA_BOT", spec.name), ("FLOTILLA_REVISION", view.revision > 0 ? String(view.revision) : "")]
        lines.append(("FLOTILLA_COMMIT", source?.commit ?? ""))
        lines.append(("FLOTILLA_DIRTY", source.map { String($0.dirty) } ?? ""))
        lines.append(("FLOTILLA_SPEC_HASH", spec.specHash))
        for field in spec.fields { lines.append((Self.envName(field.path), field.value)) }
        console.write(lines.map { "\($0.0)=\(Self.shellQuoted($0.1))\n" }.joined())
    }

    /// `spec.strategy.params.fast` → `FLOTILLA_SPEC_STRATEGY_PARAMS_FAST`.
    static func envName(_ path: String) -> String {
        "FLOTILLA_" + String(path.uppercased().unicodeScalars.map { ("A"..."Z").contains($0) || ("0"..."9").contains($0) ? Character($0) : "_" })
    }

    static func shellQuoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The resolved specs: from the files when they validate, else as applied (with a note).
    private func yaml(_ views: [BotView], files: FileSync?, console: Console) throws {
        let store = try global.openStoreIfExists()
        for view in views {
            let revision = view.revision > 0 ? view.revision : nil
            if let spec = files?.specs?.bot(named: view.name) {
                console.write((name == nil ? "---\n" : "") + SpecYAML.render(spec, revision: revision, showSources: showSources))
            } else if let spec = try store.desiredState(decode: { n, _ in n == view.name }).bots.first(where: { $0.name == view.name })?.spec {
                console.write((name == nil ? "---\n" : "") + "# as applied (revision \(view.revision)): \(view.sync == .orphan ? "its file is gone" : "the files do not validate")\n"
                              + SpecYAML.render(spec, revision: revision, showSources: showSources))
            }
        }
    }

    /// One table for every reader: a row per bot, its sync with the files last.
    private func accounts(console: Console) async throws {
        let views: [AccountView]
        if let remote = try global.remote(console) {
            views = try await remote.get([AccountView].self, "/api/v1/accounts")
        } else {
            let (found, problems) = AccountView.all(layout: global.layout, store: try global.openStoreIfExists())
            if !problems.isEmpty { console.error("warning: \(problems.count) problem\(problems.count == 1 ? "" : "s") in accounts/ (run flotilla validate); those accounts are not listed") }
            views = found
        }
        switch output {
        case .json: console.line(try jsonText(views))
        case .yaml, .env: throw UsageProblem("get accounts shows table or json")
        case .table:
            if views.isEmpty { return console.line("No accounts: add kind: Account files to accounts/ to trade on an exchange (docs/accounts.md).") }
            console.write(Table.render(
                header: ["NAME", "VENUE", "MODE", "MONEY", "ENDPOINT", "ALLOCATED", "BOTS"],
                rows: views.map { [$0.name, $0.venue, $0.mode, $0.realMoney ? "REAL" : "play", $0.endpoint, Self.allocation($0), $0.bots.isEmpty ? "-" : $0.bots.joined(separator: ",")] }))
        }
    }

    /// `USDT 3000/10000`: each asset the bots are allocated or the account holds.
    static func allocation(_ view: AccountView) -> String {
        let assets = Set(view.balance.keys).union(view.allocated.keys).sorted()
        guard !assets.isEmpty else { return "-" }
        return assets.map { "\($0) \(view.allocated[$0] ?? "0")/\(view.balance[$0] ?? "?")" }.joined(separator: " ")
    }

    static func table(_ views: [BotView]) -> String {
        let rows = views.map { v in
            let phases = Dictionary(grouping: v.instances, by: \.phase).map { "\($0.value.count) \($0.key.rawValue)" }.sorted().joined(separator: ", ")
            let equity: String = v.instances.isEmpty ? "-" : v.equity
            let revision: String = v.revision > 0 ? String(v.revision) : "-"
            let rollout: String = v.rollout.map { "\($0.phase.rawValue) r\($0.candidate)" } ?? "-"
            let health: String = v.degraded.map { "degraded: \($0.reason)" } ?? v.health.rawValue
            let venue = v.venue == "paper" ? "paper" : "\(v.venue)/\(v.account)\(v.realMoney ? " REAL" : "")"
            let control = v.halt.map { "HALTED\($0.mode == .reduceOnly ? " reduce-only" : ""): \($0.reason.prefix(60))" } ?? v.control.rawValue
            let row: [String] = [v.name, v.profile, venue, v.strategy, v.deploy, v.capital, equity, revision, rollout, phases.isEmpty ? "-" : phases, control, health]
            return row + [v.sync?.text ?? "-"]
        }
        return Table.render(header: ["NAME", "PROFILE", "VENUE", "STRATEGY", "DEPLOY", "CAPITAL", "EQUITY", "REVISION", "ROLLOUT", "INSTANCES", "CONTROL", "HEALTH", "STATUS"],
                            rows: rows)
    }
}

enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == cells.count - 1 ? c : c.padding(toLength: widths[i] + 3, withPad: " ", startingAt: 0) }
                .joined() + "\n"
        }
        return line(header) + rows.map(line).joined()
    }
}

struct EventsCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Show the event log, oldest first: applies, revisions, rollouts.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Only this bot's events.") var bot: String?
    @Option(help: "How many of the newest events to show.") var limit: Int = 50
    @Option(name: [.customShort("o"), .customLong("output")], help: "table or json") var output: OutputFormat = .table

    func run(console: Console) async throws {
        let events: [StoreEvent]
        if let remote = try global.remote(console) {
            events = try await remote.get([StoreEvent].self, "/api/v1/events", query: [("limit", String(max(1, min(1000, limit))))] + (bot.map { [("bot", $0)] } ?? []))
        } else {
            events = try global.openStoreIfExists().events(bot: bot, limit: max(1, limit))
        }
        if output == .json {
            console.line(try jsonText(events))
            return
        }
        if events.isEmpty {
            console.line(bot.map { "No events for bot \($0)." } ?? "No events yet; run flotilla apply.")
            return
        }
        let formatter = ISO8601DateFormatter()
        let rows = events.map {
            [formatter.string(from: $0.time), $0.bot ?? "-", $0.kind, $0.revision.map(String.init) ?? "-", $0.message]
        }
        console.write(Table.render(header: ["TIME", "BOT", "EVENT", "REVISION", "MESSAGE"], rows: rows))
    }
}
