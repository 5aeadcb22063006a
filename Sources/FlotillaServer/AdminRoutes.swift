import FlotillaAPI
import FlotillaSpec
import FlotillaStore
import Foundation
import Hummingbird

/// Tokens (admin) and a bot's kept revisions: what `flotilla token` and `rollout history` need
/// when they talk to a server.
enum AdminRoutes {
    /// The body of `POST /api/v1/tokens`.
    struct Wanted: StrictBody {
        var role: String
        var expires: String?
        var description: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case role, expires, description }
        static let usage = #"{"role": "viewer|operator|admin", "expires": "30d", "description": "..."}"#
    }

    static func add(to router: Router<FlotillaRequestContext>, server: ServerContext) {
        let store = server.store
        router.on(Routes.tokens, server: server) { _, _ in try JSON.response(try store.tokens().map(TokenView.init)) }
        router.on(Routes.tokenCreate, server: server) { request, context in
            struct Created: Encodable { var secret: String; var token: TokenView }
            let wanted = try await request.decode(as: Wanted.self, context: context)
            guard let role = APIToken.Role(rawValue: wanted.role) else { throw APIError.badRequest("role \"\(wanted.role.prefix(20))\": use viewer, operator or admin") }
            var expiry: Date?
            if let text = wanted.expires {
                switch APIToken.expiry(parsing: text) {
                case .success(let date): expiry = date
                case .failure(let problem): throw APIError.badRequest(problem.description)
                }
            }
            let (secret, token) = try store.createToken(role: role, description: String((wanted.description ?? "").prefix(200)), expiresAt: expiry)
            server.tokens.forget()
            // The secret is in this answer only; the gate marks every answer Cache-Control: no-store.
            return try JSON.response(Created(secret: secret, token: TokenView(token)), status: .created)
        }
        router.on(Routes.tokenRevoke, server: server) { _, context in
            let id = try context.parameters.require("id")
            guard id.count <= 64, id.allSatisfy(\.isHexDigit) else { throw APIError.badRequest("\"\(id.prefix(64))\" is not a token id") }
            guard try store.revokeToken(id: id) else { throw APIError.notFound("no active token \(id)") }
            server.tokens.forget()
            return try JSON.response(["id": id, "revoked": "true"])
        }
        router.on(Routes.botRevisions, server: server) { _, context in
            struct RevisionView: Encodable {
                var number: Int; var hash: String; var createdAt: Date; var current: Bool
                /// The git commit the revision was applied at, and whether the spec files differed from it (absent outside git).
                var commit: String?; var dirty: Bool?
            }
            let view = try bot(context, store)
            return try JSON.response(try store.revisions(of: view.name).map {
                RevisionView(number: $0.number, hash: $0.hash, createdAt: $0.createdAt, current: $0.number == view.revision,
                             commit: $0.source?.commit, dirty: $0.source?.dirty)
            })
        }
    }
}
