import FlotillaTrading
import Foundation

/// Where order intents and their fills are kept: the state store in production
/// (`StoreOrderLedger`), memory in tests and benchmarks (`MemoryOrderLedger`). An intent is saved
/// before it is sent and after every change; a fill is kept once per (account, venue fill id).
public protocol OrderLedger: Sendable {
    /// The first sequence number not used by the bot instance.
    func nextSequence(bot: String, instance: String) throws -> Int
    /// Inserts or updates the intent (by account and client order id).
    func save(_ intent: OrderIntent) throws
    /// The bot's intents, every instance, in (instance, sequence) order.
    func intents(bot: String) throws -> [OrderIntent]
    /// Keeps the fills not kept before and moves the bot's cursor for the symbol, in one write;
    /// returns the fills that were new.
    func record(_ fills: [RecordedFill], bot: String, account: String, symbol: Symbol, cursor: FillCursor?) throws -> [RecordedFill]
    /// The bot's fills, oldest first.
    func fills(bot: String) throws -> [RecordedFill]
    /// Where the bot's next read of the account's fills in `symbol` starts.
    func fillCursor(bot: String, account: String, symbol: Symbol) throws -> FillCursor?
}

/// A row the ledger could not read: the bot it belongs to does not trade until it is fixed.
public struct OrderLedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    public var bot: String
    public var clientOrderId: String
    public var field: String
    public var value: String

    public init(bot: String, clientOrderId: String, field: String, value: String) {
        self.bot = bot
        self.clientOrderId = clientOrderId
        self.field = field
        self.value = value
    }

    public var description: String {
        "order \(clientOrderId) of bot \(bot) in the store: \(field) is \"\(value.prefix(40))\", which this version cannot read; "
            + "the bot does not trade until the row is fixed or removed"
    }
}

/// Intents and fills in memory, thread-safe.
public final class MemoryOrderLedger: OrderLedger, @unchecked Sendable {
    private let lock = NSLock()
    private var intentsByKey: [String: OrderIntent] = [:]
    private var order: [String] = []
    private var fillKeys: Set<String> = []
    private var fillsByBot: [String: [RecordedFill]] = [:]
    private var cursors: [String: FillCursor] = [:]

    public init() {}

    private func key(_ account: String, _ id: String) -> String { account + "\u{0}" + id }

    public func nextSequence(bot: String, instance: String) throws -> Int {
        lock.withLock {
            (intentsByKey.values.filter { $0.bot == bot && $0.instance == instance }.map(\.sequence).max() ?? -1) + 1
        }
    }

    public func save(_ intent: OrderIntent) throws {
        lock.withLock {
            let k = key(intent.account, intent.clientOrderId.rawValue)
            if intentsByKey[k] == nil { order.append(k) }
            intentsByKey[k] = intent
        }
    }

    public func intents(bot: String) throws -> [OrderIntent] {
        lock.withLock {
            order.compactMap { intentsByKey[$0] }.filter { $0.bot == bot }.sorted { ($0.instance, $0.sequence) < ($1.instance, $1.sequence) }
        }
    }

    /// Every intent, in the order first saved (for checks across bots).
    public func allIntents() -> [OrderIntent] { lock.withLock { order.compactMap { intentsByKey[$0] } } }

    public func record(_ fills: [RecordedFill], bot: String, account: String, symbol: Symbol, cursor: FillCursor?) throws -> [RecordedFill] {
        lock.withLock {
            var added: [RecordedFill] = []
            for f in fills where fillKeys.insert(key(f.account, f.fill.id)).inserted {
                fillsByBot[f.bot, default: []].append(f)
                added.append(f)
            }
            if let cursor { cursors[bot + "\u{0}" + key(account, symbol.description)] = cursor }
            return added
        }
    }

    public func fills(bot: String) throws -> [RecordedFill] { lock.withLock { fillsByBot[bot] ?? [] } }

    public func fillCursor(bot: String, account: String, symbol: Symbol) throws -> FillCursor? {
        lock.withLock { cursors[bot + "\u{0}" + key(account, symbol.description)] }
    }
}
