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
    private let specs = SpecCache()

    init(store: StateStore, maxAge: TimeInterval = 1) {
        self.store = store
        self.maxAge = maxAge
    }

    /// Rebuilds when stale. One caller rebuilds, outside the lock; the others keep reading the
    /// previous snapshot meanwhile (only the very first build makes callers wait).
    private func refreshIfStale() throws {
        let (stale, first, mine): (Bool, Bool, Bool) = lock.withLock {
            let stale = Date().timeIntervalSince(builtAt) > maxAge
            let first = builtAt == .distantPast && views.isEmpty
            guard stale, !rebuilding else { return (stale, first, false) }
            rebuilding = true
            return (stale, first, true)
        }
        guard stale else { return }
        if !mine {
            if first { while lock.withLock({ rebuilding }) { Thread.sleep(forTimeInterval: 0.002) } }
            return
        }
        if first {
            try rebuild()
        } else {
            // Rebuild off the request's event loop; this request (and others) read the previous snapshot.
            Task.detached(priority: .utility) { try? self.rebuild() }
        }
    }

    private func rebuild() throws {
        defer { lock.withLock { rebuilding = false } }
        let fresh = try BotView.all(store: store, specs: specs)
        var bytes: [String: Data] = [:]
        for view in fresh { bytes[view.name] = try JSON.encoder.encode(view) }
        lock.withLock {
            views = fresh
            encoded = bytes
            builtAt = Date()
        }
    }

    func all() throws -> [BotView] {
        try refreshIfStale()
        return lock.withLock { views }
    }

    /// One bot's JSON, or nil when there is no such bot.
    func json(for name: String) throws -> Data? {
        try refreshIfStale()
        return lock.withLock { encoded[name] }
    }

    /// After a change made through the API, the next read rebuilds (and waits for it).
    func invalidate() {
        lock.withLock {
            builtAt = .distantPast
            views = []
        }
    }
}
