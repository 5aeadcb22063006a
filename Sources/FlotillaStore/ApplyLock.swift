import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// Who holds the apply lock.
public struct LockHolder: Sendable, Equatable, CustomStringConvertible {
    public var holder: String
    public var pid: Int32
    public var host: String
    public var operation: String
    public var since: Date

    public var description: String {
        let formatter = ISO8601DateFormatter()
        return "\(operation) (pid \(pid) on \(host), since \(formatter.string(from: since)))"
    }
}

/// Proof of holding the apply lock; pass it to `StateStore.apply` and release it when done.
public struct ApplyLock: Sendable {
    public let holder: String
}

extension StateStore {
    /// Takes the apply lock, waiting up to `timeout` seconds while another apply holds it.
    ///
    /// A lock left by a process that no longer runs on this host is taken over (and an event says
    /// so), so a crashed apply never blocks the next one forever.
    public func acquireApplyLock(operation: String, timeout: Double) throws -> ApplyLock {
        let pid = getpid()
        let host = ProcessInfo.processInfo.hostName
        let holder = "\(host):\(pid):\(UUID().uuidString.prefix(8))"
        let start = Date()
        while true {
            let current: LockHolder? = try writer.write { db in
                if let existing = try ApplyLockRecord.fetchOne(db, key: 1) {
                    let deadOnThisHost = existing.host == host && existing.pid != pid && kill(existing.pid, 0) != 0 && errno == ESRCH
                    guard deadOnThisHost else {
                        return LockHolder(
                            holder: existing.holder, pid: existing.pid, host: existing.host, operation: existing.operation,
                            since: Date(timeIntervalSince1970: Double(existing.acquiredAt) / 1000))
                    }
                    try existing.delete(db)
                    var event = EventRecord(
                        time: Self.now(), bot: nil, kind: "LockBroken", revision: nil,
                        message: "took over the apply lock of \(existing.operation) (pid \(existing.pid)), which no longer runs", details: nil)
                    try event.insert(db)
                }
                try ApplyLockRecord(holder: holder, pid: pid, host: host, operation: operation, acquiredAt: Self.now()).insert(db)
                return nil
            }
            guard let current else { return ApplyLock(holder: holder) }
            let waited = Date().timeIntervalSince(start)
            if waited >= timeout { throw StoreError.locked(by: current, waited: waited) }
            Thread.sleep(forTimeInterval: min(0.05, max(0.001, timeout - waited)))
        }
    }

    public func releaseApplyLock(_ lock: ApplyLock) throws {
        try writer.write { db in
            _ = try ApplyLockRecord.filter(Column("holder") == lock.holder).deleteAll(db)
        }
    }

    /// The current holder, if any.
    public func applyLockHolder() throws -> LockHolder? {
        try writer.read { db in
            try ApplyLockRecord.fetchOne(db, key: 1).map {
                LockHolder(holder: $0.holder, pid: $0.pid, host: $0.host, operation: $0.operation, since: Date(timeIntervalSince1970: Double($0.acquiredAt) / 1000))
            }
        }
    }
}

extension StateStore {
    /// Rewrites the holder's pid, as if another process had taken the lock; tests use it to model
    /// a crashed apply.
    public func overwriteLockPIDForTesting(_ lock: ApplyLock, pid: Int32) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE apply_lock SET pid = ? WHERE holder = ?", arguments: [pid, lock.holder])
        }
    }
}
