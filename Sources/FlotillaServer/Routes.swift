import FlotillaAPI
import FlotillaStore
import Hummingbird

/// Who may call a route. Declared with the route: authorization reads the route the router matched,
/// never the path text of the request.
public enum Access: Sendable, Hashable, CustomStringConvertible {
    /// No token needed (health probes, the dashboard page, this document).
    case open
    /// `/metrics`: open unless `up --metrics-need-token`, then viewer.
    case metrics
    /// A token with at least this role.
    case role(APIToken.Role)

    public var description: String {
        switch self {
        case .open: "none"
        case .metrics: "none (viewer with --metrics-need-token)"
        case .role(let role): role.rawValue
        }
    }

    /// The role a token needs, nil when none is needed.
    func neededRole(openMetrics: Bool) -> APIToken.Role? {
        switch self {
        case .open: nil
        case .metrics: openMetrics ? nil : .viewer
        case .role(let role): role
        }
    }
}

/// What a route takes as its request body.
public enum BodyUse: Sendable, Hashable {
    /// Nothing (an empty body or `{}`).
    case none
    /// A JSON object, decoded strictly (unknown fields refused).
    case json
}

/// One route: method, path pattern (`:name` for a segment parameter), who may call it and what it reads.
public struct APIRoute: Sendable, Hashable, CustomStringConvertible {
    public var method: HTTPRequest.Method
    public var path: String
    public var access: Access
    public var body: BodyUse

    init(_ method: HTTPRequest.Method, _ path: String, _ access: Access, body: BodyUse = .none) {
        self.method = method
        self.path = path
        self.access = access
        self.body = body
    }

    /// The path as OpenAPI writes it: `/api/v1/bots/{name}`.
    public var openAPIPath: String {
        path == "/" ? "/" : "/" + path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }

    public var isMutating: Bool { method != .get && method != .head }

    public var description: String { "\(method.rawValue) \(path)" }
}

/// Every route of the server, with its access: the one table the router is built from and the
/// OpenAPI test reads. viewer reads; operator acts on bots and rollouts; admin plans, applies,
/// switches profiles, manages tokens and reads the audit log and plans.
public enum Routes {
    static let viewer = Access.role(.viewer), `operator` = Access.role(.operator), admin = Access.role(.admin)

    public static let healthz = APIRoute(.get, "/healthz", .open)
    public static let readyz = APIRoute(.get, "/readyz", .open)
    public static let metrics = APIRoute(.get, "/metrics", .metrics)
    public static let dashboard = APIRoute(.get, "/", .open)
    public static let openAPI = APIRoute(.get, "/openapi.yaml", .open)

    public static let bots = APIRoute(.get, "/api/v1/bots", viewer)
    public static let bot = APIRoute(.get, "/api/v1/bots/:name", viewer)
    public static let botHealth = APIRoute(.get, "/api/v1/bots/:name/health", viewer)
    public static let botAction = APIRoute(.post, "/api/v1/bots/:name/:action", `operator`)
    public static let botDelete = APIRoute(.delete, "/api/v1/bots/:name", `operator`)
    public static let botFills = APIRoute(.get, "/api/v1/bots/:name/fills", viewer)
    public static let botPositions = APIRoute(.get, "/api/v1/bots/:name/positions", viewer)
    public static let botOrders = APIRoute(.get, "/api/v1/bots/:name/orders", viewer)
    public static let botBalances = APIRoute(.get, "/api/v1/bots/:name/balances", viewer)
    public static let botRevisions = APIRoute(.get, "/api/v1/bots/:name/revisions", viewer)
    public static let botEquity = APIRoute(.get, "/api/v1/bots/:name/equity", viewer)
    public static let rollout = APIRoute(.get, "/api/v1/rollouts/:name", viewer)
    public static let rolloutAction = APIRoute(.post, "/api/v1/rollouts/:name/:action", `operator`)
    public static let halt = APIRoute(.post, "/api/v1/halt", `operator`, body: .json)
    public static let resumeAll = APIRoute(.post, "/api/v1/resume-all", `operator`, body: .json)
    public static let events = APIRoute(.get, "/api/v1/events", viewer)
    public static let strategies = APIRoute(.get, "/api/v1/strategies", viewer)
    public static let profiles = APIRoute(.get, "/api/v1/profiles", viewer)
    public static let profile = APIRoute(.get, "/api/v1/profiles/:name", viewer)
    public static let profileSwitch = APIRoute(.post, "/api/v1/profiles/:name/switch", admin, body: .json)
    public static let accounts = APIRoute(.get, "/api/v1/accounts", viewer)
    public static let planCreate = APIRoute(.post, "/api/v1/plans", admin, body: .json)
    public static let plan = APIRoute(.get, "/api/v1/plans/:id", admin)
    public static let planApply = APIRoute(.post, "/api/v1/plans/:id/apply", admin)
    public static let audit = APIRoute(.get, "/api/v1/audit", admin)
    public static let tokens = APIRoute(.get, "/api/v1/tokens", admin)
    public static let tokenCreate = APIRoute(.post, "/api/v1/tokens", admin, body: .json)
    public static let tokenRevoke = APIRoute(.delete, "/api/v1/tokens/:id", admin)

    public static let all: [APIRoute] = [
        healthz, readyz, metrics, dashboard, openAPI,
        bots, bot, botHealth, botAction, botDelete, botFills, botPositions, botOrders, botBalances, botRevisions, botEquity,
        rollout, rolloutAction, halt, resumeAll, events, strategies, profiles, profile, profileSwitch, accounts,
        planCreate, plan, planApply, audit, tokens, tokenCreate, tokenRevoke,
    ]
}

extension Routes {
    /// The routes whose pattern matches `path` (any method): for 405 with `Allow`.
    static func matching(path: String) -> [APIRoute] {
        let segments = path.split(separator: "/")
        return all.filter { route in
            let pattern = route.path.split(separator: "/")
            return pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
        }
    }
}

typealias RouteHandler = @Sendable (Request, FlotillaRequestContext) async throws -> Response

extension Router where Context == FlotillaRequestContext {
    /// Registers a route of the table. The handler runs only after the caller's token was checked
    /// against the route's declared access (401 before 403) and the body against what the route
    /// takes (415 for a body that is not JSON) — before any lookup the handler does (404).
    func on(_ route: APIRoute, server: ServerContext, _ handler: @escaping RouteHandler) {
        on(RouterPath(route.path), method: route.method) { request, context in
            if let needed = route.access.neededRole(openMetrics: server.openMetrics) {
                guard let principal = context.principal else { throw APIError.unauthenticated }
                guard principal.role >= needed else {
                    throw APIError(.forbidden, "forbidden", "this call needs the \(needed.rawValue) role; the token has \(principal.role.rawValue)")
                }
            }
            var request = request
            if route.isMutating {
                let body = try await request.collectBody(upTo: server.maxBodyBytes)
                try BodyCheck.contentType(request, bodyBytes: body.readableBytes)
                if route.body == .none { try BodyCheck.empty(body) }
            }
            return try await handler(request, context)
        }
    }
}
