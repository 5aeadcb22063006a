import FlotillaSpec
import Foundation
import GRDB

/// The lifecycle engine's state in the store: instances with their venue state, rollouts, the
/// commands people send them, fills, and per-bot run controls. Each method is one transaction.
public struct InstanceState: Sendable, Codable, Equatable {
    public var id: String
    public var bot: String
    public var revision: Int
    public var symbol: String
    public var phase: InstancePhase
    public var reason: String?
    public var mode: InstanceMode
    public var capitalPct: String
    /// The paper venue's state (orders, fills, balances, position) as JSON.
    public var venueJSON: String?
    /// Candles processed: where the replay resumes after a restart.
    public var candlesSeen: Int
    public var heartbeatAt: Int64
    public var metricsJSON: String?
    /// The trader's state (strategy and indicators, risk memory, counters, protection) as JSON,
    /// written with `venueJSON`; nil in stores from before `v5-trader-state`.
    public var traderJSON: String?

    public init(id: String, bot: String, revision: Int, symbol: String, phase: InstancePhase, reason: String? = nil, mode: InstanceMode, capitalPct: String,
                venueJSON: String? = nil, candlesSeen: Int = 0, heartbeatAt: Int64 = 0, metricsJSON: String? = nil, traderJSON: String? = nil) {
        self.id = id
        self.bot = bot
        self.revision = revision
        self.symbol = symbol
        self.phase = phase
        self.reason = reason
        self.mode = mode
        self.capitalPct = capitalPct
        self.venueJSON = venueJSON
        self.candlesSeen = candlesSeen
        self.heartbeatAt = heartbeatAt
        self.metricsJSON = metricsJSON
        self.traderJSON = traderJSON
    }

}

public struct StoredRollout: Sendable, Equatable {
    public var bot: String
    public var candidate: Int
    public var stable: Int?
    public var strategy: String
    public var phase: RolloutPhase
    public var stateJSON: String
    public var updatedAt: Date

    public init(bot: String, candidate: Int, stable: Int?, strategy: String, phase: RolloutPhase, stateJSON: String, updatedAt: Date) {
        self.bot = bot
        self.candidate = candidate
        self.stable = stable
        self.strategy = strategy
        self.phase = phase
        self.stateJSON = stateJSON
        self.updatedAt = updatedAt
    }
}

public struct PendingCommand: Sendable, Equatable {
    public var id: Int64
    public var bot: String
    public var command: BotCommandKind
    public var argument: Int?
}

extension StateStore {
    // MARK: Instances

    /// Instances as stored. `withVenue: false` leaves out the venue state (orders, fills): what
    /// status pages and /metrics read, many times a second.
    public func runtimeInstances(bot: String? = nil, withVenue: Bool = true) throws -> [InstanceState] {
        try writer.read { db in
            let columns = withVenue ? "*" : "id, bot, revision, symbol, phase, reason, mode, capital_pct, NULL AS venue_json, candles_seen, heartbeat_at, metrics_json, NULL AS trader_json"
            let sql = "SELECT \(columns) FROM instances" + (bot == nil ? "" : " WHERE bot = ?") + " ORDER BY bot, revision, symbol"
            return try InstanceState.fetchAll(db, sql: sql, arguments: bot.map { [$0] } ?? [])
        }
    }

    /// How many bots have an instance running that has seen a candle and beaten at or after
    /// `sinceMs`, counted in SQL (`flotilla-bench fleet` asks ten times a second while ten
    /// thousand bots start; reading their rows took a core from the fleet it measures).
    public func botsRunning(heartbeatSince sinceMs: Int64) throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(DISTINCT bot) FROM instances WHERE phase = 'running' AND heartbeat_at >= ? AND candles_seen > 0
                """, arguments: [sinceMs]) ?? 0
        }
    }

    /// Writes an instance's state and its new fills in one transaction. A fill already recorded
    /// (same instance and client order id) is not recorded twice.
    public func saveInstance(_ state: InstanceState, newFills: [(clientOrderId: String, time: Int64, json: String)] = []) throws {
        try writer.write { db in
            try Self.upsert(db, state)
            for fill in newFills {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO fills (instance, client_order_id, time, fill_json, mode) VALUES (?, ?, ?, ?, ?)").execute(
                    arguments: [state.id, fill.clientOrderId, fill.time, fill.json, Self.fillMode(state)])
            }
        }
    }

    /// Writes a tick's worth of instance states, their new fills and the events they raised
    /// (an emergency stop) in one transaction.
    public func saveInstancesAndFills(_ changes: [(InstanceState, [(clientOrderId: String, time: Int64, json: String)])],
                                      events: [(bot: String, kind: String, revision: Int?, message: String)] = []) throws {
        try writer.write { db in
            for (state, fills) in changes {
                try Self.upsert(db, state)
                for fill in fills {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO fills (instance, client_order_id, time, fill_json, mode) VALUES (?, ?, ?, ?, ?)",
                        arguments: [state.id, fill.clientOrderId, fill.time, fill.json, Self.fillMode(state)])
                }
            }
            for event in events { try Self.insertEvent(db, time: Self.now(), bot: event.bot, kind: event.kind, revision: event.revision, message: event.message) }
        }
    }

    /// Writes several instances at once (capital moves and handovers change two at a time).
    public func saveInstances(_ states: [InstanceState], event: (bot: String, kind: String, revision: Int?, message: String)? = nil) throws {
        try writer.write { db in
            for state in states { try Self.upsert(db, state) }
            if let event {
                var record = EventRecord(time: Self.now(), bot: event.bot, kind: event.kind, revision: event.revision, message: event.message, details: nil)
                try record.insert(db)
            }
        }
    }

    static func upsert(_ db: Database, _ s: InstanceState) throws {
        // A cached statement: a tick or a fleet's start writes thousands of rows, each compiled once.
        try db.cachedStatement(
            sql: """
                INSERT INTO instances (id, bot, revision, symbol, phase, reason, updated_at, mode, capital_pct, venue_json, candles_seen, heartbeat_at, metrics_json, trader_json)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET phase = excluded.phase, reason = excluded.reason, updated_at = excluded.updated_at,
                    mode = excluded.mode, capital_pct = excluded.capital_pct, venue_json = excluded.venue_json,
                    candles_seen = excluded.candles_seen, heartbeat_at = excluded.heartbeat_at, metrics_json = excluded.metrics_json,
                    trader_json = excluded.trader_json
                """
        ).execute(
            arguments: [s.id, s.bot, s.revision, s.symbol, s.phase.rawValue, s.reason, now(), s.mode.rawValue, s.capitalPct, s.venueJSON, s.candlesSeen, s.heartbeatAt, s.metricsJSON, s.traderJSON])
    }

    /// Writes an instance's row without its JSON columns (venue, trader, metrics), which keep what
    /// was last written: for an instance whose persisted state has not changed since (a graceful
    /// stop of instances saved by their last tick re-encoded ten thousand unchanged states).
    static func updateColumns(_ db: Database, _ s: InstanceState) throws {
        try db.cachedStatement(
            sql: """
                UPDATE instances SET phase = ?, reason = ?, updated_at = ?, mode = ?, capital_pct = ?, candles_seen = ?, heartbeat_at = ?
                WHERE id = ?
                """
        ).execute(arguments: [s.phase.rawValue, s.reason, now(), s.mode.rawValue, s.capitalPct, s.candlesSeen, s.heartbeatAt, s.id])
    }

    public func deleteInstance(id: String) throws {
        try writer.write { db in try db.execute(sql: "DELETE FROM instances WHERE id = ?", arguments: [id]) }
    }

    public func fillCount(instance: String? = nil) throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fills" + (instance == nil ? "" : " WHERE instance = ?"), arguments: instance.map { [$0] } ?? []) ?? 0
        }
    }

    /// Events per kind among kinds starting with `prefix`.
    public func eventCounts(prefix: String) throws -> [String: Int] {
        try writer.read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT kind, COUNT(*) AS n FROM events WHERE kind LIKE ? GROUP BY kind", arguments: [prefix + "%"]) {
                out[row.value("kind", or: ""), default: 0] += row.value("n", or: 0)
            }
            return out
        }
    }

    /// Fills per instance and side ("buy"/"sell"), counted in SQL.
    public func fillCountsBySide() throws -> [String: [String: Int]] {
        try writer.read { db in
            var out: [String: [String: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT instance, json_extract(fill_json, '$.side') AS side, COUNT(*) AS n FROM fills GROUP BY 1, 2") {
                out[row.value("instance", or: ""), default: [:]][row.value("side", or: "?"), default: 0] += row.value("n", or: 0)
            }
            return out
        }
    }

    public func fills(instance: String) throws -> [String] {
        try writer.read { db in try String.fetchAll(db, sql: "SELECT fill_json FROM fills WHERE instance = ? ORDER BY time, client_order_id", arguments: [instance]) }
    }

    /// A bot's fills with the mode each was made in, oldest first: `live` fills are real trades,
    /// `shadow` fills were simulated on notional capital. `mode` nil returns both.
    public func fills(bot: String, mode: FillMode?, limit: Int) throws -> [RecordedFill] {
        try writer.read { db in
            var sql = "SELECT f.instance, f.mode, f.fill_json FROM fills f JOIN instances i ON i.id = f.instance WHERE i.bot = ?"
            var arguments: StatementArguments = [bot]
            if let mode {
                sql += " AND f.mode = ?"
                arguments += [mode.rawValue]
            }
            sql += " ORDER BY f.time DESC, f.instance DESC, f.client_order_id DESC LIMIT ?"
            arguments += [max(0, limit)]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).reversed().map {
                RecordedFill(instance: $0.value("instance", or: ""), mode: FillMode(rawValue: $0.value("mode", or: "")) ?? .live, json: $0.value("fill_json", or: "{}"))
            }
        }
    }

    /// The mode an instance's fills are recorded with.
    static func fillMode(_ state: InstanceState) -> String { state.mode.rawValue }

    // MARK: Rollouts

    public func rollouts() throws -> [StoredRollout] {
        try writer.read { db in
            try StoredRollout.fetchAll(db, sql: "SELECT * FROM rollouts ORDER BY bot")
        }
    }

    public func rollout(bot: String) throws -> StoredRollout? {
        try writer.read { db in try StoredRollout.fetchOne(db, sql: "SELECT * FROM rollouts WHERE bot = ?", arguments: [bot]) }
    }

    /// Persists a rollout's state with the events of the step that produced it, in one transaction,
    /// before the engine acts on the step's actions.
    public func saveRollout(_ r: StoredRollout, events: [(kind: String, message: String)], revision: Int?, instances: [InstanceState] = []) throws {
        try writer.write { db in
            for state in instances { try Self.upsert(db, state) }
            try Self.upsertRollout(db, r, events: events, revision: revision, time: Self.now())
        }
    }

    /// A rollout of a bot deleted meanwhile is not written (its row went with the bot); the
    /// step's events are.
    static func upsertRollout(_ db: Database, _ r: StoredRollout, events: [(kind: String, message: String)], revision: Int?, time: Int64) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO rollouts (bot, candidate, stable, strategy, phase, state_json, updated_at)
                SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM bots WHERE name = ?)
                ON CONFLICT (bot) DO UPDATE SET candidate = excluded.candidate, stable = excluded.stable, strategy = excluded.strategy,
                    phase = excluded.phase, state_json = excluded.state_json, updated_at = excluded.updated_at
                """
        ).execute(arguments: [r.bot, r.candidate, r.stable, r.strategy, r.phase.rawValue, r.stateJSON, time, r.bot])
        for e in events { try insertEvent(db, time: time, bot: r.bot, kind: e.kind, revision: revision, message: e.message) }
    }

    public func deleteRollout(bot: String) throws {
        try writer.write { db in try db.execute(sql: "DELETE FROM rollouts WHERE bot = ?", arguments: [bot]) }
    }

    // MARK: Commands from people

    /// Throws `StoreError.missingBot` when the bot is not (or no longer) in the state.
    public func sendCommand(bot: String, _ command: BotCommandKind, argument: Int? = nil) throws {
        try writer.write { db in
            try Self.requireBot(db, bot)
            var pending = RolloutCommandRecord(bot: bot, command: command.rawValue, argument: argument, createdAt: Self.now())
            try pending.insert(db)
            var record = EventRecord(time: Self.now(), bot: bot, kind: "CommandReceived", revision: argument, message: "\(command.rawValue) requested", details: nil)
            try record.insert(db)
        }
    }

    /// Takes the pending commands (each is consumed once).
    public func takeRolloutCommands() throws -> [PendingCommand] {
        try writer.write { db in
            let records = try RolloutCommandRecord.filter(Column("consumed_at") == nil).order(Column("id")).fetchAll(db)
            try db.execute(sql: "UPDATE rollout_commands SET consumed_at = ? WHERE consumed_at IS NULL", arguments: [Self.now()])
            return try records.compactMap { record in
                guard let command = BotCommandKind(rawValue: record.command) else {
                    // Written by another version: consumed, said once, never acted on as something else.
                    var event = EventRecord(time: Self.now(), bot: record.bot, kind: "CommandIgnored", revision: nil,
                                            message: "unknown command \"\(record.command.prefix(40))\" (written by another version of flotilla?); ignored", details: nil)
                    try event.insert(db)
                    return nil
                }
                return PendingCommand(id: record.id ?? 0, bot: record.bot, command: command, argument: record.argument)
            }
        }
    }

    // MARK: Bot controls (start / stop / pause / resume)

    static func requireBot(_ db: Database, _ bot: String) throws {
        guard try BotRecord.exists(db, key: bot) else { throw StoreError.missingBot(bot) }
    }

    /// Sets a bot's control, and with it (in the same transaction) the commands that go with it.
    /// Throws `StoreError.missingBot` when the bot is not (or no longer) in the state: a control
    /// or command is never recorded for a bot deleted meanwhile.
    public func setBotControl(bot: String, to control: BotControl, commands: [BotCommandKind] = []) throws {
        try writer.write { db in
            try Self.requireBot(db, bot)
            try BotControlRecord(bot: bot, state: control.rawValue, updatedAt: Self.now()).upsert(db)
            var record = EventRecord(time: Self.now(), bot: bot, kind: "BotControl", revision: nil, message: "set to \(control.rawValue)", details: nil)
            try record.insert(db)
            for command in commands {
                var pending = RolloutCommandRecord(bot: bot, command: command.rawValue, argument: nil, createdAt: Self.now())
                try pending.insert(db)
                var received = EventRecord(time: Self.now(), bot: bot, kind: "CommandReceived", revision: nil, message: "\(command.rawValue) requested", details: nil)
                try received.insert(db)
            }
        }
    }

    /// Every recorded control; a bot with none runs. A value this version does not know reads as
    /// `stopped` (the safe side: nothing trades until a person says otherwise).
    public func botControls() throws -> [String: BotControl] {
        try writer.read { db in
            Dictionary(uniqueKeysWithValues: try BotControlRecord.fetchAll(db).map { ($0.bot, $0.control) })
        }
    }
}

extension StateStore {
    /// `rollout undo`: points the bot's desired state at an earlier revision (its stored spec), as
    /// kubectl does; the files now differ from the state until they are edited to match.
    public func pinRevision(bot: String, revision: Int) throws {
        try writer.write { db in
            guard let rev = try RevisionRecord.filter(Column("bot") == bot && Column("number") == revision).fetchOne(db) else {
                throw StoreError.missingBot("\(bot) revision \(revision)")
            }
            let spec = try JSONDecoder().decode(ResolvedBot.self, from: Data(rev.specJSON.utf8))
            try db.execute(
                sql: "UPDATE bots SET spec_json = ?, spec_hash = ?, revision = ?, revision_hash = ?, updated_at = ? WHERE name = ?",
                arguments: [rev.specJSON, spec.specHash, revision, rev.hash, Self.now(), bot])
            try db.execute(sql: "UPDATE state_meta SET serial = serial + 1 WHERE id = 1")
            var event = EventRecord(time: Self.now(), bot: bot, kind: "RolledBack", revision: revision, message: "undo: desired state pinned to revision \(revision)", details: nil)
            try event.insert(db)
        }
    }
}

/// Whether a fill was a real trade (`live`) or simulated on notional capital (`shadow`): the mode
/// of the instance that made it.
public typealias FillMode = InstanceMode

/// A fill as stored, with the instance and the mode it was made in.
public struct RecordedFill: Sendable {
    public var instance: String
    public var mode: FillMode
    /// The fill itself, as the venue recorded it.
    public var json: String
}
