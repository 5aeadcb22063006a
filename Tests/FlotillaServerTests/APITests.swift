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

/// A project copy with its bots applied and a fleet that ran a first pass.
func serverFixture(tokens: Bool = true) async throws -> (ServerContext, [APIToken.Role: String]) {
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
    return (ServerContext(store: store, layout: ProjectLayout(root: dir), fleet: fleet, maxBodyBytes: 64 * 1024), secrets)
}

func bearer(_ secret: String?) -> HTTPFields {
    guard let secret else { return [:] }
    return [.authorization: "Bearer \(secret)"]
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
            // A reconcile pass just now: readiness wants one within the last two seconds.
            try await server.fleet!.reconcile(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
            try await client.execute(uri: "/readyz", method: .get) { r in
                #expect(r.status == .ok)
                for component in ["store", "migrations", "recovery", "reconciler", "venue.paper"] {
                    #expect(String(buffer: r.body).contains("\"\(component)\""))
                }
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
        .init(label: "admin plans the project's files", method: .post, uri: "/api/v1/plans", role: .admin, status: .ok),
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
        let expired = try server.store.createToken(role: .admin, expiresAt: Date().addingTimeInterval(-1)).secret
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
            try await client.execute(uri: "/api/v1/rollouts/eth-trend/promote", method: .post, headers: bearer(secrets[.operator])) { r in
                #expect(r.status == .accepted)
            }
        }
        let entries = try server.store.audit()
        #expect(entries.contains { $0.path == "/api/v1/bots/eth-trend/pause" && $0.status == 202 && $0.principal.hasPrefix("token ") })
        #expect(entries.contains { $0.path == "/api/v1/bots/eth-trend/pause" && $0.status == 403 })
        #expect(entries.contains { $0.path == "/api/v1/rollouts/eth-trend/promote" && $0.status == 202 })
        #expect(try server.store.botControls()["eth-trend"] == "paused")
    }

    @Test("without any token the API is open (loopback installs), as admin")
    func openWithoutTokens() async throws {
        let (server, _) = try await serverFixture(tokens: false)
        let app = buildApplication(server, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/bots", method: .get) { r in
                #expect(r.status == .ok)
                let bots = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [[String: Any]]
                #expect(bots?.count == 6)
            }
        }
    }

    @Test("every route the server answers is in openapi.yaml")
    func openAPICoversRoutes() async throws {
        let document = OpenAPIDocument.yaml
        for (method, path) in APIRoutes.all {
            guard let start = document.range(of: "\n  \(path):\n") else {
                Issue.record("\(path) is missing from openapi.yaml")
                continue
            }
            let rest = document[start.upperBound...]
            let section = rest.range(of: "\n  /").map { rest[..<$0.lowerBound] } ?? rest
            #expect(section.contains("\(method.lowercased()):"), "\(method) \(path) is not described")
        }
        let (server, _) = try await serverFixture()
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
