import Foundation
import GRDB

extension StateStore {
    /// The id of the newest event (0 when there is none): where a reader that follows the log starts.
    public func lastEventID() throws -> Int64 {
        try writer.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM events") ?? 0 }
    }

    /// The events after `id`, oldest first, at most `limit` of them: the log followed as it grows
    /// (the alert sender reads every process's events this way, whoever recorded them).
    public func events(after id: Int64, limit: Int = 1000) throws -> [StoreEvent] {
        try writer.read { db in
            try EventRecord.filter(Column("id") > id).order(Column("id")).limit(limit).fetchAll(db).map(StoreEvent.init)
        }
    }
}
