import FlotillaServer
import FlotillaStore
import FlotillaTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Runs a tool found on PATH through `/usr/bin/env` (pip puts Python tools wherever its prefix is).
func runFromPath(_ arguments: [String], timeout: Double = 120) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let logs = try Fixtures.temporaryDirectory().appendingPathComponent("tool.log")
    FileManager.default.createFile(atPath: logs.path, contents: nil)
    process.standardOutput = try FileHandle(forWritingTo: logs)
    process.standardError = process.standardOutput
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    return (process.terminationStatus, (try? String(contentsOf: logs, encoding: .utf8)) ?? "")
}

/// `/openapi.yaml` as tools read it: valid OpenAPI 3.1 (openapi-spec-validator from PyPI; .ci/run
/// installs it), YAML that says exactly what the document's tree says whatever its strings hold,
/// and schemas that every route's real answers match (Python jsonschema).
@Suite("openapi.yaml as tools read it", .serialized)
struct OpenAPIValidationTests {
    @Test("the served document is valid OpenAPI 3.1 for openapi-spec-validator")
    func specValidator() async throws {
        let version = try runFromPath(["openapi-spec-validator", "--version"], timeout: 30)
        try #require(version.status == 0, "openapi-spec-validator is needed: python3 -m pip install openapi-spec-validator (.ci/run does)")
        let (server, _) = try await serverFixture()
        let app = buildApplication(server, logger: Logger(label: "test"))
        let served = try await app.test(.router) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get) { r in
                #expect(r.headers[.contentType] == "application/yaml")
                return String(buffer: r.body)
            }
        }
        let file = try Fixtures.temporaryDirectory().appendingPathComponent("openapi.yaml")
        try served.write(to: file, atomically: true, encoding: .utf8)
        let check = try runFromPath(["openapi-spec-validator", "--schema", "3.1", file.path])
        #expect(check.status == 0, "\(check.output.suffix(4000))")
        #expect(check.output.contains("OK"), "\(check.output.suffix(2000))")
    }

    /// Strings that YAML would read as something else if written plain.
    static let hostile: [String] = [
        "Readiness — store, migrations, recovery, reconciler, venues", "a: b", "{ x: y }", "[1, 2]", "# not a comment", "- item", "true", "no", "null",
        "~", "0x1F", "1e308", "012", "@at", "`tick`", "'single'", "\"double\"", "back\\slash", "line\nbreak\ttab", "trailing ", " leading", "",
        "%TAG", "!tag", "&anchor", "*alias", "? key", "| block", "> folded", "é — ü", "\u{2028}sep", "\u{1}control",
    ]

    @Test("the YAML reads back (PyYAML, YAML 1.1) as exactly the document's tree, hostile strings included")
    func yamlReadsBack() throws {
        let probe: APIValue = .object(Self.hostile.enumerated().flatMap { i, text -> [(key: String, value: APIValue)] in
            [(key: text.isEmpty ? "empty" : text, value: .string(text)), (key: "k\(i)", value: .array([.string(text), .object([(key: text, value: .int(i))])]))]
        })
        let directory = try Fixtures.temporaryDirectory()
        var pairs: [String] = []
        for (name, value) in [("probe", probe), ("openapi", OpenAPIDocument.document)] {
            try value.yaml.write(to: directory.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8)
            try value.json.write(to: directory.appendingPathComponent("\(name).json"), atomically: true, encoding: .utf8)
            pairs.append(name)
        }
        let script = """
            import json, sys, yaml
            for name in sys.argv[2:]:
                a = yaml.safe_load(open(sys.argv[1] + "/" + name + ".yaml", encoding="utf-8"))
                b = json.load(open(sys.argv[1] + "/" + name + ".json", encoding="utf-8"))
                if a != b:
                    print(name, "differs:", [k for k in set(a) | set(b) if a.get(k) != b.get(k)][:10]); sys.exit(1)
            print("same")
            """
        let check = try runFromPath(["python3", "-c", script, directory.path] + pairs)
        #expect(check.status == 0 && check.output.contains("same"), "\(check.output.suffix(3000))")
    }

    struct Answer: Encodable {
        var method: String
        var path: String
        var uri: String
        var status: Int
        var contentType: String
        var body: String
    }

    @Test("every route's real answers match the schemas the document gives them (jsonschema)")
    func answersMatchSchemas() async throws {
        let (server, secrets) = try await serverFixture()
        let store = server.store
        for t in 1...5 { try await server.fleet!.tick(nowMs: Int64(Date().timeIntervalSince1970 * 1000) + Int64(t) * 1000) }
        try store.recordEquity([(bot: "eth-trend", sample: EquitySample(time: 1_000, equity: "1000")),
                                (bot: "eth-trend", sample: EquitySample(time: 2_000, equity: "1000.5"))])
        let revocable = try store.createToken(role: .viewer).token.id
        // An edit for the plan below to apply: a new revision of eth-trend, so promote has a
        // rollout to act on (a completed one has nothing to promote: 409).
        let file = try #require(server.layout.root).appendingPathComponent("bots.d/eth-trend.yaml")
        try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: "fast: 10", with: "fast: 12").write(to: file, atomically: true, encoding: .utf8)
        let app = buildApplication(server, logger: Logger(label: "test"))
        let headers = bearer(secrets[.admin])
        let answers = try await app.test(.router) { client -> [Answer] in
            var answers: [Answer] = []
            func call(_ route: APIRoute, _ uri: String, body: String? = nil) async throws -> String {
                try await client.execute(uri: uri, method: route.method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { r in
                    let text = String(buffer: r.body)
                    answers.append(Answer(method: route.method.rawValue.lowercased(), path: route.openAPIPath, uri: uri, status: Int(r.status.code),
                                          contentType: r.headers[.contentType] ?? "", body: text))
                    #expect((200..<300).contains(Int(r.status.code)), "\(route) \(uri): \(r.status) \(text.prefix(300))")
                    return text
                }
            }
            for (route, uri) in [
                (Routes.metrics, "/metrics"), (Routes.dashboard, "/"), (Routes.openAPI, "/openapi.yaml"),
                (Routes.bots, "/api/v1/bots"), (Routes.bots, "/api/v1/bots?selector=team=alpha"), (Routes.bot, "/api/v1/bots/eth-trend"),
                (Routes.botHealth, "/api/v1/bots/eth-trend/health"), (Routes.botFills, "/api/v1/bots/eth-trend/fills?mode=all"),
                (Routes.botPositions, "/api/v1/bots/eth-trend/positions"), (Routes.botOrders, "/api/v1/bots/eth-trend/orders"),
                (Routes.botBalances, "/api/v1/bots/eth-trend/balances"), (Routes.botRevisions, "/api/v1/bots/eth-trend/revisions"),
                (Routes.botEquity, "/api/v1/bots/eth-trend/equity?points=10"), (Routes.rollout, "/api/v1/rollouts/eth-trend"),
                (Routes.events, "/api/v1/events?limit=50"), (Routes.strategies, "/api/v1/strategies"), (Routes.profiles, "/api/v1/profiles"), (Routes.accounts, "/api/v1/accounts"),
                (Routes.profile, "/api/v1/profiles/moderate"), (Routes.tokens, "/api/v1/tokens"),
            ] {
                _ = try await call(route, uri)
            }
            // The probes may say 503 on a fixture fleet no service ticks (a loaded machine); both answers are documented.
            for probe in ["/healthz", "/readyz"] {
                try await client.execute(uri: probe, method: .get) { r in
                    answers.append(Answer(method: "get", path: probe, uri: probe, status: Int(r.status.code), contentType: r.headers[.contentType] ?? "",
                                          body: String(buffer: r.body)))
                }
            }
            let run = try await call(Routes.planCreate, "/api/v1/plans", body: "{}")
            let id = try #require(run.firstMatch(of: /"id":"([A-Za-z0-9-]+)"/)?.1)
            _ = try await call(Routes.plan, "/api/v1/plans/\(id)")
            _ = try await call(Routes.planApply, "/api/v1/plans/\(id)/apply")
            _ = try await call(Routes.profileSwitch, "/api/v1/profiles/aggressive/switch", body: #"{"targets": ["eth-trend"]}"#)
            _ = try await call(Routes.tokenCreate, "/api/v1/tokens", body: #"{"role": "viewer", "expires": "1h"}"#)
            _ = try await call(Routes.tokenRevoke, "/api/v1/tokens/\(revocable)")
            _ = try await call(Routes.botAction, "/api/v1/bots/ltc-rsi/pause")
            // A halted bot's view has its halt.
            _ = try await call(Routes.halt, "/api/v1/halt", body: #"{"reduceOnly": true, "selector": {"team": "alpha"}, "reason": "drill"}"#)
            _ = try await call(Routes.bots, "/api/v1/bots")
            _ = try await call(Routes.bot, "/api/v1/bots/eth-trend")
            _ = try await call(Routes.resumeAll, "/api/v1/resume-all")
            _ = try await call(Routes.rolloutAction, "/api/v1/rollouts/eth-trend/promote?full=true")
            _ = try await call(Routes.audit, "/api/v1/audit?limit=20")
            _ = try await call(Routes.botDelete, "/api/v1/bots/xrp-grid")
            // Errors have their schema too.
            try await client.execute(uri: "/api/v1/bots/ghost", method: .get, headers: headers) { r in
                answers.append(Answer(method: "get", path: "/api/v1/bots/{name}", uri: "/api/v1/bots/ghost", status: Int(r.status.code),
                                      contentType: r.headers[.contentType] ?? "", body: String(buffer: r.body)))
            }
            return answers
        }
        let exercised = Set(answers.map { "\($0.method) \($0.path)" })
        for route in Routes.all {
            #expect(exercised.contains("\(route.method.rawValue.lowercased()) \(route.openAPIPath)"), "\(route) has an answer checked")
        }
        let directory = try Fixtures.temporaryDirectory()
        let documentFile = directory.appendingPathComponent("openapi.json"), answersFile = directory.appendingPathComponent("answers.json")
        try OpenAPIDocument.document.json.write(to: documentFile, atomically: true, encoding: .utf8)
        try JSONEncoder().encode(answers).write(to: answersFile)
        let script = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/openapi/validate_answers.py")
        let check = try runFromPath(["python3", script.path, documentFile.path, answersFile.path])
        #expect(check.status == 0, "\(check.output.suffix(6000))")
        #expect(check.output.contains("\(answers.count) answers checked, 0 problems"), "\(check.output.suffix(500))")
    }
}
