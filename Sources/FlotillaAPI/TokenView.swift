import Foundation

/// A token as listed: never its secret, nor its hash.
public struct TokenView: Codable, Sendable {
    public var id: String
    public var role: String
    public var description: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var revokedAt: Date?
    public var state: String

    public init(id: String, role: String, description: String, createdAt: Date, expiresAt: Date?, revokedAt: Date?, state: String) {
        self.id = id
        self.role = role
        self.description = description
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
        self.state = state
    }
}
