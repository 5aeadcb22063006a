import FlotillaAPI
import FlotillaStore
import Foundation

extension TokenView {
    /// A token as listed (`flotilla token list`, `GET /api/v1/tokens`): never its secret, nor its hash.
    public init(_ t: APIToken) {
        self.init(id: t.id, role: t.role.rawValue, description: t.description, createdAt: t.createdAt, expiresAt: t.expiresAt,
                  revokedAt: t.revokedAt, state: t.revokedAt != nil ? "revoked" : t.isValid(at: Date()) ? "active" : "expired")
    }
}
