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

    /// Queues a command for the reconciler of a running `flotilla up`, after checking the bot exists.
    static func send(_ command: String, bot: String, global: GlobalOptions, console: Console, saying text: String) async throws {
        if let remote = try global.remote(console) {
            let action = command == "promoteFull" ? "promote" : command
            _ = try await remote.send(.POST, "/api/v1/rollouts/\(bot)/\(action)", query: command == "promoteFull" ? [("full", "true")] : [])
            console.line("rollout \(bot): \(text) requested")
            return
        }
        let store = try global.openStoreIfExists()  // a command for a bot never creates a state
        try requireBot(bot, store: store)
        try store.sendRolloutCommand(bot: bot, command: command)
        console.line("rollout \(bot): \(text) requested")
    }

    static func requireBot(_ name: String, store: StateStore) throws {
        let bots = try store.desiredState(decode: { _, _ in false }).bots.map(\.name)
        guard bots.contains(name) else {
            throw UsageProblem("no bot \"\(name)\" in the state\(Suggestion.hint(for: name, among: bots)); apply it first")
        }
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
                    if !status.healthy || status.phase == "Aborted" { throw Exit(code: 1) }
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
            try await RolloutCommand.send(full ? "promoteFull" : "promote", bot: name, global: global, console: console,
                                    saying: full ? "full promotion (every remaining step skipped)" : "promotion past the current pause")
        }
    }

    struct Abort: ConsoleCommand {
        static let configuration = CommandConfiguration(abstract: "Roll back to stable: the new revision's capital and positions return to it.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run(console: Console) async throws {
            try await RolloutCommand.send("abort", bot: name, global: global, console: console, saying: "abort")
        }
    }

    struct Retry: ConsoleCommand {
        static let configuration = CommandConfiguration(abstract: "Start an aborted rollout again from its first step.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run(console: Console) async throws {
            try await RolloutCommand.send("retry", bot: name, global: global, console: console, saying: "retry")
        }
    }

    struct Undo: ConsoleCommand {
        static let configuration = CommandConfiguration(
            abstract: "Go back to an earlier revision at once (no canary steps); default: the previous one.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Option(name: .customLong("to-revision"), help: "The revision to go back to.") var revision: Int?

        func run(console: Console) async throws {
            if let remote = try global.remote(console) {
                _ = try await remote.send(.POST, "/api/v1/rollouts/\(name)/undo", query: revision.map { [("toRevision", String($0))] } ?? [])
                console.line("rollout \(name): undo to \(revision.map { "revision \($0)" } ?? "the previous revision") requested")
                return
            }
            let store = try global.openStoreIfExists()
            try RolloutCommand.requireBot(name, store: store)
            let current = try store.desiredState(decode: { _, _ in false }).bots.first { $0.name == name }!.revision
            let kept = try store.revisions(of: name).map(\.number)
            let target = revision ?? kept.filter { $0 < current }.max()
            guard let target, kept.contains(target), target != current else {
                throw UsageProblem("revision \(revision.map(String.init) ?? "before \(current)") of \(name) is not kept; kept: \(kept.sorted().map(String.init).joined(separator: ", "))")
            }
            try store.sendRolloutCommand(bot: name, command: "undo", argument: target)
            console.line("rollout \(name): undo to revision \(target) requested (the files still hold the newer spec; edit them to match)")
        }
    }

    struct History: ConsoleCommand {
        static let configuration = CommandConfiguration(abstract: "List a bot's kept revisions and its rollout events.")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String

        func run(console: Console) async throws {
            struct Line: Decodable { var number: Int; var hash: String; var createdAt: Date; var current: Bool }
            let lines: [Line]
            var events: [StoreEvent]
            if let remote = try global.remote(console) {
                lines = try await remote.get([Line].self, "/api/v1/bots/\(name)/revisions")
                events = try await remote.get([StoreEvent].self, "/api/v1/events", query: [("bot", name), ("limit", "1000")])
            } else {
                let store = try global.openStoreIfExists()
                try RolloutCommand.requireBot(name, store: store)
                let current = try store.desiredState(decode: { _, _ in false }).bots.first { $0.name == name }?.revision
                lines = try store.revisions(of: name).map { Line(number: $0.number, hash: $0.hash, createdAt: $0.createdAt, current: $0.number == current) }
                events = try store.events(bot: name, limit: 1000)
            }
            let formatter = ISO8601DateFormatter()
            let rows = lines.map { r in
                [String(r.number) + (r.current ? " (current)" : ""), String(r.hash.prefix(12)), formatter.string(from: r.createdAt)]
            }
            console.write(Table.render(header: ["REVISION", "HASH", "CREATED"], rows: rows))
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
        let actions = ["start", "stop", "pause", "resume", "restart", "reset-errors", "delete"]
        guard actions.contains(action) else {
            throw ValidationError("unknown action \"\(action)\"\(Suggestion.hint(for: action, among: actions)); use \(actions.joined(separator: ", "))")
        }
    }

    func run(console: Console) async throws {
        if let remote = try global.remote(console) {
            if action == "delete" {
                _ = try await remote.send(.DELETE, "/api/v1/bots/\(name)")
                console.line("bot \(name) deleted from the server's state; its instances stop. Its file on the server is untouched.")
            } else {
                _ = try await remote.send(.POST, "/api/v1/bots/\(name)/\(action)")
                console.line("bot \(name): \(action) requested")
            }
            return
        }
        let store = try global.openStoreIfExists()
        try RolloutCommand.requireBot(name, store: store)
        switch action {
        case "reset-errors": try store.sendRolloutCommand(bot: name, command: "resetErrors")
        case "start": try store.setBotControl(bot: name, state: "running")
        case "resume":
            try store.setBotControl(bot: name, state: "running")
            try store.sendRolloutCommand(bot: name, command: "resume")
        case "stop": try store.setBotControl(bot: name, state: "stopped")
        case "pause": try store.setBotControl(bot: name, state: "paused")
        case "restart":
            try store.setBotControl(bot: name, state: "stopped")
            try await Task.sleep(for: .milliseconds(600))  // at least two reconcile passes see the stop
            try store.setBotControl(bot: name, state: "running")
        default:
            let lock = try store.acquireApplyLock(operation: "flotilla bot delete", timeout: 30)
            defer { try? store.releaseApplyLock(lock) }
            let serial = try store.stateSerial()
            _ = try store.apply([.delete(name: name)], expectedSerial: serial, lock: lock)
            console.line("bot \(name) deleted from the state; its instances stop. Its file is untouched: delete it too, or the next apply creates the bot again.")
            return
        }
        console.line("bot \(name): \(action) requested")
    }
}
