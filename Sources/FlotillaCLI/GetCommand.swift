import ArgumentParser
import FlotillaEngine
import FlotillaPlan
import FlotillaServer
import FlotillaSpec
import FlotillaStore
import Foundation

struct GetCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Show bots: `get bots` lists them, `get bot NAME -o yaml --show-sources` shows one resolved.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "bots or bot") var resource: String
    @Argument(help: "A bot's name.") var name: String?

    @Option(name: [.customShort("o"), .customLong("output")], help: "table, json or yaml")
    var output: OutputFormat = .table

    @Flag(name: .customLong("show-sources"), help: "Say where each risk and runtime value came from: spec, profile or default.")
    var showSources = false

    func validate() throws {
        guard ["bot", "bots"].contains(resource) else {
            throw ValidationError("unknown resource \"\(resource)\"\(Suggestion.hint(for: resource, among: ["bots", "bot"])); use bots or bot")
        }
        if let name, let problem = Name.problem(with: name) { throw ValidationError("bot name: \(problem)") }
    }

    struct BotRow: Encodable {
        var name: String
        var profile: String
        var strategy: String
        var deploy: String
        var capital: String
        var revision: Int?
        var status: String
        var instances: String
        var rollout: String
        var equity: String
        var health: String
    }

    func run(console: Console) async throws {
        if let remote = try global.remote(console) { return try await runRemote(remote, console: console) }
        let specs = try SpecLoader.load(global.readLayout)
        let store = try global.openStoreIfExists()
        let (_, applied) = try store.desiredState(decode: { _, _ in false })
        let appliedByName = Dictionary(uniqueKeysWithValues: applied.map { ($0.name, $0) })
        let runtime = Dictionary(grouping: try store.runtimeInstances().filter { $0.phase != "stopped" }, by: \.bot)
        let rollouts = Dictionary(uniqueKeysWithValues: try store.rollouts().map { ($0.bot, $0) })
        func row(_ bot: ResolvedBot) -> BotRow {
            self.row(bot, applied: appliedByName[bot.name], instances: runtime[bot.name] ?? [], rollout: rollouts[bot.name])
        }

        if let name {
            guard let bot = specs.bot(named: name) else {
                let names = specs.bots.map(\.name)
                throw UsageProblem("no bot named \"\(name)\" in bots.d/\(Suggestion.hint(for: name, among: names))")
            }
            let revision = appliedByName[name]?.revision
            switch output {
            case .yaml: console.write(SpecYAML.render(bot, revision: revision, showSources: showSources))
            case .json: console.line(try jsonText(bot))
            case .table: console.write(table([row(bot)]))
            }
            return
        }
        let rows = specs.bots.map { row($0) }
        switch output {
        case .json: console.line(try jsonText(rows))
        case .yaml:
            for bot in specs.bots {
                console.write("---\n" + SpecYAML.render(bot, revision: appliedByName[bot.name]?.revision, showSources: showSources))
            }
        case .table: console.write(table(rows))
        }
    }

    /// Through the API: the server's bots as it runs them.
    private func runRemote(_ remote: RemoteAPI, console: Console) async throws {
        let views: [BotView]
        if let name {
            views = [try await remote.get(BotView.self, "/api/v1/bots/\(name)")]
        } else {
            views = try await remote.get([BotView].self, "/api/v1/bots")
        }
        switch output {
        case .json: console.line(name == nil ? try jsonText(views) : try jsonText(views[0]))
        case .yaml: throw UsageProblem("-o yaml shows the resolved spec from the local files; with --server use -o json or table")
        case .table:
            let rows = views.map { v in
                let phases = Dictionary(grouping: v.instances, by: \.phase).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
                return [v.name, v.profile, v.strategy, v.deploy, v.capital, v.instances.isEmpty ? "-" : v.equity, String(v.revision),
                        v.rollout.map { "\($0.phase) r\($0.candidate)" } ?? "-", phases.isEmpty ? "-" : phases, v.control,
                        v.degraded.map { "degraded: \($0.reason)" } ?? v.health]
            }
            console.write(Table.render(header: ["NAME", "PROFILE", "STRATEGY", "DEPLOY", "CAPITAL", "EQUITY", "REVISION", "ROLLOUT", "INSTANCES", "CONTROL", "HEALTH"], rows: rows))
        }
    }

    private func row(_ bot: ResolvedBot, applied: AppliedBot?, instances: [InstanceState], rollout stored: StoredRollout?) -> BotRow {
        let status: String
        if let applied {
            status = applied.specHash == bot.specHash ? "applied" : "changed (plan)"
        } else {
            status = "not applied"
        }
        let phases = Dictionary(grouping: instances, by: \.phase).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
        var equity: Decimal? = 0  // exact; unknown (not smaller) when an instance's equity can't be read
        var health: [BotHealth.Instance] = []
        let nowMs = Date().timeIntervalSince1970 * 1000
        for i in instances {
            let m = i.metricsJSON.flatMap { try? JSONDecoder().decode(InstanceMetrics.self, from: Data($0.utf8)) }
            if let m, i.mode == "live" { equity = equity.flatMap { sum in Decimal.parseExactPublic(m.equity).map { sum + $0 } } }
            health.append(BotHealth.Instance(id: i.id, phase: i.phase, heartbeatAgeSeconds: i.heartbeatAt > 0 ? (nowMs - Double(i.heartbeatAt)) / 1000 : nil, metrics: m))
        }
        let rollout = stored.map { "\($0.phase) r\($0.candidate)" } ?? "-"
        // A bot the engine could not bring to its desired state says why.
        let degraded = stored.flatMap { RolloutStatus.from($0, instances: [])?.degraded }
        return BotRow(
            name: bot.name, profile: bot.profile, strategy: bot.strategy.kind.rawValue, deploy: bot.deploy.strategy.name.rawValue,
            capital: bot.capital.quote.canonicalText, revision: applied?.revision, status: status, instances: phases.isEmpty ? "-" : phases,
            rollout: rollout, equity: instances.isEmpty ? "-" : equity?.canonicalText ?? "unknown",
            health: applied == nil ? "-" : degraded.map { "degraded: \($0.reason)" } ?? BotHealth.of(health).status)
    }

    private func table(_ rows: [BotRow]) -> String {
        let header = ["NAME", "PROFILE", "STRATEGY", "DEPLOY", "CAPITAL", "EQUITY", "REVISION", "ROLLOUT", "INSTANCES", "HEALTH", "STATUS"]
        let cells = rows.map {
            [$0.name, $0.profile, $0.strategy, $0.deploy, $0.capital, $0.equity, $0.revision.map(String.init) ?? "-", $0.rollout, $0.instances, $0.health, $0.status]
        }
        return Table.render(header: header, rows: cells)
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
