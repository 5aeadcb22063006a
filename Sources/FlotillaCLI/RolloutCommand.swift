import ArgumentParser
import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import Foundation

struct RolloutCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout", abstract: "Watch and steer rollouts (status, promote, abort, retry, undo, history).",
        subcommands: [Status.self, Promote.self, Abort.self, Retry.self, Undo.self, History.self])

    func run(console: Console) async throws { console.line(RolloutCommand.helpMessage()) }

    /// Sends a rollout command: to the server's API with `--server`, else queued in the local
    /// store for the reconciler of `flotilla up` (the same operation the API's handler runs).
    static func send(_ request: RolloutRequest, bot: String, global: GlobalOptions, console: Console) async throws {
        let result = try await global.operations(console, operation: "flotilla rollout \(request.action)").send(request, bot: bot)
        console.line(result.message)
    }

    static func requireBot(_ name: String, store: StateStore) throws {
        try BotControls.requireBot(name, store: store)
    }

    struct Status: ConsoleCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a rollout: steps, capital split, analysis. Exit 0 healthy, 1 degraded, aborted or timed out.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Flag(help: "Redraw until the rollout completes or aborts.") var watch = false
        @Option(help: "Give up watching after this long, e.g. 10m.") var timeout: String = "30m"
        @Flag(help: "JSON instead of text.") var json = false

        func run(console: Console) async throws {
            let remote = try global.remote(console)
            let store = remote == nil ? try global.openStoreIfExists() : nil
            if let store { try RolloutCommand.requireBot(name, store: store) }
            let deadline = Date().addingTimeInterval(TimeSpan(parsing: timeout)?.seconds ?? 1800)
            var last = ""
            while true {
                var found: RolloutStatus?
                if let remote { found = try await remote.get(RolloutStatus.self, "/api/v1/rollouts/\(name)") }
                guard let status = try found ?? RolloutStatus.load(bot: name, store: store!) else {
                    throw UsageProblem("bot \(name) has no rollout yet; is flotilla up running?")
                }
                let text = json ? try jsonText(status) + "\n" : status.text
                if text != last {
                    console.write(watch && !json ? "\(ISO8601DateFormatter().string(from: Date()))\n" + text : text)
                    last = text
                }
                if !watch || status.finished || !status.healthy {
                    if !status.healthy || status.phase == .aborted { throw Exit(code: 1) }
                    return
                }
                if Date() > deadline {
                    console.error("timed out after \(timeout) while the rollout is \(status.phase)")
                    throw Exit(code: 1)
                }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }

    struct Promote: ConsoleCommand {
        static let configuration = CommandConfiguration(abstract: "Skip the current pause, timed or not (or resume after an inconclusive analysis); --full skips every step.",
            discussion: "As Argo Rollouts' promote: a running analysis is not skipped by promote, only by --full.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Flag(help: "Skip every remaining step and analysis.") var full = false

        func run(console: Console) async throws {
            try await RolloutCommand.send(.promote(full: full), bot: name, global: global, console: console)
        }
    }

    struct Abort: ConsoleCommand {
        static let configuration = CommandConfiguration(abstract: "Roll back to stable: the new revision's capital and positions return to it.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run(console: Console) async throws {
            try await RolloutCommand.send(.abort, bot: name, global: global, console: console)
        }
    }

    struct Retry: ConsoleCommand {
        static let configuration = CommandConfiguration(abstract: "Start an aborted rollout again from its first step.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run(console: Console) async throws {
            try await RolloutCommand.send(.retry, bot: name, global: global, console: console)
        }
    }

    struct Undo: ConsoleCommand {
        static let configuration = CommandConfiguration(
            abstract: "Go back to an earlier revision at once (no canary steps); default: the previous one.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Option(name: .customLong("to-revision"), help: "The revision to go back to.") var revision: Int?

        func run(console: Console) async throws {
            try await RolloutCommand.send(.undo(toRevision: revision), bot: name, global: global, console: console)
        }
    }

    struct History: ConsoleCommand {
        static let configuration = CommandConfiguration(abstract: "List a bot's kept revisions and its rollout events.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run(console: Console) async throws {
            struct Line: Decodable { var number: Int; var hash: String; var createdAt: Date; var current: Bool; var commit: String?; var dirty: Bool? }
            let lines: [Line]
            var events: [StoreEvent]
            if let remote = try global.remote(console) {
                lines = try await remote.get([Line].self, "/api/v1/bots/\(name)/revisions")
                events = try await remote.get([StoreEvent].self, "/api/v1/events", query: [("bot", name), ("limit", "1000")])
            } else {
                let store = try global.openStoreIfExists()
                try RolloutCommand.requireBot(name, store: store)
                let current = try store.desiredState(decode: { _, _ in false }).bots.first { $0.name == name }?.revision
                lines = try store.revisions(of: name).map {
                    Line(number: $0.number, hash: $0.hash, createdAt: $0.createdAt, current: $0.number == current, commit: $0.source?.commit, dirty: $0.source?.dirty)
                }
                events = try store.events(bot: name, limit: 1000)
            }
            let formatter = ISO8601DateFormatter()
            let rows = lines.map { r in
                [String(r.number) + (r.current ? " (current)" : ""), String(r.hash.prefix(12)), formatter.string(from: r.createdAt),
                 r.commit.map { RevisionSource(commit: $0, dirty: r.dirty ?? false).short } ?? "-"]
            }
            console.write(Table.render(header: ["REVISION", "HASH", "CREATED", "COMMIT"], rows: rows))
            events = events.filter { $0.kind.hasPrefix("Rollout") || $0.kind.hasPrefix("Analysis") || $0.kind == "RolledBack" }
            if !events.isEmpty {
                console.line("")
                console.write(Table.render(header: ["TIME", "EVENT", "REVISION", "MESSAGE"], rows: events.map {
                    [formatter.string(from: $0.time), $0.kind, $0.revision.map(String.init) ?? "-", $0.message]
                }))
            }
        }
    }
}

struct BotCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "bot", abstract: "Start, stop, pause, resume, restart, reset-errors or delete a bot.",
        discussion: "stop cancels working orders and keeps positions; pause keeps orders and positions but places no new ones.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "start, stop, pause, resume, restart, reset-errors (forget venue errors, close the circuit breaker, resume an auto-paused bot) or delete")
    var action: String
    @Argument var name: String

    func validate() throws {
        guard BotAction(rawValue: action) != nil else {
            let actions = BotAction.allCases.map(\.rawValue)
            throw ValidationError("unknown action \"\(action)\"\(Suggestion.hint(for: action, among: actions)); use \(actions.joined(separator: ", "))")
        }
    }

    func run(console: Console) async throws {
        let action = BotAction(rawValue: action)!
        let result = try await global.operations(console, operation: "flotilla bot \(action.rawValue)").perform(action, bot: name)
        console.line(result.message)
    }
}
