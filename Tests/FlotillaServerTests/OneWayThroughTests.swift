import FlotillaCLI
import FlotillaEngine
import FlotillaServer
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Each operation has one way through, whichever side asks: the CLI on the store, the CLI with
/// `--server`, and the API's handlers run the same code and mean the same thing.
@Suite("One way through: the CLI and the API run the same operations", .serialized)
struct OneWayThroughTests {
    /// The bot's instances as the store holds them: id → (cash, position) of its paper account.
    static func accounts(_ store: StateStore, bot: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for i in try store.runtimeInstances(bot: bot) where i.phase != .stopped {
            let m = try #require(i.metricsJSON.flatMap { try? JSONDecoder().decode(InstanceMetrics.self, from: Data($0.utf8)) })
            out[i.id] = "\(i.phase) cash \(m.cash) position \(m.position)"
        }
        return out
    }

    static func restarts(_ store: StateStore, bot: String) throws -> Int {
        try store.events(bot: bot, limit: 1000).filter { $0.kind == "BotRestarted" }.count
    }

    @Test("bot restart is one command the reconciler carries out in one pass — through the API, the CLI with --server and the local CLI alike")
    func restartFromEverySide() async throws {
        let (server, secrets) = try await serverFixture()
        let store = server.store, fleet = try #require(server.fleet)
        let root = try #require(server.layout.root)
        let app = buildApplication(server, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await liveTest(app) { client in
            let port = try #require(client.port)
            let before = try Self.accounts(store, bot: "eth-trend")
            #expect(!before.isEmpty)
            let sides: [(String, () async throws -> Void)] = [
                ("the API", {
                    let r = try await RawHTTP.fetch(port: port, ["POST /api/v1/bots/eth-trend/restart HTTP/1.1", "Host: 127.0.0.1:\(port)",
                                                                 "Authorization: Bearer \(secrets[.operator]!)", "Content-Length: 0"])
                    #expect(r.status == 202, "\(r.body)")
                    #expect(r.body.contains("\"action\":\"restart\"") || r.body.contains("\"action\" : \"restart\""), "\(r.body)")
                }),
                ("the CLI with --server", {
                    let r = await RemoteCLITests.cli(port, secrets[.operator], ["bot", "restart", "eth-trend"])
                    #expect(r.code == 0 && r.out.contains("restart requested"), "\(r.out)\(r.err)")
                }),
                ("the local CLI", {
                    let console = Console.capturing(interactive: false, answers: [])
                    #expect(await CLI.run(["bot", "restart", "eth-trend", "--dir", root.path], console: console) == 0, "\(console.errors)")
                }),
            ]
            for (n, (side, send)) in sides.enumerated() {
                try await send()
                // The control is untouched: a restart is not a stop followed by a start.
                #expect(try store.botControls()["eth-trend"] == nil, "\(side): no control written")
                try await fleet.reconcile(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
                #expect(try Self.restarts(store, bot: "eth-trend") == n + 1, "\(side): one pass restarted the bot")
                // Back from exactly what was persisted: the same accounts, running.
                #expect(try Self.accounts(store, bot: "eth-trend") == before, "\(side)")
            }
        }
    }

    @Test("a paused bot restarted comes back paused; a stopped one restarted starts")
    func restartKeepsThePause() async throws {
        let (server, _) = try await serverFixture()
        let store = server.store, fleet = try #require(server.fleet)
        let controls = BotControls(store: store)
        let now = { Int64(Date().timeIntervalSince1970 * 1000) }
        try controls.perform(.pause, bot: "eth-trend", operation: "test")
        try await fleet.reconcile(nowMs: now())
        #expect(try controls.perform(.restart, bot: "eth-trend", operation: "test").state == .paused)
        try await fleet.reconcile(nowMs: now())
        #expect(try Self.accounts(store, bot: "eth-trend").values.allSatisfy { $0.hasPrefix("paused") })
        try controls.perform(.stop, bot: "eth-trend", operation: "test")
        try await fleet.reconcile(nowMs: now())
        #expect(try Self.accounts(store, bot: "eth-trend").isEmpty, "stopped")
        #expect(try controls.perform(.restart, bot: "eth-trend", operation: "test").state == .running)
        try await fleet.reconcile(nowMs: now())
        #expect(try Self.accounts(store, bot: "eth-trend").values.allSatisfy { $0.hasPrefix("running") })
    }

    @Test("an unknown bot is refused the same way from every side: the API's 404 and the CLI's error carry one message")
    func unknownBot() async throws {
        let (server, secrets) = try await serverFixture()
        let root = try #require(server.layout.root)
        let app = buildApplication(server, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await liveTest(app) { client in
            let port = try #require(client.port)
            let r = try await RawHTTP.fetch(port: port, ["POST /api/v1/bots/eth-trnd/pause HTTP/1.1", "Host: 127.0.0.1:\(port)",
                                                         "Authorization: Bearer \(secrets[.operator]!)", "Content-Length: 0"])
            #expect(r.status == 404 && r.body.contains("did you mean \\\"eth-trend\\\"?"), "\(r.body)")
            let remote = await RemoteCLITests.cli(port, secrets[.operator], ["rollout", "promote", "eth-trnd"])
            let console = Console.capturing(interactive: false, answers: [])
            #expect(await CLI.run(["rollout", "promote", "eth-trnd", "--dir", root.path], console: console) == 1)
            #expect(remote.code == 1)
            #expect(remote.err.contains("no bot \"eth-trnd\" in the state (did you mean \"eth-trend\"?); apply it first"), "\(remote.err)")
            #expect(console.errors.contains("no bot \"eth-trnd\" in the state (did you mean \"eth-trend\"?); apply it first"), "\(console.errors)")
            #expect(try server.store.botControls().isEmpty, "nothing changed")
        }
    }

    struct UndoCase: Sendable, CustomTestStringConvertible {
        var label: String
        var current: Int
        var wanted: Int?
        var kept: [(number: Int, hash: String)]
        var stable: Int?
        /// nil: refused.
        var target: Int?
        var testDescription: String { label }
    }

    static let undoCases: [UndoCase] = [
        .init(label: "the revision that served before the rollout", current: 3, kept: [(1, "a"), (2, "b"), (3, "c")], stable: 1, target: 1),
        .init(label: "no stable: the newest earlier revision", current: 3, kept: [(1, "a"), (2, "b"), (3, "c")], target: 2),
        .init(label: "an earlier revision with the current spec is skipped", current: 3, kept: [(1, "a"), (2, "c"), (3, "c")], target: 1),
        .init(label: "the one asked for, if kept", current: 3, wanted: 1, kept: [(1, "a"), (2, "b"), (3, "c")], stable: 2, target: 1),
        .init(label: "the current one is refused", current: 3, wanted: 3, kept: [(1, "a"), (3, "c")]),
        .init(label: "one not kept is refused", current: 3, wanted: 7, kept: [(1, "a"), (3, "c")]),
        .init(label: "nothing before the first revision", current: 1, kept: [(1, "a")]),
    ]

    @Test("undo's target is chosen in one place", arguments: undoCases)
    func undoTarget(_ c: UndoCase) throws {
        if let target = c.target {
            #expect(try RolloutCommands.undoTarget(bot: "b", current: c.current, wanted: c.wanted, kept: c.kept, stable: c.stable) == target)
        } else {
            #expect(throws: OperationProblem.self) {
                try RolloutCommands.undoTarget(bot: "b", current: c.current, wanted: c.wanted, kept: c.kept, stable: c.stable)
            }
        }
    }

    @Test("promote and abort need a rollout in progress, retry an aborted one; a revision not yet picked up counts as in progress")
    func rolloutChecks() throws {
        func ok(_ r: RolloutRequest, _ phase: String?, candidate: Int = 2, applied: Int = 2) -> Bool {
            (try? RolloutCommands.check(r, bot: "b", rollout: phase.map { (RolloutPhase(rawValue: $0)!, candidate) }, applied: applied)) != nil
        }
        #expect(ok(.promote(full: false), "Paused") && ok(.abort, "Progressing") && ok(.promote(full: true), "Degraded"))
        #expect(!ok(.promote(full: false), "Completed") && !ok(.abort, "Aborted") && !ok(.abort, "Completed"))
        #expect(ok(.promote(full: false), "Completed", candidate: 1, applied: 2), "a new revision the reconciler has not started yet")
        #expect(ok(.promote(full: false), nil))
        #expect(ok(.retry, "Aborted") && !ok(.retry, "Completed") && !ok(.retry, "Paused") && !ok(.retry, nil))
    }

    @Test("an orphan (its file deleted, still trading) shows everywhere, marked: local get bots, the API, flotilla status")
    func orphansShowEverywhere() async throws {
        let (server, secrets) = try await serverFixture()
        let root = try #require(server.layout.root)
        try FileManager.default.removeItem(at: root.appendingPathComponent("bots.d/eth-trend.yaml"))
        let local = Console.capturing(interactive: false, answers: [])
        #expect(await CLI.run(["get", "bots", "--dir", root.path], console: local) == 0, "\(local.errors)")
        let row = local.output.split(separator: "\n").first { $0.hasPrefix("eth-trend") }
        #expect(row?.contains("orphan") == true, "\(local.output)")
        let status = Console.capturing(interactive: false, answers: [])
        #expect(await CLI.run(["status", "--dir", root.path], console: status) == 0, "\(status.errors)")
        #expect(status.output.contains("orphans (file deleted, still trading; apply --prune deletes them): eth-trend"), "\(status.output)")
        let app = buildApplication(server, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await liveTest(app) { client in
            let port = try #require(client.port)
            let r = try await RawHTTP.fetch(port: port, ["GET /api/v1/bots/eth-trend HTTP/1.1", "Host: 127.0.0.1:\(port)", "Authorization: Bearer \(secrets[.viewer]!)"])
            #expect(r.status == 200 && r.body.contains("\"sync\":\"orphan\""), "\(r.body)")
            let remote = await RemoteCLITests.cli(port, secrets[.viewer], ["get", "bots"])
            #expect(remote.out.split(separator: "\n").first { $0.hasPrefix("eth-trend") }?.contains("orphan") == true, "\(remote.out)")
        }
    }
}
