import FlotillaAPI
import FlotillaEngine
import FlotillaStore
import Foundation
import NIOConcurrencyHelpers

/// The bots as the API shows them, rebuilt from the store at most every `maxAge` and shared by
/// every request (as the Kubernetes API server's watch cache is): reads under load cost a dictionary
/// lookup, never a query per request. Views are at most a second older than the store; a change
/// made through the API invalidates them at once.
final class ViewCache: Sendable {
    /// The snapshot and the rebuilds under way, behind one lock.
    private struct State {
        var builtAt = Date.distantPast
        var views: [BotView] = []
        var encoded: [String: Data] = [:]
        var rebuilding = false
        var pending: Task<Void, Error>?
        var hasSnapshot = false
        var invalidated = false
        var invalidatedAt = Date.distantPast
    }

    private let state = NIOLockedValueBox(State())
    private let store: StateStore
    private let maxAge: TimeInterval
    private let specs: SpecCache

    private let live: LiveFleet?
    /// The project's files, for each bot's sync (an orphan shows as one).
    private let files: FileSyncCache?

    /// The views of the server's store, its fleet's instances and its project's files.
    /// The specs are the fleet's (decoded once per process), the files' sync starts from what `up` read.
    convenience init(_ server: ServerContext) {
        self.init(store: server.store, live: server.fleet?.live, files: server.files ?? FileSyncCache(layout: server.layout), specs: server.fleet?.specs)
    }

    init(store: StateStore, live: LiveFleet? = nil, files: FileSyncCache? = nil, specs: SpecCache? = nil, maxAge: TimeInterval = 1) {
        self.store = store
        self.specs = specs ?? SpecCache()
        self.live = live
        self.files = files
        self.maxAge = maxAge
    }

    /// Rebuilds when stale: in the background while a snapshot exists (readers keep the previous
    /// one meanwhile). When there is none yet, or a change made through the API invalidated it,
    /// readers wait — without holding a thread — for one rebuild, so a read after a write sees it.
    private func refresh() async throws {
        var waited = false
        while true {
            let maxAge = self.maxAge
            let (wait, background): (Task<Void, Error>?, Bool) = state.withLockedValue { s in
                if !s.hasSnapshot || s.invalidated {
                    if let pending = s.pending { return (pending, false) }
                    let task = Task {
                        defer { self.state.withLockedValue { $0.pending = nil } }
                        try await offPool { try self.rebuild() }
                    }
                    s.pending = task
                    return (task, false)
                }
                // A snapshot this reader just waited for is fresh enough for it, however long it
                // took (at ten thousand bots the first one took longer than `maxAge`, and the
                // warm-up started a second at once, during the fleet's start).
                guard !waited, Date().timeIntervalSince(s.builtAt) > maxAge, !s.rebuilding else { return (nil, false) }
                s.rebuilding = true
                return (nil, true)
            }
            if background {
                // On a Dispatch thread, not on Swift's cooperative pool where request handlers run.
                DispatchQueue.global(qos: .utility).async {
                    defer { self.state.withLockedValue { $0.rebuilding = false } }
                    try? self.rebuild()
                }
            }
            guard let wait else { return }
            try await wait.value
            waited = true
        }
    }

    private func rebuild() throws {
        let started = Date()
        let fresh = try BotView.all(store: store, specs: specs, live: live, files: files?.current())
        var bytes: [String: Data] = [:]
        bytes.reserveCapacity(fresh.count)
        for view in fresh { bytes[view.name] = try JSON.encoder.encode(view) }
        state.withLockedValue { s in
            // A rebuild that started before an invalidation must not clear it.
            guard started >= s.invalidatedAt else { return }
            s.views = fresh
            s.encoded = bytes
            s.builtAt = started
            s.hasSnapshot = true
            s.invalidated = false
        }
    }

    /// The JSON array of the bots whose labels match `selector`, in name order, made of the
    /// snapshot's encoded views (no encoding per request).
    func listJSON(selector: [String: String]) async throws -> Data {
        try await refresh()
        let (views, encoded) = state.withLockedValue { ($0.views, $0.encoded) }
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
        return state.withLockedValue { $0.encoded[name] }
    }

    /// After a change made through the API, the next read rebuilds first.
    func invalidate() {
        state.withLockedValue { s in
            s.invalidated = true
            s.invalidatedAt = Date()
        }
    }
}
