import Foundation

/// A bot as last applied: its spec's hash, current revision, and (when decoded) the spec itself.
public struct AppliedBot: Sendable, Hashable {
    public var name: String
    public var specHash: String
    public var revision: Int
    public var revisionHash: String
    public var file: String
    /// nil when the caller chose not to decode it (its hash matched).
    public var spec: ResolvedBot?

    public init(name: String, specHash: String, revision: Int, revisionHash: String, file: String, spec: ResolvedBot?) {
        self.name = name
        self.specHash = specHash
        self.revision = revision
        self.revisionHash = revisionHash
        self.file = file
        self.spec = spec
    }
}
