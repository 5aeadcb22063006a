import FlotillaServer
import FlotillaStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Finding 1: the role comes from the matched route, and non-canonical paths never reach one.
/// Every route × every kind of credential, expected status per cell; then every route through
/// `//`, `/./`, `/../`, `%2F`, a trailing slash and case variants.
@Suite("The role matrix", .serialized)
struct RoleMatrixTests {
    /// A call of the route that is harmless whoever makes it (unknown names: 404 after authorization).
    struct Example: Sendable {
        var uri: String
        var body: String = ""
        /// The statuses a caller allowed to call it gets.
        var allowed: Set<Int>
    }

    static let examples: [APIRoute: Example] = [
        // 503 once the fixture fleet (which no service ticks) has not reconciled for 10 s.
        Routes.healthz: .init(uri: "/healthz", allowed: [200, 503]),
        Routes.readyz: .init(uri: "/readyz", allowed: [200, 503]),
        Routes.metrics: .init(uri: "/metrics", allowed: [200]),
        Routes.dashboard: .init(uri: "/", allowed: [200]),
        Routes.openAPI: .init(uri: "/openapi.yaml", allowed: [200]),
        Routes.bots: .init(uri: "/api/v1/bots", allowed: [200]),
        Routes.bot: .init(uri: "/api/v1/bots/ghost", allowed: [404]),
        Routes.botHealth: .init(uri: "/api/v1/bots/ghost/health", allowed: [404]),
        Routes.botAction: .init(uri: "/api/v1/bots/ghost/stop", allowed: [404]),
        Routes.botDelete: .init(uri: "/api/v1/bots/ghost", allowed: [404]),
        Routes.botFills: .init(uri: "/api/v1/bots/ghost/fills", allowed: [404]),
        Routes.botPositions: .init(uri: "/api/v1/bots/ghost/positions", allowed: [404]),
        Routes.botOrders: .init(uri: "/api/v1/bots/ghost/orders", allowed: [404]),
        Routes.botBalances: .init(uri: "/api/v1/bots/ghost/balances", allowed: [404]),
        Routes.botRevisions: .init(uri: "/api/v1/bots/ghost/revisions", allowed: [404]),
        Routes.botEquity: .init(uri: "/api/v1/bots/ghost/equity?points=10", allowed: [404]),
        Routes.rollout: .init(uri: "/api/v1/rollouts/ghost", allowed: [404]),
        Routes.rolloutAction: .init(uri: "/api/v1/rollouts/ghost/promote", allowed: [404]),
        Routes.halt: .init(uri: "/api/v1/halt", body: #"{"reduceOnly": true, "selector": {"team": "nobody"}}"#, allowed: [202]),
        Routes.resumeAll: .init(uri: "/api/v1/resume-all", body: #"{"selector": {"team": "never-halted"}}"#, allowed: [404]),
        Routes.events: .init(uri: "/api/v1/events?limit=1", allowed: [200]),
        Routes.strategies: .init(uri: "/api/v1/strategies", allowed: [200]),
        Routes.profiles: .init(uri: "/api/v1/profiles", allowed: [200]),
        Routes.accounts: .init(uri: "/api/v1/accounts", allowed: [200]),
        Routes.profile: .init(uri: "/api/v1/profiles/reckless", allowed: [404]),
        Routes.profileSwitch: .init(uri: "/api/v1/profiles/reckless/switch", body: "{}", allowed: [404]),
        Routes.planCreate: .init(uri: "/api/v1/plans", body: "{}", allowed: [201]),
        Routes.plan: .init(uri: "/api/v1/plans/plan-0000", allowed: [404]),
        Routes.planApply: .init(uri: "/api/v1/plans/plan-0000/apply", allowed: [404]),
        Routes.audit: .init(uri: "/api/v1/audit?limit=1", allowed: [200]),
        Routes.tokens: .init(uri: "/api/v1/tokens", allowed: [200]),
        Routes.tokenCreate: .init(uri: "/api/v1/tokens", body: #"{"role": "viewer", "expires": "1h"}"#, allowed: [201]),
        Routes.tokenRevoke: .init(uri: "/api/v1/tokens/abcdef012345", allowed: [404]),
    ]

    enum Credential: String, CaseIterable, Sendable {
        case none, malformedScheme, malformedShape, unknown, revoked, expired, viewer, `operator`, admin, lowercaseAdmin

        var role: APIToken.Role? {
            switch self {
            case .viewer: .viewer
            case .operator: .operator
            case .admin, .lowercaseAdmin: .admin
            default: nil
            }
        }
    }

    struct Fixture: Sendable {
        var server: ServerContext
        var headers: [Credential: HTTPFields]
    }

    /// One fixture for the whole matrix: the examples change nothing that matters between cells.
    static let fixture = Task { () throws -> Fixture in
        let (server, secrets) = try await serverFixture()
        let revoked = try server.store.createToken(role: .admin)
        try server.store.revokeToken(id: revoked.token.id)
        let expired = try server.store.createToken(role: .admin, expiresAt: Date().addingTimeInterval(1.5)).secret
        try await Task.sleep(for: .seconds(1.6))
        var headers: [Credential: HTTPFields] = [.none: [:]]
        let json: HTTPFields = [.contentType: "application/json"]
        func with(_ value: String) -> HTTPFields { var h = json; h[.authorization] = value; return h }
        headers[.malformedScheme] = with("Basic YWRtaW46YWRtaW4=")
        headers[.malformedShape] = with("Bearer \(secrets[.admin]!) extra")
        headers[.unknown] = with("Bearer flt_" + String(repeating: "0", count: 64))
        headers[.revoked] = with("Bearer \(revoked.secret)")
        headers[.expired] = with("Bearer \(expired)")
        headers[.viewer] = with("Bearer \(secrets[.viewer]!)")
        headers[.operator] = with("Bearer \(secrets[.operator]!)")
        headers[.admin] = with("Bearer \(secrets[.admin]!)")
        headers[.lowercaseAdmin] = with("bearer \(secrets[.admin]!)")
        return Fixture(server: server, headers: headers)
    }

    @Test("the matrix has an example for every route of the table")
    func covers() {
        #expect(Set(Self.examples.keys) == Set(Routes.all))
    }

    /// The status a caller with `credential` gets from `route`'s example.
    static func expected(_ route: APIRoute, _ credential: Credential, openMetrics: Bool) -> Set<Int> {
        let example = examples[route]!
        switch credential {
        case .malformedScheme, .malformedShape, .unknown, .revoked, .expired:
            return [401]  // credentials that are sent are checked, on every route
        case .none:
            let open = route.access == .open || (route.access == .metrics && openMetrics)
            return open ? example.allowed : [401]
        default:
            let needed: APIToken.Role? = switch route.access {
            case .open: nil
            case .metrics: openMetrics ? nil : .viewer
            case .role(let r): r
            }
            guard let needed, let role = credential.role, role < needed else { return example.allowed }
            return [403]
        }
    }

    @Test("each route × each credential: 401 before 403 before 404, the documented body, WWW-Authenticate on 401", arguments: Routes.all)
    func matrix(_ route: APIRoute) async throws {
        let fixture = try await Self.fixture.value
        let example = try #require(Self.examples[route])
        let app = buildApplication(fixture.server, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            for credential in Credential.allCases {
                let body = example.body.isEmpty ? nil : ByteBuffer(string: example.body)
                try await client.execute(uri: example.uri, method: route.method, headers: fixture.headers[credential]!, body: body) { r in
                    let want = Self.expected(route, credential, openMetrics: fixture.server.openMetrics)
                    #expect(want.contains(Int(r.status.code)), "\(route) as \(credential): \(r.status.code) \(String(buffer: r.body).prefix(200))")
                    if (400..<500).contains(r.status.code) {
                        #expect((try? decode(ErrorShape.self, r)) != nil, "\(route) as \(credential): the documented error body")
                    }
                    if r.status == .unauthorized { #expect(r.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true) }
                }
            }
        }
    }

    /// The same call through a path the router might read differently from the path text.
    static func variants(of uri: String) -> [(label: String, uri: String, canonical: Bool)] {
        let (path, query) = uri.firstIndex(of: "?").map { (String(uri[..<$0]), String(uri[$0...])) } ?? (uri, "")
        guard path != "/" else { return [("doubled", "//" + query, false), ("dot", "/." + query, false), ("escaped", "/%2F" + query, false)] }
        let cut = path.lastIndex(of: "/")!
        let head = path[..<cut], last = path[path.index(after: cut)...]
        let segments = path.dropFirst().split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let first = String(segments[0]), rest = segments.count > 1 ? "/" + segments[1] : ""
        return [
            ("doubled", "\(head)//\(last)\(query)", false),
            ("leading double", "/\(path)\(query)", false),
            ("dot segment", "\(head)/./\(last)\(query)", false),
            ("dot-dot segment", "\(head)/x/../\(last)\(query)", false),
            ("%2F", "\(head)%2F\(last)\(query)", false),
            ("%2f in a segment", "\(head)/\(last)%2f\(query)", false),
            ("trailing slash", "\(path)/\(query)", false),
            // Case variants of the fixed first segment (parameters are the handlers' to judge).
            ("upper case", "/" + first.uppercased() + rest + query, true),
            ("capitalised", "/" + first.prefix(1).uppercased() + first.dropFirst() + rest + query, true),
        ]
    }

    @Test("non-canonical paths are 400 before routing, for every credential; case variants match no route (401 without a token, 404 with one)",
          arguments: Routes.all)
    func pathVariants(_ route: APIRoute) async throws {
        let fixture = try await Self.fixture.value
        let example = try #require(Self.examples[route])
        let app = buildApplication(fixture.server, logger: Logger(label: "test"))
        let tokensBefore = try fixture.server.store.tokens().count
        try await app.test(.router) { client in
            for variant in Self.variants(of: example.uri) {
                for credential in [Credential.none, .viewer, .operator, .admin] {
                    let body = example.body.isEmpty ? nil : ByteBuffer(string: example.body)
                    try await client.execute(uri: variant.uri, method: route.method, headers: fixture.headers[credential]!, body: body) { r in
                        let want: Int = !variant.canonical ? 400 : credential == .none ? 401 : 404
                        #expect(Int(r.status.code) == want, "\(route) \(variant.label) \(variant.uri) as \(credential): \(r.status.code) \(String(buffer: r.body).prefix(160))")
                        #expect((try? decode(ErrorShape.self, r)) != nil)
                    }
                }
            }
        }
        if route == Routes.tokenCreate {
            #expect(try fixture.server.store.tokens().count == tokensBefore, "no variant minted a token")
        }
    }

    @Test("an operator cannot mint an admin token through /api/v1//tokens (the reported attack)")
    func doubledSlashAttack() async throws {
        let fixture = try await Self.fixture.value
        let app = buildApplication(fixture.server, logger: Logger(label: "test"))
        let before = try fixture.server.store.tokens().count
        try await app.test(.router) { client in
            for uri in ["/api/v1//tokens", "//api/v1/tokens", "/api//v1/tokens", "/api/v1/./tokens", "/api/v1/tokens/", "/api/v1%2Ftokens"] {
                try await client.execute(uri: uri, method: .post, headers: fixture.headers[.operator]!, body: ByteBuffer(string: #"{"role":"admin"}"#)) { r in
                    #expect(r.status == .badRequest, "\(uri): \(r.status)")
                }
                try await client.execute(uri: uri, method: .get, headers: fixture.headers[.viewer]!) { r in #expect(r.status == .badRequest, "\(uri)") }
            }
            for uri in ["/api/v1//audit", "/api//v1/audit", "/api/v1//plans"] {
                try await client.execute(uri: uri, method: .get, headers: fixture.headers[.viewer]!) { r in #expect(r.status == .badRequest, "\(uri)") }
            }
            try await client.execute(uri: "/api/v1/tokens", method: .post, headers: fixture.headers[.operator]!, body: ByteBuffer(string: #"{"role":"admin"}"#)) { r in
                #expect(r.status == .forbidden)
            }
        }
        #expect(try fixture.server.store.tokens().count == before)
    }
}

extension APIRoute: CustomTestStringConvertible {
    public var testDescription: String { description }
}
