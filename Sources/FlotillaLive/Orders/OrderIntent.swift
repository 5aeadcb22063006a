import FlotillaTrading

/// An order a bot instance means to place, written to the store before it is sent: who places
/// it (bot, instance incarnation, venue account), what (symbol, side, kind, exact amounts), the
/// client order id derived from them, and where it stands.
public struct OrderIntent: Sendable, Equatable {
    public var bot: String
    /// The instance incarnation placing it (the engine's instance id).
    public var instance: String
    /// The venue account it is placed through (`binance-main`).
    public var account: String
    /// Per-instance, from 0: with bot and instance, what the client order id is derived from.
    public var sequence: Int
    public var clientOrderId: ClientOrderId
    public var symbol: Symbol
    public var side: Side
    public var kind: OrderRequest.Kind
    public var state: OrderState
    /// Why it was rejected (the venue's words), or how it was resolved.
    public var reason: String?
    public var venueOrderId: String?
    /// As the venue last reported it; position comes from fills, never from this.
    public var filledQuantity: Fixed
    /// When it became unknown (ms): the grace period for "not found" runs from here.
    public var unknownSince: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64
    /// The placing instance's own id for the order (its book's client order id), so a restarted
    /// instance knows which of its orders this is. Never sent to the venue.
    public var reference: String?

    public init(bot: String, instance: String, account: String, sequence: Int, symbol: Symbol, side: Side, kind: OrderRequest.Kind,
                state: OrderState = .pending, reason: String? = nil, venueOrderId: String? = nil, filledQuantity: Fixed = .zero,
                unknownSince: Int64? = nil, createdAt: Int64, updatedAt: Int64? = nil, reference: String? = nil) {
        self.reference = reference
        self.bot = bot
        self.instance = instance
        self.account = account
        self.sequence = sequence
        self.clientOrderId = ClientOrderId.derived(bot: bot, instance: instance, sequence: sequence)
        self.symbol = symbol
        self.side = side
        self.kind = kind
        self.state = state
        self.reason = reason
        self.venueOrderId = venueOrderId
        self.filledQuantity = filledQuantity
        self.unknownSince = unknownSince
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    /// The request sent for it, every time it is sent.
    public var request: OrderRequest { OrderRequest(clientOrderId: clientOrderId, symbol: symbol, side: side, kind: kind) }
}

extension ClientOrderId {
    /// `f` + 16 hex digits of a hash of (bot, instance) + `-` + the sequence: the same inputs give
    /// the same id in every process (never random), so a retry after a crash re-sends the same id;
    /// different instances (and incarnations) of a bot never share one. At most 36 characters.
    public static func derived(bot: String, instance: String, sequence: Int) -> ClientOrderId {
        // FNV-1a, 64 bits: stable across processes and platforms (Swift's Hasher is seeded per process).
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bot.utf8 + [0] + instance.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        let text = "f" + String(repeating: "0", count: 16 - hex.count) + hex + "-" + String(max(0, sequence))
        // 1 + 16 + 1 + 18 digits: every sequence below 10^18 fits (a bot would need a billion orders a
        // second for thirty years to pass it); the prefix only keeps the type's bound.
        return ClientOrderId(String(text.prefix(36)))!
    }
}
