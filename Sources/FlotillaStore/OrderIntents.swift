import Foundation
import GRDB

/// `v8-order-intents`: every order a bot means to place, written before it is sent, and the fills
/// the venue reported for them, keyed by the venue's fill id so a fill read twice is counted once.
///
/// - `order_intents`: one row per (venue account, client order id); `(bot, instance, sequence)` is
///   unique, so the client id derived from them can never name two intents.
/// - `order_fills`: one row per (venue account, venue fill id).
/// - `order_fill_cursors`: where a bot's next read of its account's fills starts, per symbol.
///
/// All three reference `bots(name)` (deleted with their bot, deferred to the commit), and every
/// write is guarded by the bot's existence: nothing is written for a bot that is gone.
enum OrderIntentsMigration {
    static let states = ["pending", "sent", "unknown", "open", "partiallyFilled", "filled", "cancelled", "rejected", "notPlaced"]

    static func add(_ db: Database) throws {
        let states = Self.states.map { "'\($0)'" }.joined(separator: ", ")
        try db.execute(sql: """
            CREATE TABLE order_intents (
                account TEXT NOT NULL CHECK (typeof(account) = 'text' AND length(account) > 0),
                client_order_id TEXT NOT NULL CHECK (typeof(client_order_id) = 'text' AND length(client_order_id) BETWEEN 1 AND 36),
                bot TEXT NOT NULL REFERENCES bots (name) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                instance TEXT NOT NULL CHECK (typeof(instance) = 'text' AND length(instance) > 0),
                sequence INTEGER NOT NULL CHECK (typeof(sequence) = 'integer' AND sequence >= 0),
                symbol TEXT NOT NULL CHECK (typeof(symbol) = 'text' AND length(symbol) > 0),
                side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
                kind TEXT NOT NULL CHECK (kind IN ('market', 'marketQuote', 'limit', 'stopLimit')),
                quantity TEXT NOT NULL CHECK (typeof(quantity) = 'text'),
                price TEXT CHECK (price IS NULL OR typeof(price) = 'text'),
                stop TEXT CHECK (stop IS NULL OR typeof(stop) = 'text'),
                state TEXT NOT NULL CHECK (state IN (\(states))),
                reason TEXT,
                venue_order_id TEXT,
                filled_quantity TEXT NOT NULL DEFAULT '0' CHECK (typeof(filled_quantity) = 'text'),
                unknown_since INTEGER CHECK (unknown_since IS NULL OR typeof(unknown_since) = 'integer'),
                created_at INTEGER NOT NULL CHECK (typeof(created_at) = 'integer'),
                updated_at INTEGER NOT NULL CHECK (typeof(updated_at) = 'integer'),
                PRIMARY KEY (account, client_order_id),
                UNIQUE (bot, instance, sequence)
            );
            CREATE INDEX order_intents_by_bot ON order_intents (bot, instance, state);

            CREATE TABLE order_fills (
                account TEXT NOT NULL,
                fill_id TEXT NOT NULL CHECK (typeof(fill_id) = 'text' AND length(fill_id) > 0),
                bot TEXT NOT NULL REFERENCES bots (name) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                client_order_id TEXT NOT NULL,
                venue_order_id TEXT NOT NULL,
                symbol TEXT NOT NULL,
                side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
                price TEXT NOT NULL CHECK (typeof(price) = 'text'),
                quantity TEXT NOT NULL CHECK (typeof(quantity) = 'text'),
                fee TEXT NOT NULL CHECK (typeof(fee) = 'text'),
                fee_asset TEXT NOT NULL,
                liquidity TEXT NOT NULL CHECK (liquidity IN ('maker', 'taker')),
                time INTEGER NOT NULL CHECK (typeof(time) = 'integer'),
                PRIMARY KEY (account, fill_id)
            );
            CREATE INDEX order_fills_by_bot ON order_fills (bot, time);

            CREATE TABLE order_fill_cursors (
                bot TEXT NOT NULL REFERENCES bots (name) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                account TEXT NOT NULL,
                symbol TEXT NOT NULL,
                cursor TEXT NOT NULL CHECK (typeof(cursor) = 'text' AND length(cursor) > 0),
                PRIMARY KEY (bot, account, symbol)
            ) WITHOUT ROWID;
            """)
    }
}

/// `v11-order-reference`: the placing instance's own id for each order, so an instance that
/// restarts finds which of its orders each intent is.
enum OrderReferenceMigration {
    static func add(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE order_intents ADD COLUMN reference TEXT
                CHECK (reference IS NULL OR (typeof(reference) = 'text' AND length(reference) BETWEEN 1 AND 200));
            """)
    }
}

/// One row of `order_intents`, as text: FlotillaLive reads it into a typed intent (and refuses a
/// row it cannot read by name, for that bot only).
public struct StoredOrderIntent: Sendable, Equatable {
    public var account: String
    public var clientOrderId: String
    public var bot: String
    public var instance: String
    public var sequence: Int
    public var symbol: String
    public var side: String
    public var kind: String
    public var quantity: String
    public var price: String?
    public var stop: String?
    public var state: String
    public var reason: String?
    public var venueOrderId: String?
    public var filledQuantity: String
    public var unknownSince: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64
    /// The placing instance's own id for the order (`v11-order-reference`); nil for intents
    /// placed without one.
    public var reference: String?

    public init(account: String, clientOrderId: String, bot: String, instance: String, sequence: Int, symbol: String, side: String,
                kind: String, quantity: String, price: String?, stop: String?, state: String, reason: String?, venueOrderId: String?,
                filledQuantity: String, unknownSince: Int64?, createdAt: Int64, updatedAt: Int64, reference: String? = nil) {
        self.reference = reference
        self.account = account
        self.clientOrderId = clientOrderId
        self.bot = bot
        self.instance = instance
        self.sequence = sequence
        self.symbol = symbol
        self.side = side
        self.kind = kind
        self.quantity = quantity
        self.price = price
        self.stop = stop
        self.state = state
        self.reason = reason
        self.venueOrderId = venueOrderId
        self.filledQuantity = filledQuantity
        self.unknownSince = unknownSince
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One row of `order_fills`.
public struct StoredOrderFill: Sendable, Equatable {
    public var account: String
    public var fillId: String
    public var bot: String
    public var clientOrderId: String
    public var venueOrderId: String
    public var symbol: String
    public var side: String
    public var price: String
    public var quantity: String
    public var fee: String
    public var feeAsset: String
    public var liquidity: String
    public var time: Int64

    public init(account: String, fillId: String, bot: String, clientOrderId: String, venueOrderId: String, symbol: String, side: String,
                price: String, quantity: String, fee: String, feeAsset: String, liquidity: String, time: Int64) {
        self.account = account
        self.fillId = fillId
        self.bot = bot
        self.clientOrderId = clientOrderId
        self.venueOrderId = venueOrderId
        self.symbol = symbol
        self.side = side
        self.price = price
        self.quantity = quantity
        self.fee = fee
        self.feeAsset = feeAsset
        self.liquidity = liquidity
        self.time = time
    }
}

/// Why an order write was not made.
public enum OrderStoreError: Error, Equatable, CustomStringConvertible {
    /// The bot is not in the desired state (deleted, or never applied): nothing is written for it.
    case noSuchBot(String)

    public var description: String {
        switch self {
        case .noSuchBot(let bot): "bot \(bot) is not in the state; its orders are not recorded"
        }
    }
}

extension StateStore {
    /// Inserts or updates an intent. Refused (and nothing written) when the bot is gone.
    public func saveOrderIntent(_ i: StoredOrderIntent) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO order_intents (account, client_order_id, bot, instance, sequence, symbol, side, kind, quantity, price, stop,
                        state, reason, venue_order_id, filled_quantity, unknown_since, created_at, updated_at, reference)
                    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM bots WHERE name = ?)
                    ON CONFLICT (account, client_order_id) DO UPDATE SET state = excluded.state, reason = excluded.reason,
                        venue_order_id = excluded.venue_order_id, filled_quantity = excluded.filled_quantity,
                        unknown_since = excluded.unknown_since, updated_at = excluded.updated_at
                    """,
                arguments: [i.account, i.clientOrderId, i.bot, i.instance, i.sequence, i.symbol, i.side, i.kind, i.quantity, i.price, i.stop,
                            i.state, i.reason, i.venueOrderId, i.filledQuantity, i.unknownSince, i.createdAt, i.updatedAt, i.reference, i.bot])
            if db.changesCount == 0 { throw OrderStoreError.noSuchBot(i.bot) }
        }
    }

    /// The intents of a bot (of one instance when given), in sequence order.
    public func orderIntents(bot: String, instance: String? = nil) throws -> [StoredOrderIntent] {
        try writer.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM order_intents WHERE bot = ? AND (? IS NULL OR instance = ?) ORDER BY instance, sequence",
                arguments: [bot, instance, instance])
            // Lenient: a column of the wrong type reads as a value the caller refuses by name, never a trap.
            return rows.map { r in
                StoredOrderIntent(
                    account: r.value("account", or: ""), clientOrderId: r.value("client_order_id", or: ""), bot: r.value("bot", or: bot),
                    instance: r.value("instance", or: ""), sequence: r.value("sequence", or: -1), symbol: r.value("symbol", or: ""),
                    side: r.value("side", or: ""), kind: r.value("kind", or: ""), quantity: r.value("quantity", or: ""),
                    price: r.optional("price"), stop: r.optional("stop"), state: r.value("state", or: "unknown"),
                    reason: r.optional("reason"), venueOrderId: r.optional("venue_order_id"),
                    filledQuantity: r.value("filled_quantity", or: "0"), unknownSince: r.optional("unknown_since"),
                    createdAt: r.value("created_at", or: 0), updatedAt: r.value("updated_at", or: 0), reference: r.optional("reference"))
            }
        }
    }

    /// The next free sequence number of a bot instance (0 for a new one).
    public func nextOrderSequence(bot: String, instance: String) throws -> Int {
        try writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT MAX(sequence) FROM order_intents WHERE bot = ? AND instance = ?", arguments: [bot, instance]))
                .map { $0 + 1 } ?? 0
        }
    }

    /// Records fills once each (by account and venue fill id), and the bot's fill cursor for the
    /// symbol with them in one transaction. Returns the fills that were new.
    @discardableResult
    public func recordOrderFills(_ fills: [StoredOrderFill], cursor: (bot: String, account: String, symbol: String, cursor: String)? = nil)
        throws -> [StoredOrderFill]
    {
        try writer.write { db in
            var added: [StoredOrderFill] = []
            for f in fills {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO order_fills (account, fill_id, bot, client_order_id, venue_order_id, symbol, side, price, quantity,
                            fee, fee_asset, liquidity, time)
                        SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM bots WHERE name = ?)
                        """,
                    arguments: [f.account, f.fillId, f.bot, f.clientOrderId, f.venueOrderId, f.symbol, f.side, f.price, f.quantity, f.fee,
                                f.feeAsset, f.liquidity, f.time, f.bot])
                if db.changesCount > 0 { added.append(f) }
            }
            if let c = cursor {
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO order_fill_cursors (bot, account, symbol, cursor)
                        SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM bots WHERE name = ?)
                        """,
                    arguments: [c.bot, c.account, c.symbol, c.cursor, c.bot])
            }
            return added
        }
    }

    /// A bot's recorded fills, oldest first.
    public func orderFills(bot: String) throws -> [StoredOrderFill] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM order_fills WHERE bot = ? ORDER BY time, rowid", arguments: [bot]).map { r in
                StoredOrderFill(
                    account: r.value("account", or: ""), fillId: r.value("fill_id", or: ""), bot: r.value("bot", or: bot),
                    clientOrderId: r.value("client_order_id", or: ""), venueOrderId: r.value("venue_order_id", or: ""),
                    symbol: r.value("symbol", or: ""), side: r.value("side", or: ""), price: r.value("price", or: ""),
                    quantity: r.value("quantity", or: ""), fee: r.value("fee", or: ""), feeAsset: r.value("fee_asset", or: ""),
                    liquidity: r.value("liquidity", or: "taker"), time: r.value("time", or: 0))
            }
        }
    }

    /// Where the bot's next read of its account's fills in `symbol` starts; nil before the first.
    public func orderFillCursor(bot: String, account: String, symbol: String) throws -> String? {
        try writer.read { db in
            try String.fetchOne(db, sql: "SELECT cursor FROM order_fill_cursors WHERE bot = ? AND account = ? AND symbol = ?",
                                arguments: [bot, account, symbol])
        }
    }
}
