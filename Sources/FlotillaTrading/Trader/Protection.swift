/// The stop-loss and take-profit distances (in % of the fill price) an entry gets when it fills.
public struct Protection: Sendable, Codable, Equatable {
    public var stopLossPct: Double?
    public var takeProfitPct: Double?

    public init(stopLossPct: Double?, takeProfitPct: Double?) {
        self.stopLossPct = stopLossPct
        self.takeProfitPct = takeProfitPct
    }
}

/// A protective order of the open position (a stop-loss or a take-profit placed when an entry
/// filled), remembered by the trader so that a start after a stop places it again.
public struct ProtectiveOrder: Sendable, Codable, Equatable {
    /// The id it works under now.
    public var clientOrderId: String
    /// The id it was first placed under; replacements are `<originalId>-re<n>`.
    public var originalId: String
    public var side: Side
    public var type: OrderType
    public var quantity: Fixed
    /// Cancelled by a stop, to be placed again on the next start.
    public var suspended: Bool
    /// How many times it was placed again.
    public var replacements: Int

    public init(clientOrderId: String, side: Side, type: OrderType, quantity: Fixed) {
        self.clientOrderId = clientOrderId
        self.originalId = clientOrderId
        self.side = side
        self.type = type
        self.quantity = quantity
        self.suspended = false
        self.replacements = 0
    }
}
