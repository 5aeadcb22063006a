import FlotillaSpec
import FlotillaStore
import Foundation
import Hummingbird

/// A token as listed: never its secret, nor its hash.
public struct TokenView: Codable, Sendable {
    public var id: String
    public var role: String
    public var description: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?
    public var state: String

    public init(_ t: APIToken) {
        id = t.id
        role = t.role.rawValue
        description = t.description
        createdAt = t.createdAt
        expiresAt = t.expiresAt
        revokedAt = t.revokedAt
        state = t.revokedAt != nil ? "revoked" : t.isValid(at: Date()) ? "active" : "expired"
    }
}


/// Tokens (admin) and a bot's kept revisions: what `flotilla token` and `rollout history` need
/// when they talk to a server.
enum AdminRoutes {
    static func add(to api: RouterGroup<FlotillaRequestContext>, server: ServerContext) {
        let store = server.store
        api.get("tokens") { _, _ in try JSON.response(try store.tokens().map(TokenView.init)) }
        api.post("tokens") { request, _ in
            struct Wanted: Decodable { var role: String; var expires: String?; var description: String? }
            struct Created: Encodable { var secret: String; var token: TokenView }
            let body = try await request.body.collect(upTo: server.maxBodyBytes)
            guard let wanted = try? JSONDecoder().decode(Wanted.self, from: Data(buffer: body)) else {
                throw APIError.badRequest("post {\"role\": \"viewer|operator|admin\", \"expires\": \"30d\", \"description\": \"...\"}")
            }
            guard let role = APIToken.Role(rawValue: wanted.role) else { throw APIError.badRequest("role \"\(wanted.role.prefix(20))\": use viewer, operator or admin") }
            var expiry: Date?
            if let text = wanted.expires {
                guard let span = TimeSpan(parsing: text) else { throw APIError.badRequest("expires \"\(text.prefix(20))\": write a duration such as 12h or 30d") }
                expiry = Date().addingTimeInterval(span.seconds)
            }
            let (secret, token) = try store.createToken(role: role, description: String((wanted.description ?? "").prefix(200)), expiresAt: expiry)
            server.tokens.forget()
            return try JSON.response(Created(secret: secret, token: TokenView(token)), status: .created)
        }
        api.delete("tokens/:id") { _, context in
            let id = try context.parameters.require("id")
            guard id.count <= 64, id.allSatisfy(\.isHexDigit) else { throw APIError.badRequest("\"\(id.prefix(64))\" is not a token id") }
            guard try store.revokeToken(id: id) else { throw APIError.notFound("no active token \(id)") }
            server.tokens.forget()
            return try JSON.response(["id": id, "revoked": "true"])
        }
        api.get("bots/:name/revisions") { _, context in
            struct RevisionView: Encodable { var number: Int; var hash: String; var createdAt: Date; var current: Bool }
            let view = try bot(context, store)
            return try JSON.response(try store.revisions(of: view.name).map {
                RevisionView(number: $0.number, hash: $0.hash, createdAt: $0.createdAt, current: $0.number == view.revision)
            })
        }
    }
}
