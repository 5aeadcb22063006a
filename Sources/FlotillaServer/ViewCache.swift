import FlotillaAPI
import FlotillaEngine
import FlotillaStore
import Foundation

/// The bots as the API shows them, rebuilt from the store at most every `maxAge` and shared by
/// every request (as the Kubernetes API server's watch cache is): reads under load cost a dictionary
/// lookup, never a query per request. Views are at most a second older than the store; a change
/// made through the API invalidates them at once.
final class ViewCache: @unchecked Sendable {
    // @unchecked: `views`, `encoded` and `builtAt` are only touched under `lock`.
    private let lock = NSLock()
    private let store: StateStore
    private let maxAge: TimeInterval
    private var builtAt = Date.distantPast
    private var views: [BotView] = []
    private var encoded: [String: Data] = [:]
    private var rebuilding = false
    private var pending: Task<Void, Error>?
    private var hasSnapshot = false
    private var invalidated = false
    private var invalidatedAt = Date.distantPast
    private let specs = SpecCache()

    private let live: LiveFleet?
    /// The project's files, for each bot's sync (an orphan shows as one).
    private let files: FileSyncCache?

    /// The views of the server's store, its fleet's instances and its project's files.
    convenience init(_ server: ServerContext) {
        self.init(store: server.store, live: server.fleet?.live, files: FileSyncCache(layout: server.layout))
    }

    init(store: StateStore, live: LiveFleet? = nil, files: FileSyncCache? = nil, maxAge: TimeInterval = 1) {
        self.store = store
        self.live = live
        self.files = files
        self.maxAge = maxAge
    }

    /// Rebuilds when stale: in the background while a snapshot exists (readers keep the previous
    /// one meanwhile). When there is none yet, or a change made through the API invalidated it,
    /// readers wait — without holding a thread — for one rebuild, so a read after a write sees it.
    private func refresh() async throws {
        while true {
            let (wait, background): (Task<Void, Error>?, Bool) = lock.withLock {
                if !hasSnapshot || invalidated {
                    if let pending { return (pending, false) }
                    let task = Task {
                        defer { self.lock.withLock { self.pending = nil } }
                        try await offPool { try self.rebuild() }
                    }
                    pending = task
                    return (task, false)
                }
                guard Date().timeIntervalSince(builtAt) > maxAge, !rebuilding else { return (nil, false) }
                rebuilding = true
                return (nil, true)
            }
            if background {
                // On a Dispatch thread, not on Swift's cooperative pool where request handlers run.
                DispatchQueue.global(qos: .utility).async {
                    defer { self.lock.withLock { self.rebuilding = false } }
                    try? self.rebuild()
                }
            }
            guard let wait else { return }
            try await wait.value
        }
    }

    private func rebuild() throws {
        let started = Date()
        let fresh = try BotView.all(store: store, specs: specs, live: live, files: files?.current())
        var bytes: [String: Data] = [:]
        bytes.reserveCapacity(fresh.count)
        for view in fresh { bytes[view.name] = try JSON.encoder.encode(view) }
        lock.withLock {
            // A rebuild that started before an invalidation must not clear it.
            guard started >= invalidatedAt else { return }
            views = fresh
            encoded = bytes
            builtAt = started
            hasSnapshot = true
            invalidated = false
        }
    }

    /// The JSON array of the bots whose labels match `selector`, in name order, made of the
    /// snapshot's encoded views (no encoding per request).
    func listJSON(selector: [String: String]) async throws -> Data {
        try await refresh()
        let (views, encoded) = lock.withLock { (self.views, self.encoded) }
        var out = Data("[".utf8)
        var first = true
        for view in views where selector.allSatisfy({ view.labels[$0.key] == $0.value }) {
            guard let bytes = encoded[view.name] else { continue }
            if !first { out.append(UInt8(ascii: ",")) }
            out.append(bytes)
            first = false
        }
        out.append(UInt8(ascii: "]"))
        return out
    }

    /// Builds the first snapshot (the server's `WarmUp` service calls it at start).
    func prepare() async throws { try await refresh() }

    /// One bot's JSON, or nil when there is no such bot.
    func json(for name: String) async throws -> Data? {
        try await refresh()
        return lock.withLock { encoded[name] }
    }

    /// After a change made through the API, the next read rebuilds first.
    func invalidate() {
        lock.withLock {
            invalidated = true
            invalidatedAt = Date()
        }
    }
}
