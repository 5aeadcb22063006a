import FlotillaSpec
import Foundation

/// What an apply records for one bot.
public enum StateChange: Sendable {
    case create(ResolvedBot)
    /// In place: no new revision.
    case update(ResolvedBot)
    /// A new revision, to be rolled out by the bot's deploy strategy.
    case replace(ResolvedBot)
    case delete(name: String)
}

public struct ApplyResult: Sendable, Equatable {
    /// The state serial after the apply.
    public var serial: Int
    /// The current revision of every created, updated or replaced bot.
    public var revisions: [String: Int]

    public init(serial: Int, revisions: [String: Int]) {
        self.serial = serial
        self.revisions = revisions
    }
}

public struct Revision: Sendable {
    public var bot: String
    public var number: Int
    public var hash: String
    public var specJSON: String
    public var createdAt: Date
    /// Where in git the files stood when this revision was applied; nil when the project is not a
    /// git work tree (or git is missing, or the revision predates `v10-revision-git`).
    public var source: RevisionSource?

    init(_ record: RevisionRecord) {
        bot = record.bot
        number = record.number
        hash = record.hash
        specJSON = record.specJSON
        createdAt = Date(timeIntervalSince1970: Double(record.createdAt) / 1000)
        source = record.gitCommit.map { RevisionSource(commit: $0, dirty: record.gitDirty ?? false) }
    }

    public func spec() throws -> ResolvedBot {
        try JSONDecoder().decode(ResolvedBot.self, from: Data(specJSON.utf8))
    }
}

public struct StoreEvent: Sendable, Codable {
    public var id: Int64
    public var time: Date
    public var bot: String?
    public var kind: String
    public var revision: Int?
    public var message: String

    init(_ record: EventRecord) {
        id = record.id ?? 0
        time = Date(timeIntervalSince1970: Double(record.time) / 1000)
        bot = record.bot
        kind = record.kind
        revision = record.revision
        message = record.message
    }
}
