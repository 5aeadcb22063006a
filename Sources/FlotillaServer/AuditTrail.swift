import FlotillaAPI
import FlotillaStore
import Foundation
import Synchronization

/// The audit log as the server writes it. Every mutating call of a known token is a row (its path
/// bounded by the store). Refusals of callers without a working token — anyone can send those, as
/// fast as they like — are rate-limited: at most `rowsPerMinute` rows a minute, and the first row
/// after a busy minute says how many were left out.
final class AuditTrail: Sendable {
    let store: StateStore
    let rowsPerMinute: Int
    private let window = Mutex(RefusalWindow())

    struct RefusalWindow {
        var start = Date.distantPast
        var written = 0
        var omitted = 0
    }

    init(store: StateStore, rowsPerMinute: Int = 10) {
        self.store = store
        self.rowsPerMinute = rowsPerMinute
    }

    func record(method: String, path rawPath: String, principal: Principal?, status: Int, result: String, now: Date = Date()) {
        let path = Self.redacted(rawPath)
        guard principal == nil else {
            try? store.recordAudit(principal: principal!.name, method: method, path: path, status: status, result: result)
            return
        }
        let omitted: Int? = window.withLock { w in
            if now.timeIntervalSince(w.start) >= 60 {
                let left = w.omitted
                w = RefusalWindow(start: now, written: 1, omitted: 0)
                return left
            }
            guard w.written < rowsPerMinute else {
                w.omitted += 1
                return nil
            }
            w.written += 1
            return 0
        }
        guard let omitted else { return }
        let note = omitted > 0 ? " (and \(omitted) more unauthenticated refusals in the minute before, not recorded one by one)" : ""
        try? store.recordAudit(principal: "unauthenticated", method: method, path: path, status: status, result: result + note)
    }

    /// A token secret pasted into a path (`/api/v1/tokens/flt_…` instead of its id) is not kept.
    static func redacted(_ path: String) -> String {
        guard path.contains("flt_") else { return path }
        return path.replacing(/flt_[0-9A-Za-z]+/, with: "flt_(redacted)")
    }
}
