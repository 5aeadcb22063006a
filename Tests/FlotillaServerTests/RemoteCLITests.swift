import FlotillaCLI
import FlotillaServer
import FlotillaSpec
import FlotillaStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The CLI with `--server URL` and FLOTILLA_TOKEN: the same commands, through a real HTTP server.
@Suite("The CLI through the API", .serialized)
struct RemoteCLITests {
    /// Runs `flotilla ARGS --server URL` (the flag goes after the subcommand, where its options are).
    static func cli(_ port: Int, _ token: String?, _ args: [String], dir: URL? = nil, answers: [String] = [])
        async -> (code: Int32, out: String, err: String)
    {
        var env: [String: String] = [:]
        if let token { env["FLOTILLA_TOKEN"] = token }
        let console = Console.capturing(interactive: !answers.isEmpty, answers: answers, environment: env)
        let extra = ["--server", "http://127.0.0.1:\(port)"] + (dir.map { ["--dir", $0.path] } ?? [])
        let code = await CLI.run(args + extra, console: console)
        return (code, console.output, console.errors)
    }

    @Test("get, events, bot actions, rollouts, audit and tokens work through the server, with the token's role")
    func commands() async throws {
        let (server, secrets) = try await serverFixture()
        let app = buildApplication(server, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await liveTest(app) { client in
            let port = try #require(client.port)
            let viewer = secrets[.viewer], op = secrets[.operator], admin = secrets[.admin]

            var r = await Self.cli(port, viewer, ["get", "bots"])
            #expect(r.code == 0, "\(r.err)")
            #expect(r.out.contains("HEALTH") && r.out.contains("eth-trend") && r.out.contains("ltc-rsi"))
            r = await Self.cli(port, viewer, ["get", "bot", "eth-trend", "-o", "json"])
            #expect(r.code == 0 && r.out.contains("\"name\" : \"eth-trend\""), "\(r.out)\(r.err)")

            r = await Self.cli(port, nil, ["get", "bots"])
            #expect(r.code == 1 && r.err.contains("HTTP 401"), "no token: \(r.err)")
            r = await Self.cli(port, viewer, ["bot", "pause", "eth-trend"])
            #expect(r.code == 1 && r.err.contains("HTTP 403") && r.err.contains("operator"), "\(r.err)")
            #expect(try server.store.botControls()["eth-trend"] == nil, "a refused call changes nothing")

            r = await Self.cli(port, op, ["bot", "pause", "eth-trend"])
            #expect(r.code == 0, "\(r.err)")
            #expect(try server.store.botControls()["eth-trend"] == .paused)
            r = await Self.cli(port, op, ["bot", "reset-errors", "eth-trend"])
            #expect(r.code == 0, "\(r.err)")
            r = await Self.cli(port, op, ["bot", "pause", "ghost"])
            #expect(r.code == 1 && r.err.contains("HTTP 404"), "\(r.err)")

            r = await Self.cli(port, viewer, ["rollout", "status", "eth-trend"])
            #expect(r.out.contains("eth-trend"), "\(r.out)\(r.err)")
            // Its first rollout completed: there is nothing to promote, and the server says so.
            r = await Self.cli(port, op, ["rollout", "promote", "eth-trend"])
            #expect(r.code == 1 && r.err.contains("has no rollout in progress") && r.err.contains("no_rollout_in_progress"), "\(r.err)")
            r = await Self.cli(port, viewer, ["rollout", "history", "eth-trend"])
            #expect(r.code == 0 && r.out.contains("1 (current)"), "\(r.out)\(r.err)")
            r = await Self.cli(port, viewer, ["events", "eth-trend", "--limit", "5"])
            #expect(r.code == 0 && r.out.contains("EVENT"), "\(r.err)")

            r = await Self.cli(port, op, ["audit"])
            #expect(r.code == 1 && r.err.contains("HTTP 403"))
            r = await Self.cli(port, admin, ["audit"])
            #expect(r.code == 0 && r.out.contains("/api/v1/bots/eth-trend/pause"), "\(r.err)")

            r = await Self.cli(port, admin, ["token", "create", "--role", "viewer", "--expires", "1h"])
            #expect(r.code == 0 && r.out.hasPrefix("flt_"), "\(r.err)")
            let created = r.out.trimmingCharacters(in: .whitespacesAndNewlines)
            r = await Self.cli(port, created, ["get", "bots"])
            #expect(r.code == 0, "the new token works: \(r.err)")
            r = await Self.cli(port, admin, ["token", "list"])
            #expect(r.code == 0 && !r.out.contains("flt_"), "secrets are never listed")
            let id = try #require(try server.store.tokens().last?.id)
            r = await Self.cli(port, admin, ["token", "revoke", id])
            #expect(r.code == 0, "\(r.err)")

            r = await Self.cli(port, admin, ["profile", "diff", "conservative", "aggressive"])
            #expect(r.code == 0 && r.out.contains("risk.maxPositionPct"), "\(r.out)\(r.err)")
        }
    }

    @Test("plan posts the local files; apply --plan-id applies exactly that plan, and refuses it once stale")
    func planAndApply() async throws {
        let (server, secrets) = try await serverFixture()
        let app = buildApplication(server, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        // A local checkout with one bot edited.
        let local = server.layout.displayBase!.appendingPathComponent("checkout")
        for folder in ["bots.d", "profiles"] {
            try FileManager.default.copyItem(at: server.layout.displayBase!.appendingPathComponent(folder), to: local.appendingPathComponent(folder))
        }
        let file = local.appendingPathComponent("bots.d/eth-trend.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "capital: { quote: 1000 }", with: "capital: { quote: 1200 }").write(to: file, atomically: true, encoding: .utf8)
        #expect(try String(contentsOf: file, encoding: .utf8) != text, "the fixture edit applies")

        try await liveTest(app) { client in
            let port = try #require(client.port)
            let admin = secrets[.admin]
            var r = await Self.cli(port, admin, ["plan", "--detailed-exitcode"], dir: local)
            #expect(r.code == 2, "\(r.out)\(r.err)")
            #expect(r.out.contains("eth-trend") && r.out.contains("--plan-id plan-"), "\(r.out)")
            let id = try #require(r.out.split(separator: " ").first { $0.hasPrefix("plan-") }).trimmingCharacters(in: .whitespacesAndNewlines)

            r = await Self.cli(port, secrets[.operator], ["apply", "--plan-id", id])
            #expect(r.code == 1 && r.err.contains("HTTP 403"))
            let serial = try server.store.stateSerial()
            r = await Self.cli(port, admin, ["apply", "--plan-id", id])
            #expect(r.code == 0 && r.out.contains("Apply complete!"), "\(r.out)\(r.err)")
            #expect(try server.store.stateSerial() == serial + 1)
            #expect(try server.store.desiredBot(named: "eth-trend")?.spec?.capital.quote == 1200)

            // Planned before another apply: stale, and nothing changes.
            try text.write(to: file, atomically: true, encoding: .utf8)
            r = await Self.cli(port, admin, ["plan"], dir: local)
            let old = try #require(r.out.split(separator: " ").first { $0.hasPrefix("plan-") }).trimmingCharacters(in: .whitespacesAndNewlines)
            r = await Self.cli(port, admin, ["apply", "--auto-approve"], dir: local)
            #expect(r.code == 0, "\(r.err)")
            let after = try server.store.stateSerial()
            r = await Self.cli(port, admin, ["apply", "--plan-id", old])
            #expect(r.code == 1 && r.err.contains("stale") && r.err.contains("state serial moved"), "\(r.err)")
            #expect(try server.store.stateSerial() == after)

            // Invalid local files are reported locally, with file and line, and nothing is sent.
            try "kind: Bot\nmetadata: { name: Bad }\n".write(to: file, atomically: true, encoding: .utf8)
            r = await Self.cli(port, admin, ["plan"], dir: local)
            #expect(r.code == 1 && r.err.contains("bots.d/eth-trend.yaml:"), "\(r.err)")

            r = await Self.cli(1, admin, ["get", "bots"])
            #expect(r.code == 1 && r.err.contains("cannot reach flotilla"), "\(r.err)")
        }
    }

    @Test("commands that only run locally refuse --server with a reason; a bad URL is said plainly", arguments: [
        ["validate"], ["up"], ["backtest", "-f", "bots.d/eth-trend.yaml"],
    ])
    func localOnly(_ args: [String]) async {
        let console = Console.capturing()
        let code = await CLI.run(args + ["--server", "http://127.0.0.1:1"], console: console)
        #expect(code != 0 && console.errors.contains("--server: \(args[0])"), "\(console.errors)")
        let bad = Console.capturing(environment: ["FLOTILLA_SERVER": "127.0.0.1:8080"])
        #expect(await CLI.run(["get", "bots"], console: bad) == 1)
        #expect(bad.errors.contains("write the URL of a flotilla up"), "\(bad.errors)")
    }
}

@Suite("The CLI finds the admin token up made", .serialized)
struct AdminTokenFileTests {
    @Test("without FLOTILLA_TOKEN the CLI uses admin.token next to the --dir's store; FLOTILLA_TOKEN wins; the file is made once, mode 0600")
    func adminTokenFile() async throws {
        let (server, _) = try await serverFixture(tokens: false)
        let dir = try #require(server.layout.displayBase)
        let state = dir.appendingPathComponent(".flotilla")
        let secret = try #require(try AdminTokenFile.ensure(store: server.store, stateDirectory: state))
        #expect(try AdminTokenFile.ensure(store: server.store, stateDirectory: state) == nil, "an admin token works: none is made")
        let mode = try FileManager.default.attributesOfItem(atPath: AdminTokenFile.url(stateDirectory: state).path)[.posixPermissions] as? Int
        #expect(mode.map { $0 & 0o777 } == 0o600)
        #expect(AdminTokenFile.read(stateDirectory: state) == secret)
        let app = buildApplication(server, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await liveTest(app) { client in
            let port = try #require(client.port)
            var r = await RemoteCLITests.cli(port, nil, ["get", "bots"], dir: dir)
            #expect(r.code == 0 && r.out.contains("eth-trend"), "\(r.err)")
            r = await RemoteCLITests.cli(port, "flt_not-this-one", ["get", "bots"], dir: dir)
            #expect(r.code == 1 && r.err.contains("HTTP 401"), "FLOTILLA_TOKEN is used first: \(r.err)")
        }
        // Revoked, the file's token is refused and up makes a new one at its next start.
        try server.store.revokeToken(id: try #require(try server.store.tokens().first?.id))
        let next = try #require(try AdminTokenFile.ensure(store: server.store, stateDirectory: state))
        #expect(next != secret && AdminTokenFile.read(stateDirectory: state) == next)
    }
}
