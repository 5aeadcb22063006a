/// What one reconciliation of a bot instance with its venue account found.
public struct ReconciliationSummary: Sendable, Equatable {
    /// Intents whose state changed to match the venue.
    public var updated = 0
    /// Intents the venue never saw (now `notPlaced`).
    public var notPlaced = 0
    /// Fills recorded for the first time.
    public var fillsRecorded = 0
    /// Intents still unknown (inside their grace period): nothing is placed until they resolve.
    public var unresolved: [ClientOrderId] = []
    /// The account's balances as the venue reported them.
    public var balances: [VenueBalance] = []

    public init() {}
}

/// The result of a reconciliation: a bot whose reconciliation failed does not trade, and the
/// engine shows it Degraded with `reason`.
public enum ReconciliationOutcome: Sendable, Equatable {
    case reconciled(ReconciliationSummary)
    case failed(reason: String)

    /// Why the bot does not trade; nil when it may.
    public var reason: String? {
        switch self {
        case .reconciled: nil
        case .failed(let reason): reason
        }
    }

    public var summary: ReconciliationSummary? {
        if case .reconciled(let s) = self { return s }
        return nil
    }
}
