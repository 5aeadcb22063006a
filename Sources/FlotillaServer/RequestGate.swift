import FlotillaAPI
import FlotillaEngine
import FlotillaStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// What every request passes before it is routed, in this order: the `Host` it names (421), a
/// canonical path (400), a same-origin browser context for changes (403), and its credentials (401
/// when sent and not a working token). Authorization (403) then happens in the matched route and
/// lookups (404) in its handler — Kubernetes' order. Every answer leaves with the security headers.
struct RequestGate<Next: HTTPResponder>: HTTPResponder where Next.Context == FlotillaRequestContext {
    typealias Context = FlotillaRequestContext
    let next: Next
    let server: ServerContext
    let hosts: HostCheck

    func respond(to request: Request, context: Context) async throws -> Response {
        var context = context
        do {
            try hosts.check(request)
            try PathCheck.check(request)
            try OriginCheck.check(request)
            context.principal = try Authentication.principal(request, tokens: try server.tokens.table(server.store))
        } catch {
            let refusal = (error as? APIError) ?? APIError(.internalServerError, "internal", "the token table could not be read")
            server.auditTrail.record(method: request.method.rawValue, path: request.uri.path, principal: nil,
                                     status: Int(refusal.status.code), result: refusal.message)
            return SecurityHeaders.apply(to: refusal.response())
        }
        do {
            return SecurityHeaders.apply(to: try await next.respond(to: request, context: context))
        } catch {
            context.logger.error("unanswered error: \(String(reflecting: type(of: error)))")
            return SecurityHeaders.apply(to: APIError(.internalServerError, "internal", "internal error").response())
        }
    }
}

/// The headers every answer carries: nothing is cached (answers carry fleet state and, once, a
/// token secret), nothing sniffed, framed or referred; the dashboard sets its own content policy,
/// every other answer forbids everything.
enum SecurityHeaders {
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    static func apply(to response: Response) -> Response {
        var response = response
        response.headers[.cacheControl] = "no-store"
        response.headers[contentTypeOptions] = "nosniff"
        response.headers[frameOptions] = "DENY"
        response.headers[referrerPolicy] = "no-referrer"
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        }
        return response
    }
}

/// Inside the router (around every route and the not-found answer): every error leaves as the
/// documented body `{"error": {"code", "message", "details"}}` — an unknown route 404 (401 for a
/// caller without credentials: authentication comes before lookup), a body over the limit 413,
/// anything unexpected 500 without its text — and mutating calls are audited.
struct ErrorBodies: RouterMiddleware {
    typealias Context = FlotillaRequestContext
    let server: ServerContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let mutating = request.method != .get && request.method != .head
        do {
            let response = try await next(request, context)
            if mutating { audit(request, context, status: Int(response.status.code), result: "ok") }
            return response
        } catch {
            let answer = apiError(for: error, request, context)
            if mutating || answer.status == .unauthorized { audit(request, context, status: Int(answer.status.code), result: answer.message) }
            throw answer
        }
    }

    private func audit(_ request: Request, _ context: Context, status: Int, result: String) {
        server.auditTrail.record(method: request.method.rawValue, path: request.uri.path, principal: context.principal, status: status, result: result)
    }

    func apiError(for error: any Error, _ request: Request, _ context: Context) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let problem as OperationProblem:
            switch problem.kind {
            case .notFound: return APIError(.notFound, problem.code, problem.message)
            case .conflict: return APIError(.conflict, problem.code, problem.message)
            case .invalid: return APIError(.badRequest, problem.code, problem.message)
            }
        case let error as HTTPError where error.status == .notFound && context.endpointPath == "NotFound":
            guard context.principal != nil else { return .unauthenticated }
            let methods = Routes.matching(path: request.uri.path).map(\.method)
            guard !methods.isEmpty else { return .notFound("no such route; see /openapi.yaml") }
            let allow = methods.map(\.rawValue)  // as openapi.yaml lists them (HEAD is answered where GET is, too)
            return APIError(.methodNotAllowed, "method_not_allowed", "\(request.method.rawValue) is not a method of this route; use \(allow.joined(separator: ", "))",
                            headers: [.allow: allow.joined(separator: ", ")])
        case let error as HTTPError where error.status == .contentTooLarge:
            return APIError(.contentTooLarge, "body_too_large", "the request body is larger than \(server.maxBodyBytes) bytes")
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, "body_too_large", "the request body is larger than \(server.maxBodyBytes) bytes")
        case let error as HTTPError:
            let code = error.status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "_")
            return APIError(error.status, code.isEmpty ? "http_\(error.status.code)" : code, error.body ?? error.status.reasonPhrase)
        default:
            context.logger.error("request failed: \(error)")
            return APIError(.internalServerError, "internal", "internal error; the server log has the details")
        }
    }
}
