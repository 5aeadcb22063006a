import FlotillaCLI
import FlotillaEngine
import FlotillaServer
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import Foundation
import Hummingbird
import Logging
import Testing

/// The kill switch through the API and through the CLI with `--server`: the same operation, the
/// operator role, an audit line, and the request gate's origin rules.
@Suite("The kill switch through the API", .serialized)
struct HaltAPITests {
    func live(_ body: @escaping @Sendable (ServerContext, [APIToken.Role: String], Int) async throws -> Void) async throws {
        let (server, secrets) = try await serverFixture()
        let app = buildApplication(server, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await liveTest(app) { client in
            let port = try #require(client.port)
            try await body(server, secrets, port)
        }
    }

    static func post(_ port: Int, _ path: String, token: String?, body: String = "", origin: String? = nil) async throws -> RawHTTP.Reply {
        var head = ["POST \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)"]
        if let token { head.append("Authorization: Bearer \(token)") }
        if !body.isEmpty { head.append("Content-Type: application/json") }
        if let origin { head.append("Origin: \(origin)") }
        return try await RawHTTP.fetch(port: port, head, body: body)
    }

    @Test("POST /api/v1/halt needs the operator role, refuses a foreign origin and unknown fields, is audited, and shows in GET /api/v1/bots")
    func halt() async throws {
        try await live { server, secrets, port in
            let body = #"{"reduceOnly": true, "selector": {"team": "alpha"}, "reason": "exchange incident"}"#
            var r = try await Self.post(port, "/api/v1/halt", token: nil, body: body)
            #expect(r.status == 401)
            r = try await Self.post(port, "/api/v1/halt", token: secrets[.viewer], body: body)
            #expect(r.status == 403 && r.body.contains("operator"), "\(r.body)")
            r = try await Self.post(port, "/api/v1/halt", token: secrets[.operator], body: body, origin: "http://evil.example")
            #expect(r.status == 403 && r.body.contains("cross_origin"), "\(r.body)")
            r = try await Self.post(port, "/api/v1/halt", token: secrets[.operator], body: #"{"reduce": true}"#)
            #expect(r.status == 400 && r.body.contains("reduce"), "\(r.body)")
            r = try await Self.post(port, "/api/v1/halt", token: secrets[.operator], body: #"{"selector": {"team": "a b"}}"#)
            #expect(r.status == 400 && r.body.contains("bad_selector"), "\(r.body)")
            #expect(try server.store.fleetHalts().halts.isEmpty, "a refused call halts nothing")

            r = try await Self.post(port, "/api/v1/halt", token: secrets[.operator], body: body)
            #expect(r.status == 202, "\(r.body)")
            let result = try JSONDecoder.iso.decode(FleetHaltResult.self, from: Data(r.body.utf8))
            #expect(result.halts.count == 1 && result.halts[0].mode == .reduceOnly && result.halts[0].selector == ["team": "alpha"])
            let alpha = try BotView.all(store: server.store).filter { $0.labels["team"] == "alpha" }.map(\.name)
            #expect(!alpha.isEmpty && result.halted.sorted() == alpha.sorted())

            let list = try await RawHTTP.fetch(port: port, ["GET /api/v1/bots HTTP/1.1", "Host: 127.0.0.1:\(port)", "Authorization: Bearer \(secrets[.viewer]!)"])
            let views = try JSONDecoder.iso.decode([BotView].self, from: Data(list.body.utf8))
            for v in views { #expect((v.halt?.reason == "exchange incident") == alpha.contains(v.name), "\(v.name)") }

            let audit = try server.store.audit(limit: 100)
            #expect(audit.contains { $0.path == "/api/v1/halt" && $0.status == 202 && $0.method == "POST" })
            #expect(audit.contains { $0.path == "/api/v1/halt" && $0.status == 403 })
            let event = try #require(try server.store.events(limit: 200).last { $0.kind == "FleetHalted" })
            #expect(event.message.contains("exchange incident") && event.message.contains("reduce-only"), "\(event.message)")

            r = try await Self.post(port, "/api/v1/resume-all", token: secrets[.operator], body: #"{"selector": {"team": "beta"}}"#)
            #expect(r.status == 404 && r.body.contains("no_halt"), "\(r.body)")
            r = try await Self.post(port, "/api/v1/resume-all", token: secrets[.operator])
            #expect(r.status == 202, "\(r.body)")
            #expect(try server.store.fleetHalts().halts.isEmpty)
            #expect(try server.store.audit(limit: 100).contains { $0.path == "/api/v1/resume-all" && $0.status == 202 })
        }
    }

    @Test("flotilla halt / resume-all: the same operation on the local store and through --server")
    func cliBothWays() async throws {
        try await live { server, secrets, port in
            var r = await RemoteCLITests.cli(port, secrets[.operator], ["halt", "--reduce-only", "-l", "team=alpha", "--reason", "remote"])
            #expect(r.code == 0, "\(r.err)")
            #expect(r.out.contains("reduce-only") && r.out.contains("halts in force"), "\(r.out)")
            #expect(try server.store.fleetHalts().halts.count == 1)
            #expect(try server.store.fleetHalts().halts.first?.requestedBy != "cli", "the token's name, not this machine's")
            r = await RemoteCLITests.cli(port, secrets[.viewer], ["get", "bots"])
            #expect(r.out.contains("HALTED reduce-only: remote"), "\(r.out)")
            r = await RemoteCLITests.cli(port, secrets[.viewer], ["halt"])
            #expect(r.code == 1 && r.err.contains("HTTP 403"), "\(r.err)")

            // The same store on this machine, without --server: the same halts, the same result type.
            let dir = try #require(server.layout.root)
            let local = Console.capturing(interactive: false, answers: [], environment: [:])
            var code = await CLI.run(["halt", "-l", "team=alpha", "--reason", "local", "--dir", dir.path, "-o", "json"], console: local)
            #expect(code == 0, "\(local.errors)")
            let result = try JSONDecoder.iso.decode(FleetHaltResult.self, from: Data(local.output.utf8))
            #expect(result.halts.count == 1 && result.halts[0].mode == .halt && result.halts[0].reason == "local", "a second halt with the same selector changes it")
            #expect(result.halts[0].requestedBy == "cli")
            let resume = Console.capturing(interactive: false, answers: [], environment: [:])
            code = await CLI.run(["resume-all", "--dir", dir.path], console: resume)
            #expect(code == 0 && resume.output.contains("1 halt(s) lifted"), "\(resume.output)\(resume.errors)")
            #expect(try server.store.events(limit: 300).filter { $0.kind == "FleetHalted" }.count == 2)
        }
    }
}

extension JSONDecoder {
    static var iso: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}
