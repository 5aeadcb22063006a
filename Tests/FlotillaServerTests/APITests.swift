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

/// A project copy with its bots applied and a fleet that ran a first pass; with `tokens`, one
/// token of each role (there is no open API without one: every test authenticates).
func serverFixture(tokens: Bool = true, configure: (inout ServerContext) -> Void = { _ in }) async throws -> (ServerContext, [APIToken.Role: String]) {
    let dir = try Fixtures.projectCopy()
    let store = try StateStore(path: dir.appendingPathComponent(".flotilla/state.db").path)
    let specs = try SpecLoader.load(ProjectLayout(root: dir))
    let lock = try store.acquireApplyLock(operation: "test", timeout: 1)
    _ = try store.apply(specs.bots.map(StateChange.create), expectedSerial: 0, lock: lock)
    try store.releaseApplyLock(lock)
    let fleet = Fleet(store: store, dataDirectory: nil, logger: Logger(label: "test"))
    try await fleet.recover(nowMs: 0)
    try await fleet.reconcile(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
    var secrets: [APIToken.Role: String] = [:]
    if tokens {
        for role in APIToken.Role.allCases { secrets[role] = try store.createToken(role: role).secret }
    }
    var server = ServerContext(store: store, layout: .checked(root: dir), fleet: fleet, maxBodyBytes: 64 * 1024)
    // Tests drive the reconciler by hand, seconds apart on a loaded machine: readiness judges
    // the pass they made, not how long ago it was.
    server.reconcilerFreshness = 600
    server.reconcilerStallBound = 600
    configure(&server)
    return (server, secrets)
}

/// The headers of an API call with this token: the bearer token and, for bodies, JSON.
func bearer(_ secret: String?) -> HTTPFields {
    guard let secret else { return [:] }
    return [.authorization: "Bearer \(secret)", .contentType: "application/json"]
}

func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(buffer: response.body))
}

@Suite("HTTP API", .serialized)
struct APITests {
    @Test("health and readiness report their components without a token")
    func health() async throws {
        let (server, _) = try await serverFixture()
        let app = buildApplication(server, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).contains("\"reconciler\""))
            }
            // A reconcile pass just now: readiness wants one within the last two seconds. On a loaded
            // machine more than two seconds can pass between the pass and the request, so the pass is
            // repeated (a few times at most) until readiness sees a fresh one.
            var ready: (status: HTTPResponse.Status, body: String) = (.serviceUnavailable, "")
            for _ in 0..<10 {
                try await server.fleet!.reconcile(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
                ready = try await client.execute(uri: "/readyz", method: .get) { r in (r.status, String(buffer: r.body)) }
                if ready.status == .ok { break }
            }
            #expect(ready.status == .ok, "\(ready.body)")
            for component in ["store", "migrations", "recovery", "reconciler", "venue.paper"] {
                #expect(ready.body.contains("\"\(component)\""))
            }
        }
    }

    struct AuthCase: Sendable, CustomTestStringConvertible {
        var label: String
        var method: HTTPRequest.Method
        var uri: String
        var role: APIToken.Role?
        var bad: Bool = false
        var status: HTTPResponse.Status
        var testDescription: String { label }
    }

    static let authCases: [AuthCase] = [
        .init(label: "no token → 401", method: .get, uri: "/api/v1/bots", role: nil, status: .unauthorized),
        .init(label: "unknown token → 401", method: .get, uri: "/api/v1/bots", role: nil, bad: true, status: .unauthorized),
        .init(label: "viewer reads bots", method: .get, uri: "/api/v1/bots", role: .viewer, status: .ok),
        .init(label: "viewer cannot pause a bot → 403", method: .post, uri: "/api/v1/bots/eth-trend/pause", role: .viewer, status: .forbidden),
        .init(label: "operator pauses a bot", method: .post, uri: "/api/v1/bots/eth-trend/pause", role: .operator, status: .accepted),
        .init(label: "operator cannot read the audit log → 403", method: .get, uri: "/api/v1/audit", role: .operator, status: .forbidden),
        .init(label: "admin reads the audit log", method: .get, uri: "/api/v1/audit", role: .admin, status: .ok),
        .init(label: "operator cannot plan → 403", method: .post, uri: "/api/v1/plans", role: .operator, status: .forbidden),
        .init(label: "admin plans the project's files", method: .post, uri: "/api/v1/plans", role: .admin, status: .created),
        .init(label: "orders", method: .get, uri: "/api/v1/bots/eth-trend/orders?status=filled", role: .viewer, status: .ok),
        .init(label: "orders with a bad status → 400", method: .get, uri: "/api/v1/bots/eth-trend/orders?status=lost", role: .viewer, status: .badRequest),
        .init(label: "balances", method: .get, uri: "/api/v1/bots/eth-trend/balances", role: .viewer, status: .ok),
        .init(label: "balances of an unknown bot → 404", method: .get, uri: "/api/v1/bots/ghost/balances", role: .viewer, status: .notFound),
        .init(label: "operator cannot switch profiles → 403", method: .post, uri: "/api/v1/profiles/conservative/switch", role: .operator, status: .forbidden),
        .init(label: "admin plans a profile switch", method: .post, uri: "/api/v1/profiles/conservative/switch", role: .admin, status: .created),
        .init(label: "switch to an unknown profile → 404", method: .post, uri: "/api/v1/profiles/reckless/switch", role: .admin, status: .notFound),
        .init(label: "unknown plan → 404", method: .get, uri: "/api/v1/plans/plan-0000", role: .admin, status: .notFound),
        .init(label: "applying an unknown plan → 404", method: .post, uri: "/api/v1/plans/plan-0000/apply", role: .admin, status: .notFound),
        .init(label: "operator cannot apply a plan → 403", method: .post, uri: "/api/v1/plans/plan-0000/apply", role: .operator, status: .forbidden),
        .init(label: "bad plan id → 400", method: .get, uri: "/api/v1/plans/plan%2F..", role: .admin, status: .badRequest),
        .init(label: "operator resets a bot's errors", method: .post, uri: "/api/v1/bots/eth-trend/reset-errors", role: .operator, status: .accepted),
        .init(label: "viewer cannot delete a bot → 403", method: .delete, uri: "/api/v1/bots/eth-trend", role: .viewer, status: .forbidden),
        .init(label: "deleting an unknown bot → 404", method: .delete, uri: "/api/v1/bots/ghost", role: .operator, status: .notFound),
        .init(label: "operator deletes a bot", method: .delete, uri: "/api/v1/bots/eth-trend", role: .operator, status: .ok),
        .init(label: "revisions", method: .get, uri: "/api/v1/bots/eth-trend/revisions", role: .viewer, status: .ok),
        .init(label: "undo without an earlier revision → 409", method: .post, uri: "/api/v1/rollouts/eth-trend/undo", role: .operator, status: .conflict),
        .init(label: "unknown rollout action → 400", method: .post, uri: "/api/v1/rollouts/eth-trend/explode", role: .operator, status: .badRequest),
        .init(label: "operator cannot list tokens → 403", method: .get, uri: "/api/v1/tokens", role: .operator, status: .forbidden),
        .init(label: "admin lists tokens", method: .get, uri: "/api/v1/tokens", role: .admin, status: .ok),
        .init(label: "creating a token without a body → 400", method: .post, uri: "/api/v1/tokens", role: .admin, status: .badRequest),
        .init(label: "revoking an unknown token → 404", method: .delete, uri: "/api/v1/tokens/abcdef012345", role: .admin, status: .notFound),
        .init(label: "a bad token id → 400", method: .delete, uri: "/api/v1/tokens/not-hex", role: .admin, status: .badRequest),
        .init(label: "viewer cannot read plans → 403", method: .get, uri: "/api/v1/plans/plan-0000", role: .viewer, status: .forbidden),
        .init(label: "unknown bot → 404", method: .get, uri: "/api/v1/bots/no-such-bot", role: .viewer, status: .notFound),
        .init(label: "bad bot name → 400", method: .get, uri: "/api/v1/bots/Bad_Name", role: .viewer, status: .badRequest),
        .init(label: "unknown action → 400", method: .post, uri: "/api/v1/bots/eth-trend/explode", role: .operator, status: .badRequest),
        .init(label: "rollout of a bot", method: .get, uri: "/api/v1/rollouts/eth-trend", role: .viewer, status: .ok),
        .init(label: "bot health", method: .get, uri: "/api/v1/bots/eth-trend/health", role: .viewer, status: .ok),
        .init(label: "positions", method: .get, uri: "/api/v1/bots/eth-trend/positions", role: .viewer, status: .ok),
        .init(label: "fills", method: .get, uri: "/api/v1/bots/eth-trend/fills", role: .viewer, status: .ok),
        .init(label: "events", method: .get, uri: "/api/v1/events?limit=5", role: .viewer, status: .ok),
        .init(label: "strategies", method: .get, uri: "/api/v1/strategies", role: .viewer, status: .ok),
        .init(label: "profiles", method: .get, uri: "/api/v1/profiles", role: .viewer, status: .ok),
        .init(label: "a profile", method: .get, uri: "/api/v1/profiles/moderate", role: .viewer, status: .ok),
        .init(label: "an unknown profile → 404", method: .get, uri: "/api/v1/profiles/reckless", role: .viewer, status: .notFound),
        .init(label: "bad selector → 400", method: .get, uri: "/api/v1/bots?selector=team", role: .viewer, status: .badRequest),
    ]

    @Test("every route checks the token and the role, with the documented error shape", arguments: authCases)
    func auth(_ c: AuthCase) async throws {
        let (server, secrets) = try await serverFixture()
        let app = buildApplication(server, logger: Logger(label: "test"))
        let serialBefore = try server.store.stateSerial()
        try await app.test(.router) { client in
            let secret = c.bad ? "flt_not-a-token" : c.role.flatMap { secrets[$0] }
            try await client.execute(uri: c.uri, method: c.method, headers: bearer(secret)) { r in
                #expect(r.status == c.status, "\(String(buffer: r.body))")
                if r.status.code >= 400 {
                    let body = try decode(ErrorShape.self, r)
                    #expect(!body.error.code.isEmpty && !body.error.message.isEmpty)
                }
            }
        }
        if c.status.code >= 400 { #expect(try server.store.stateSerial() == serialBefore, "a failed call changes nothing") }
    }

    @Test("expired and revoked tokens are refused")
    func expiredAndRevoked() async throws {
        let (server, _) = try await serverFixture()
        let expired = try server.store.createToken(role: .admin, expiresAt: Date().addingTimeInterval(1.1)).secret
        try await Task.sleep(for: .seconds(1.2))
        let revoked = try server.store.createToken(role: .admin)
        try server.store.revokeToken(id: revoked.token.id)
        let app = buildApplication(server, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            for secret in [expired, revoked.secret] {
                try await client.execute(uri: "/api/v1/bots", method: .get, headers: bearer(secret)) { r in #expect(r.status == .unauthorized) }
            }
        }
    }

    @Test("oversized and malformed bodies are refused and change nothing")
    func bodies() async throws {
        let (server, secrets) = try await serverFixture()
        let app = buildApplication(server, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            let big = ByteBuffer(repeating: UInt8(ascii: "a"), count: 200 * 1024)
            try await client.execute(uri: "/api/v1/plans", method: .post, headers: bearer(secrets[.admin]), body: big) { r in
                #expect(r.status == .contentTooLarge)
            }
            try await client.execute(uri: "/api/v1/plans", method: .post, headers: bearer(secrets[.admin]), body: ByteBuffer(string: "{not json")) { r in
                #expect(r.status == .badRequest)
            }
            let invalid = #"{"files": {"bots.d/x.yaml": "kind: Bot\nmetadata: {name: X}"}}"#
            try await client.execute(uri: "/api/v1/plans", method: .post, headers: bearer(secrets[.admin]), body: ByteBuffer(string: invalid)) { r in
                #expect(r.status == .unprocessableContent)
                #expect(String(buffer: r.body).contains("invalid_specs"))
            }
        }
    }

    @Test("mutating calls go to the audit log, failures included")
    func audit() async throws {
        let (server, secrets) = try await serverFixture()
        let app = buildApplication(server, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/bots/eth-trend/pause", method: .post, headers: bearer(secrets[.operator])) { _ in }
            try await client.execute(uri: "/api/v1/bots/eth-trend/pause", method: .post, headers: bearer(secrets[.viewer])) { _ in }
            // Its first rollout completed: nothing to promote, refused — and audited all the same.
            try await client.execute(uri: "/api/v1/rollouts/eth-trend/promote", method: .post, headers: bearer(secrets[.operator])) { r in
                #expect(r.status == .conflict)
            }
        }
        let entries = try server.store.audit()
        #expect(entries.contains { $0.path == "/api/v1/bots/eth-trend/pause" && $0.status == 202 && $0.principal.hasPrefix("token ") })
        #expect(entries.contains { $0.path == "/api/v1/bots/eth-trend/pause" && $0.status == 403 })
        #expect(entries.contains { $0.path == "/api/v1/rollouts/eth-trend/promote" && $0.status == 409 })
        #expect(try server.store.botControls()["eth-trend"] == .paused)
    }

    @Test("without any token nothing but the open routes answers: no anonymous admin")
    func closedWithoutTokens() async throws {
        let (server, _) = try await serverFixture(tokens: false)
        let app = buildApplication(server, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            for (uri, method) in [("/api/v1/bots", HTTPRequest.Method.get), ("/api/v1/tokens", .get), ("/api/v1/tokens", .post), ("/api/v1/bots/eth-trend/stop", .post)] {
                try await client.execute(uri: uri, method: method) { r in
                    #expect(r.status == .unauthorized, "\(method) \(uri)")
                    #expect(r.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                }
            }
            try await client.execute(uri: "/healthz", method: .get) { r in #expect(r.status == .ok) }
        }
        #expect(try server.store.tokens().isEmpty, "nothing was minted")
        #expect(try server.store.botControls()["eth-trend"] == nil, "nothing was stopped")
    }

    @Test("the router answers exactly the route table, and openapi.yaml describes each route with its role and the gate's answers")
    func openAPICoversRoutes() async throws {
        let document = OpenAPIDocument.yaml
        let (server, _) = try await serverFixture()
        func normalized(_ path: String) -> String {
            "/" + path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
        }
        let answered = Set(buildRouter(server).routes.map { "\($0.method.rawValue) \(normalized("\($0.path)"))" })
        let declared = Set(Routes.all.map { "\($0.method.rawValue) \($0.openAPIPath)" })
        #expect(answered == declared, "router \(answered.symmetricDifference(declared))")
        let tree = OpenAPIDocument.document
        for route in Routes.all {
            guard let item = tree["paths"]?[route.openAPIPath] else {
                Issue.record("\(route.openAPIPath) is missing from openapi.yaml")
                continue
            }
            guard let operation = item[route.method.rawValue.lowercased()] else {
                Issue.record("\(route) is not described")
                continue
            }
            let role: String = switch route.access {
            case .open, .metrics: "none"
            case .role(let r): r.rawValue
            }
            #expect(operation["x-required-role"]?.stringValue == role, "\(route) role")
            var statuses = ["400", "401", "421"]
            if route.access != .open || route.isMutating { statuses.append("403") }
            if route.isMutating { statuses += ["413", "415"] }
            let documented = operation["responses"]?.keys ?? []
            for status in statuses { #expect(documented.contains(status), "\(route) documents \(status)") }
            // Every success answer has a schema for its body.
            for status in documented where status.hasPrefix("2") {
                #expect(operation["responses"]?[status]?["content"]?.keys.isEmpty == false, "\(route) \(status) has a body schema")
            }
        }
        #expect(document.contains("WWW-Authenticate"))
        let app = buildApplication(server, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/openapi.yaml", method: .get) { r in #expect(String(buffer: r.body) == document) }
            try await client.execute(uri: "/", method: .get) { r in
                #expect(r.status == .ok)
                #expect(!String(buffer: r.body).contains("http"), "the dashboard loads nothing from elsewhere")
            }
        }
    }
}

struct ErrorShape: Decodable {
    struct Inner: Decodable { var code: String; var message: String; var details: [String: String] }
    var error: Inner
}

struct PlanRunShape: Decodable {
    struct Inner: Decodable {
        struct Change: Decodable { var name: String; var action: String }
        var stateSerial: Int
        var changes: [Change]
    }
    var id: String
    var source: String
    var plan: Inner
    var edits: [String]?
}

@Suite("Plans and profile switches over the API", .serialized)
struct PlanAPITests {
    static let edited = #"""
        apiVersion: flotilla/v1
        kind: Bot
        metadata: { name: eth-trend, labels: { team: alpha } }
        spec:
          profile: moderate
          market: { symbol: ETH-BTC, interval: 5m, source: { replay: ETH_BTC-5m.csv, speed: 600 } }
          strategy: { kind: ma_crossover, params: { fast: 12, slow: 30 } }
          capital: { quote: 1000 }
        """#

    @Test("a posted spec that replays a file outside the project, or a missing one, is refused and nothing is planned",
          arguments: ["/etc/passwd", "../../../../../../../../etc/passwd", "NOSUCH-5m.csv"])
    func postedReplayRefused(_ replay: String) async throws {
        let (server, secrets) = try await serverFixture()
        let app = buildApplication(server, logger: Logger(label: "test"))
        let profiles = try String(contentsOf: server.layout.profiles.appendingPathComponent("moderate.yaml"), encoding: .utf8)
        let spec = Self.edited.replacingOccurrences(of: "replay: ETH_BTC-5m.csv", with: "replay: \"\(replay)\"")
        let body = try JSONSerialization.data(withJSONObject: ["files": ["bots.d/eth-trend.yaml": spec, "profiles/moderate.yaml": profiles]])
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/plans", method: .post, headers: bearer(secrets[.admin]), body: ByteBuffer(bytes: body)) { r in
                #expect(r.status == .unprocessableContent, "\(String(buffer: r.body))")
                #expect(String(buffer: r.body).contains("spec.market.source.replay") && !String(buffer: r.body).contains("root:"))
            }
        }
    }

    @Test("a plan is applied by id, exactly once; a plan made before another apply is refused as stale and changes nothing")
    func applyById() async throws {
        let (server, secrets) = try await serverFixture()
        let app = buildApplication(server, logger: Logger(label: "test"))
        let admin = bearer(secrets[.admin])
        let profiles = try String(contentsOf: server.layout.profiles.appendingPathComponent("moderate.yaml"), encoding: .utf8)
        let body = try JSONSerialization.data(withJSONObject: ["files": ["bots.d/eth-trend.yaml": Self.edited, "profiles/moderate.yaml": profiles], "targets": ["eth-trend"]])
        try await app.test(.router) { client in
            let first = try await client.execute(uri: "/api/v1/plans", method: .post, headers: admin, body: ByteBuffer(bytes: body)) { r in
                #expect(r.status == .created, "\(String(buffer: r.body))")
                return try decode(PlanRunShape.self, r)
            }
            #expect(first.source == "posted")
            #expect(first.plan.changes.map(\.name) == ["eth-trend"])
            let second = try await client.execute(uri: "/api/v1/plans", method: .post, headers: admin, body: ByteBuffer(bytes: body)) { r in
                try decode(PlanRunShape.self, r)
            }
            let serial = try server.store.stateSerial()
            try await client.execute(uri: "/api/v1/plans/\(first.id)/apply", method: .post, headers: admin) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
            }
            #expect(try server.store.stateSerial() == serial + 1)
            #expect(try server.store.revisions(of: "eth-trend").count == 2)
            try await client.execute(uri: "/api/v1/plans/\(first.id)/apply", method: .post, headers: admin) { r in
                #expect(r.status == .conflict)
                let error = try decode(ErrorShape.self, r).error
                #expect(error.code == "already_applied")
            }
            try await client.execute(uri: "/api/v1/plans/\(second.id)/apply", method: .post, headers: admin) { r in
                #expect(r.status == .conflict)
                let error = try decode(ErrorShape.self, r).error
                #expect(error.code == "stale_plan")
                #expect(error.details.values.contains { $0.contains("state serial moved") })
            }
            #expect(try server.store.stateSerial() == serial + 1, "the stale plan changed nothing")
            try await client.execute(uri: "/api/v1/plans/\(second.id)", method: .get, headers: admin) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).contains("state serial moved"))
            }
        }
    }

    @Test("a profile switch is a plan first; applying it backs up and edits the bot files and records new revisions")
    func profileSwitch() async throws {
        let (server, secrets) = try await serverFixture()
        let app = buildApplication(server, logger: Logger(label: "test"))
        let admin = bearer(secrets[.admin])
        let root = server.layout.displayBase!
        let before = try SpecLoader.load(server.layout)
        let alpha = before.bots.filter { $0.labels["team"] == "alpha" && $0.profile != "aggressive" }.map(\.name).sorted()
        #expect(!alpha.isEmpty)
        let switchBody = ByteBuffer(string: #"{"selector": {"team": "alpha"}}"#)
        try await app.test(.router) { client in
            let run = try await client.execute(uri: "/api/v1/profiles/aggressive/switch", method: .post, headers: admin, body: switchBody) { r in
                #expect(r.status == .created, "\(String(buffer: r.body))")
                return try decode(PlanRunShape.self, r)
            }
            #expect(run.source == "profile-switch")
            #expect(run.plan.changes.map(\.name).sorted() == alpha)
            #expect(try SpecLoader.load(server.layout).bots.filter { alpha.contains($0.name) }.allSatisfy { $0.profile != "aggressive" }, "planning edits nothing")

            // A hand edit after the plan makes it stale.
            let stale = try await client.execute(uri: "/api/v1/profiles/aggressive/switch", method: .post, headers: admin, body: switchBody) { r in
                try decode(PlanRunShape.self, r)
            }
            let touched = root.appendingPathComponent(run.edits!.first!)
            let original = try String(contentsOf: touched, encoding: .utf8)
            try (original + "\n# a hand edit\n").write(to: touched, atomically: true, encoding: .utf8)
            try await client.execute(uri: "/api/v1/plans/\(stale.id)/apply", method: .post, headers: admin) { r in
                #expect(r.status == .conflict)
                #expect(String(buffer: r.body).contains("changed"))
            }
            try original.write(to: touched, atomically: true, encoding: .utf8)

            try await client.execute(uri: "/api/v1/plans/\(run.id)/apply", method: .post, headers: admin) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
                #expect(String(buffer: r.body).contains(".flotilla/backups/"))
            }
            let backups = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(".flotilla/backups").path)
            #expect(backups.count == 1)
            let saved = root.appendingPathComponent(".flotilla/backups/\(backups[0])/\(run.edits!.first!)")
            #expect(try String(contentsOf: saved, encoding: .utf8) == original)
        }
        let after = try SpecLoader.load(server.layout)
        for name in alpha {
            #expect(after.bot(named: name)?.profile == "aggressive")
            #expect(try server.store.desiredBot(named: name)?.spec?.profile == "aggressive")
        }
        let others = before.bots.filter { !alpha.contains($0.name) }
        for bot in others { #expect(after.bot(named: bot.name)?.specHash == bot.specHash, "bots outside the selector are untouched") }
        // Each edited file differs from the original in its profile lines only.
        for file in Set(before.bots.filter { alpha.contains($0.name) }.map(\.file)) {
            let backups = root.appendingPathComponent(".flotilla/backups")
            let stamp = try FileManager.default.contentsOfDirectory(atPath: backups.path)[0]
            let old = try String(contentsOf: backups.appendingPathComponent("\(stamp)/\(file)"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            let new = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(old.count == new.count)
            for (a, b) in zip(old, new) where a != b { #expect(b.contains("profile: aggressive"), "\(file): \(b)") }
        }
    }
}

@Suite("Orders and balances", .serialized)
struct TradingRoutesTests {
    @Test("orders filter by status with exact decimal strings; balances add up to the bot's live equity")
    func ordersAndBalances() async throws {
        let (server, secrets) = try await serverFixture()
        let fleet = try #require(server.fleet)
        // An hour of market time at speed 600: thousands of candles, some trades.
        let start = Int64(Date().timeIntervalSince1970 * 1000)
        for step in 1...4 { try await fleet.tick(nowMs: start + Int64(step) * 900_000) }
        let app = buildApplication(server, logger: Logger(label: "test"))
        struct Order: Decodable { var status: String; var side: String; var quantity: String; var fillPrice: String?; var instance: String }
        struct Balance: Decodable { var instance: String; var mode: String; var cash: String; var position: String; var equity: String; var startingCash: String }
        struct Balances: Decodable { var bot: String; var liveEquity: String; var instances: [Balance] }
        try await app.test(.router) { client in
            let viewer = bearer(secrets[.viewer])
            let filled = try await client.execute(uri: "/api/v1/bots/eth-trend/orders?status=filled", method: .get, headers: viewer) { r in
                #expect(r.status == .ok)
                return try decode([Order].self, r)
            }
            #expect(!filled.isEmpty, "eth-trend traded in an hour of candles")
            for order in filled {
                #expect(order.status == "filled" && order.fillPrice != nil)
                #expect(Decimal(string: order.quantity).map { $0 > 0 } == true, "\(order.quantity)")
            }
            let all = try await client.execute(uri: "/api/v1/bots/eth-trend/orders?limit=1000", method: .get, headers: viewer) { r in
                try decode([Order].self, r)
            }
            #expect(all.count >= filled.count)
            let balances = try await client.execute(uri: "/api/v1/bots/eth-trend/balances", method: .get, headers: viewer) { r in
                #expect(r.status == .ok)
                return try decode(Balances.self, r)
            }
            #expect(balances.bot == "eth-trend" && !balances.instances.isEmpty)
            var live = Decimal(0)
            for b in balances.instances where b.mode == "live" { live += Decimal(string: b.equity)! }
            #expect(live == Decimal(string: balances.liveEquity)!)
        }
    }
}
