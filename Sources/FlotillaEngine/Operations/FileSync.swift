import FlotillaSpec
import FlotillaStore
import Foundation
import NIOConcurrencyHelpers

/// The project's files as read now: each bot they declare with its spec hash, or why they do not
/// validate. Reading never fails: reads show the state whatever the files hold.
public struct FileSync: Sendable {
    /// Bot name → spec hash, when the files validate.
    public var bots: [String: String]?
    /// The files' specs, when they validate.
    public var specs: SpecSet?
    /// When they do not: how many problems, and the first.
    public var problem: (count: Int, first: String)?
    /// Where the files are, to tell an orphan (its file gone) while the others do not validate.
    let root: URL?

    /// Reads the files under `layout` as `validate` does — the data files a bot replays
    /// included, when `layout` checks them. Files that fail only that check still say which bots
    /// they declare (a read shows a bot whose data is missing, Degraded), and the failure is
    /// reported as the invalid edit it is.
    public static func read(_ layout: ProjectLayout) -> FileSync {
        func found(_ specs: SpecSet, problem: (count: Int, first: String)?) -> FileSync { FileSync(specs, layout: layout, problem: problem) }
        do {
            return found(try SpecLoader.load(layout), problem: nil)
        } catch {
            let problem: (count: Int, first: String) = (error.diagnostics.count, error.diagnostics.first?.description ?? "invalid")
            var unchecked = layout
            unchecked.replayCheck = nil
            if layout.replayCheck != nil, let specs = try? SpecLoader.load(unchecked) { return found(specs, problem: problem) }
            return FileSync(bots: nil, specs: nil, problem: problem, root: layout.displayBase)
        }
    }

    /// Files that validated as `specs` (read with `layout`, which checks their data files when `read` would).
    public init(_ specs: SpecSet, layout: ProjectLayout, problem: (count: Int, first: String)? = nil) {
        self.init(bots: Dictionary(specs.bots.map { ($0.name, $0.specHash) }) { a, _ in a }, specs: specs, problem: problem, root: layout.displayBase)
    }

    init(bots: [String: String]?, specs: SpecSet?, problem: (count: Int, first: String)?, root: URL?) {
        self.bots = bots
        self.specs = specs
        self.problem = problem
        self.root = root
    }

    /// How `applied` stands against these files.
    public func sync(of applied: AppliedBot) -> BotSync {
        guard let bots else {
            // The files do not validate: a bot whose file is gone is an orphan all the same.
            guard let root, !applied.file.isEmpty else { return .unknown }
            let path = applied.file.hasPrefix("/") ? applied.file : root.appendingPathComponent(applied.file).path
            return FileManager.default.fileExists(atPath: path) ? .unknown : .orphan
        }
        guard let hash = bots[applied.name] else { return .orphan }
        return hash == applied.specHash ? .synced : .changed
    }

    /// The warning a read command prints once when the files do not validate.
    public var warning: String? {
        problem.map { "warning: the project's files do not validate (\($0.count) problem\($0.count == 1 ? "" : "s"), first: \($0.first)); showing the state. Run flotilla validate." }
    }
}

/// The files' sync, read again only when a file under `bots.d/`, `profiles/` or `accounts/` changed (size or
/// modification time): a view rebuild every second costs a directory listing, not a parse.
public final class FileSyncCache: Sendable {
    private let layout: ProjectLayout
    private let last = NIOLockedValueBox<(fingerprint: [String: FileStamp], sync: FileSync)?>(nil)

    public init(layout: ProjectLayout) { self.layout = layout }

    /// Starting from files already read: `read` when the files had `fingerprint` (taken before the
    /// read, so an edit made meanwhile is read again). `up` hands over what it applied — at ten
    /// thousand files the first view parsed every one again.
    public init(layout: ProjectLayout, read: FileSync, before fingerprint: Fingerprint) {
        self.layout = layout
        last.withLockedValue { $0 = (fingerprint.stamps, read) }
    }

    /// The project files' stamps at one moment (one `stat` per file), as `current` compares them.
    public struct Fingerprint: Sendable {
        let stamps: [String: FileStamp]
        public init(_ layout: ProjectLayout) { stamps = SpecWatcher.fingerprint(layout) }
    }

    public func current() -> FileSync {
        let fingerprint = SpecWatcher.fingerprint(layout)
        if let hit = last.withLockedValue({ $0 }), hit.fingerprint == fingerprint { return hit.sync }
        let sync = FileSync.read(layout)
        last.withLockedValue { $0 = (fingerprint, sync) }
        return sync
    }
}
