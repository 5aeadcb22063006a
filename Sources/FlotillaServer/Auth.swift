import FlotillaStore
import Foundation
import Hummingbird

/// Bearer tokens with roles, and the audit log of every call that changes something.
///
/// - `/healthz`, `/readyz`, the dashboard page and (by default) `/metrics` are open.
/// - While no token exists (a fresh, loopback-only install) the API is open, as admin.
/// - Otherwise a missing, unknown, expired or revoked token is 401; a role too low for the route is 403.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = FlotillaRequestContext
    let server: ServerContext

    static let openPaths: Set<String> = ["/healthz", "/readyz", "/", "/openapi.yaml"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let path = request.uri.path
        let open = Self.openPaths.contains(path) || (path == "/metrics" && server.openMetrics)
        if !open {
            context.principal = try authenticate(request)
            try authorize(request, principal: context.principal!)
        }
        let mutating = request.method != .get && request.method != .head
        do {
            let response = try await next(request, context)
            if mutating { audit(request, context.principal, status: Int(response.status.code), result: "ok") }
            return response
        } catch let error as APIError {
            if mutating { audit(request, context.principal, status: Int(error.status.code), result: error.message) }
            throw error
        } catch {
            if mutating { audit(request, context.principal, status: 500, result: "\(error)") }
            throw error
        }
    }

    private func authenticate(_ request: Request) throws -> Principal {
        let tokens = try server.tokens.table(server.store)
        guard tokens.hasActive else { return Principal(name: "anonymous (no tokens exist)", role: .admin) }
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            audit(request, nil, status: 401, result: "missing token")
            throw APIError(.unauthorized, "unauthorized", "a bearer token is required: Authorization: Bearer <token> (flotilla token create)")
        }
        let secret = String(header.dropFirst("Bearer ".count)).trimmingCharacters(in: .whitespaces)
        guard let token = tokens.token(forSecret: secret), token.isValid(at: Date()) else {
            audit(request, nil, status: 401, result: "bad, expired or revoked token")
            throw APIError(.unauthorized, "unauthorized", "the token is unknown, expired or revoked")
        }
        return Principal(name: "token \(token.id)", role: token.role)
    }

    /// viewer reads; operator acts on bots and rollouts; admin applies plans, switches profiles, manages tokens.
    static func requiredRole(method: HTTPRequest.Method, path: String) -> APIToken.Role {
        if method == .get || method == .head {
            let adminOnly = ["/api/v1/audit", "/api/v1/tokens", "/api/v1/plans"]
            return adminOnly.contains { path.hasPrefix($0) } ? .admin : .viewer
        }
        if path.hasPrefix("/api/v1/plans") || path.hasPrefix("/api/v1/profiles") || path.hasPrefix("/api/v1/tokens") { return .admin }
        return .operator
    }

    private func authorize(_ request: Request, principal: Principal) throws {
        let needed = Self.requiredRole(method: request.method, path: request.uri.path)
        guard principal.role >= needed else {
            audit(request, principal, status: 403, result: "role \(principal.role.rawValue) < \(needed.rawValue)")
            throw APIError(.forbidden, "forbidden", "this call needs the \(needed.rawValue) role; the token has \(principal.role.rawValue)")
        }
    }

    private func audit(_ request: Request, _ principal: Principal?, status: Int, result: String) {
        try? server.store.recordAudit(
            principal: principal?.name ?? "unauthenticated", method: request.method.rawValue, path: request.uri.path, status: status, result: result)
    }
}

/// The token table, re-read from the store at most every second: authentication costs no query
/// per request. Expiry is checked on every request; a token created or revoked through the API
/// takes effect at once, one created or revoked with the CLI on the same store within a second.
final class TokenCache: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var cached: (table: TokenTable, at: Date)?

    func table(_ store: StateStore) throws -> TokenTable {
        if let c = lock.withLock({ cached }), Date().timeIntervalSince(c.at) < 1 { return c.table }
        let table = try store.tokenTable()
        lock.withLock { cached = (table, Date()) }
        return table
    }

    /// After a token is created or revoked through the API the next request re-reads.
    func forget() { lock.withLock { cached = nil } }
}
