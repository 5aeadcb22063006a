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
