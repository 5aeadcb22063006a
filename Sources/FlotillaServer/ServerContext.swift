import FlotillaAPI
import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import Foundation
import Hummingbird

/// What the HTTP side works with: the state store (shared with the CLI), the project files, and
/// (inside `flotilla up`) the running fleet for readiness.
public struct ServerContext: Sendable {
    public var store: StateStore
    public var layout: ProjectLayout
    public var fleet: Fleet?
    /// The project files' sync as `up` read them at its start (nil: read on the first view).
    public var files: FileSyncCache?
    /// Serve /metrics without a token (Prometheus scrapers usually have none).
    public var openMetrics: Bool
    /// Largest request body accepted.
    public var maxBodyBytes: Int
    public var startedAt: Date
    /// Host names (without port) requests may name besides the loopback names and the listen
    /// address: `up --allowed-host`. Any other `Host` is 421 (DNS rebinding).
    public var allowedHosts: [String]
    /// How long recovery may take before liveness reports the process stuck (503).
    public var recoveryBound: TimeInterval
    /// Readiness wants a reconcile pass at most this long ago (two intervals of the default
    /// 250 ms reconciler, with room for a busy machine).
    public var reconcilerFreshness: TimeInterval = 2
    /// Liveness reports the reconciler stalled (503: a supervisor should restart the process) when
    /// its last pass is older than this.
    public var reconcilerStallBound: TimeInterval = 10
    /// Connections held open at once; at the cap the longest-idle one is closed for a new one.
    public var maxConnections: Int
    /// An idle connection (no request in progress) is closed after this long.
    public var idleTimeout: Duration
    /// The series `/metrics` exports (`ServerMetrics.process` in `flotilla up`; each server its own otherwise).
    public var metrics: ServerMetrics
    /// The token table as authentication reads it (re-read at most every second).
    let tokens = TokenCache()
    /// The audit log as the server writes it (refusals of unauthenticated calls rate-limited).
    let auditTrail: AuditTrail

    public init(store: StateStore, layout: ProjectLayout, fleet: Fleet? = nil, openMetrics: Bool = true, maxBodyBytes: Int = 1 << 20,
                allowedHosts: [String] = [], recoveryBound: TimeInterval = 60, maxConnections: Int = 512, idleTimeout: Duration = .seconds(30),
                metrics: ServerMetrics = ServerMetrics()) {
        self.store = store
        self.layout = layout
        self.fleet = fleet
        self.openMetrics = openMetrics
        self.maxBodyBytes = maxBodyBytes
        self.startedAt = Date()
        self.allowedHosts = allowedHosts
        self.recoveryBound = recoveryBound
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.auditTrail = AuditTrail(store: store)
        self.metrics = metrics
    }
}

/// The request context: who is calling.
public struct FlotillaRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// `request.decode(as:context:)` decodes bodies strictly (see `StrictJSONDecoder`).
    public var requestDecoder: StrictJSONDecoder { StrictJSONDecoder() }

    public init(source: Source) {
        coreContext = .init(source: source)
        principal = nil
    }
}

public struct Principal: Sendable {
    public var name: String
    public var role: APIToken.Role
}

/// Every error that reaches HTTP: `{"error": {"code", "message", "details"}}` with its status.
public struct APIError: HTTPResponseError {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var details: [String: String]
    /// Extra response headers (`WWW-Authenticate` on 401).
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, details: [String: String] = [:], headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        response()
    }

    func response() -> Response {
        var response = (try? JSON.response(ErrorBody(error: .init(code: code, message: message, details: details)), status: status))
            ?? Response(status: status)
        for field in headers { response.headers.append(field) }
        return response
    }

    static func notFound(_ what: String) -> APIError { APIError(.notFound, "not_found", what) }
    static func badRequest(_ what: String) -> APIError { APIError(.badRequest, "bad_request", what) }

    /// No credentials where a token is needed (RFC 6750: a challenge, no error code).
    static let unauthenticated = APIError(
        .unauthorized, "unauthorized", "a bearer token is required: Authorization: Bearer <token> (see .flotilla/admin.token or flotilla token create)",
        headers: [.wwwAuthenticate: #"Bearer realm="flotilla""#])

    /// Credentials that are not a working token.
    static func invalidToken(_ why: String) -> APIError {
        APIError(.unauthorized, "unauthorized", why, headers: [.wwwAuthenticate: #"Bearer realm="flotilla", error="invalid_token""#])
    }
}

struct ErrorBody: Codable {
    struct Inner: Codable { var code: String; var message: String; var details: [String: String] }
    var error: Inner
}

enum JSON {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .iso8601
        return e
    }()

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ text: String, type: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Runs heavy, blocking work (a /metrics render, a plan of thousands of bots) on a Dispatch thread,
/// so that it never holds one of the few threads of Swift's cooperative pool, where every request
/// handler runs.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try work() }) }
    }
}
