import FlotillaStore
/// Why an operation was refused, typed so that the CLI says it and the API answers it with the
/// matching status (`notFound` 404, `conflict` 409, `invalid` 400) — one text for both.
public struct OperationProblem: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case notFound, conflict, invalid }
    public var kind: Kind
    /// A stable machine-readable code (`no_bot`, `no_revision`, …).
    public var code: String
    public var message: String

    public init(_ kind: Kind, _ code: String, _ message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension OperationProblem {
    /// Runs a store write for `bot`; a bot deleted between the check and the write is the same 404
    /// as a bot that never was, never a raw store error.
    static func forBot<T>(_ bot: String, _ write: () throws -> T) throws -> T {
        do {
            return try write()
        } catch StoreError.missingBot {
            throw OperationProblem(.notFound, "no_bot", "no bot \"\(bot)\" in the state (it was deleted meanwhile)")
        }
    }
}
