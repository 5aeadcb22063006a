import FlotillaSpec
import Foundation
import GRDB

/// Writes collected during one engine pass and committed together (`StateStore.commit`): one
/// transaction — one sync to disk — for a pass over ten thousand bots instead of two or three per
/// bot. The writes keep their order; an event keeps the time it was recorded at.
public struct StoreWrites: Sendable {
    enum Write: Sendable {
        case instance(InstanceState, fills: [(clientOrderId: String, time: Int64, json: String)])
        /// The row's plain columns only: its JSON columns stay as last written (see `saveInstanceColumns`).
        case instanceColumns(InstanceState)
        case rollout(StoredRollout, events: [(kind: String, message: String)], revision: Int?, time: Int64)
        case deleteRollout(bot: String)
        case event(bot: String?, kind: String, revision: Int?, message: String, time: Int64)
    }

    private(set) var writes: [Write] = []

    public init() {}

    public var isEmpty: Bool { writes.isEmpty }
    public var count: Int { writes.count }

    /// See `StateStore.saveInstance`.
    public mutating func saveInstance(_ state: InstanceState, newFills: [(clientOrderId: String, time: Int64, json: String)] = []) {
        writes.append(.instance(state, fills: newFills))
    }

    /// The instance's phase, reason, mode, capital share, candles seen and heartbeat; its venue,
    /// trader and metrics JSON stay as last written — for an instance whose persisted state has
    /// not changed since that write, which must have committed (or be earlier in these writes).
    public mutating func saveInstanceColumns(_ state: InstanceState) {
        writes.append(.instanceColumns(state))
    }

    /// See `StateStore.saveRollout`: the rollout with the events of its step, and the instance
    /// states that go with it.
    public mutating func saveRollout(_ r: StoredRollout, events: [(kind: String, message: String)], revision: Int?, instances: [InstanceState] = []) {
        for state in instances { writes.append(.instance(state, fills: [])) }
        writes.append(.rollout(r, events: events, revision: revision, time: StateStore.now()))
    }

    public mutating func deleteRollout(bot: String) { writes.append(.deleteRollout(bot: bot)) }

    /// See `StateStore.recordEvent`.
    public mutating func recordEvent(bot: String?, kind: String, revision: Int? = nil, message: String) {
        writes.append(.event(bot: bot, kind: kind, revision: revision, message: message, time: StateStore.now()))
    }

    /// Where the next write goes. A write whose JSON is encoded later (the fleet encodes a pass's
    /// instance states together at its end) is filled in there with `replaceInstance(at:with:)`.
    public var endIndex: Int { writes.count }

    /// Replaces the instance state saved at `index` (a row saved before its JSON was encoded), its fills kept.
    public mutating func replaceInstance(at index: Int, with state: InstanceState) {
        guard writes.indices.contains(index), case .instance(let saved, let fills) = writes[index], saved.id == state.id else {
            assertionFailure("write \(index) is not \(state.id)'s")
            return
        }
        writes[index] = .instance(state, fills: fills)
    }

    /// Appends `other`'s writes after these.
    public mutating func append(contentsOf other: StoreWrites) { writes += other.writes }
}

extension StateStore {
    /// Commits `writes` in one transaction: all of them or none.
    public func commit(_ writes: StoreWrites) throws {
        guard !writes.isEmpty else { return }
        try writer.write { db in
            for write in writes.writes { try Self.apply(write, db) }
        }
    }

    /// Commits each write in its own transaction, skipping those that fail (returned with their
    /// error): after a batch was refused, one bad write must not keep every other bot's from the disk.
    public func commitEach(_ writes: StoreWrites) -> [any Error] {
        var errors: [any Error] = []
        for write in writes.writes {
            do { try writer.write { db in try Self.apply(write, db) } } catch { errors.append(error) }
        }
        return errors
    }

    private static func apply(_ write: StoreWrites.Write, _ db: Database) throws {
        switch write {
        case .instance(let state, let fills):
            try upsert(db, state)
            for fill in fills {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO fills (instance, client_order_id, time, fill_json, mode) VALUES (?, ?, ?, ?, ?)").execute(
                    arguments: [state.id, fill.clientOrderId, fill.time, fill.json, fillMode(state)])
            }
        case .instanceColumns(let state):
            try updateColumns(db, state)
        case .rollout(let r, let events, let revision, let time):
            try upsertRollout(db, r, events: events, revision: revision, time: time)
        case .deleteRollout(let bot):
            try db.execute(sql: "DELETE FROM rollouts WHERE bot = ?", arguments: [bot])
        case .event(let bot, let kind, let revision, let message, let time):
            try insertEvent(db, time: time, bot: bot, kind: kind, revision: revision, message: String(Printable.escaping(message).prefix(2000)))
        }
    }
}
