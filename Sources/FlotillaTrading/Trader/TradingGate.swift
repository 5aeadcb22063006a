/// What a fleet halt (`flotilla halt`) lets a trader do, decided outside the trader and handed to
/// each step: everything (`open`); only orders that reduce the position — exits, stop-losses,
/// take-profits, the emergency stop's close (`reduceOnly`); or nothing at all (`frozen`: the
/// strategy observes, the position stays as it is, and no stop-loss or emergency stop fires).
public enum TradingGate: Sendable, Equatable {
    case open
    case reduceOnly(reason: String)
    case frozen(reason: String)

    public var reason: String? {
        switch self {
        case .open: nil
        case .reduceOnly(let reason), .frozen(let reason): reason
        }
    }
}

extension PaperVenue {
    /// Whether the open order only reduces the position: on the opposite side, no larger than it.
    public func onlyReduces(_ order: Order) -> Bool {
        guard !position.isZero, order.quoteBudget == nil else { return false }
        let closingSide: Side = position.isNegative ? .buy : .sell
        return order.side == closingSide && order.quantity <= position.magnitude
    }
}
