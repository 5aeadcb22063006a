import FlotillaAPI
import FlotillaStore
import Foundation
import NIOConcurrencyHelpers
import Hummingbird

/// Authentication: who the bearer token says the caller is. There is no anonymous caller with a
/// role: a request without credentials has no principal, and every route that needs a role answers
/// it 401 (see `Routes`); credentials that are sent are always checked, malformed, unknown, expired
/// or revoked ones are 401 on any route. Authorization happens in the matched route.
enum Authentication {
    /// The principal of the request's `Authorization` header; nil when it has none.
    static func principal(_ request: Request, tokens: TokenTable, now: Date = Date()) throws -> Principal? {
        guard let header = request.headers[.authorization] else { return nil }
        guard let secret = bearerSecret(header) else {
            throw APIError.invalidToken("write the header as Authorization: Bearer <token>")
        }
        guard let token = tokens.token(forSecret: secret), token.isValid(at: now) else {
            throw APIError.invalidToken("the token is unknown, expired or revoked")
        }
        return Principal(name: "token \(token.id)", role: token.role)
    }

    /// The token of `Bearer <token>`; the scheme is case-insensitive (RFC 9110 §11.1), the token
    /// one word of token68 characters.
    static func bearerSecret(_ header: String) -> String? {
        let parts = header.trimmingCharacters(in: .whitespaces).split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let secret = parts[1]
        let token68 = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=")
        guard secret.count <= 200, secret.allSatisfy({ token68.contains($0) }) else { return nil }
        return String(secret)
    }
}

/// The token table, re-read from the store at most every second: authentication costs no query
/// per request. Expiry is checked on every request; a token created or revoked through the API
/// takes effect at once, one created or revoked with the CLI on the same store within a second.
final class TokenCache: Sendable {
    private let cached = NIOLockedValueBox<(table: TokenTable, at: Date)?>(nil)

    func table(_ store: StateStore) throws -> TokenTable {
        if let c = cached.withLockedValue({ $0 }), Date().timeIntervalSince(c.at) < 1 { return c.table }
        let table = try store.tokenTable()
        cached.withLockedValue { $0 = (table, Date()) }
        return table
    }

    /// After a token is created or revoked through the API the next request re-reads.
    func forget() { cached.withLockedValue { $0 = nil } }
}
