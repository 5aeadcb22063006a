/// What a strategy wants done: the seeds' TradeAction.
public enum TradeAction: String, Sendable, Codable {
    case long = "LONG"
    case short = "SHORT"
    case close = "CLOSE"
    case hold = "HOLD"
}

/// A strategy's decision on one candle. The risk manager turns it into an order, or doesn't.
public struct Decision: Sendable, Equatable {
    public var action: TradeAction
    /// LONG/SHORT: position size as % of equity (nil: size from risk per trade and the stop distance).
    /// CLOSE: % of the open position to close (nil: all of it).
    public var sizePct: Double?
    /// Stop-loss and take-profit distances in % of the entry (nil: the profile's defaults).
    public var stopLossPct: Double?
    public var takeProfitPct: Double?
    public var rationale: String

    public init(_ action: TradeAction, sizePct: Double? = nil, stopLossPct: Double? = nil, takeProfitPct: Double? = nil, rationale: String) {
        self.action = action
        self.sizePct = sizePct
        self.stopLossPct = stopLossPct
        self.takeProfitPct = takeProfitPct
        self.rationale = rationale
    }

    public static let hold = Decision(.hold, rationale: "no signal")
}

/// The bot's position as a strategy sees it.
public struct PositionView: Sendable, Equatable {
    /// Base quantity: positive long, negative short, zero flat.
    public var quantity: Fixed
    public var entryPrice: Fixed?

    public init(quantity: Fixed = .zero, entryPrice: Fixed? = nil) {
        self.quantity = quantity
        self.entryPrice = entryPrice
    }

    public var isFlat: Bool { quantity.isZero }
    public var isLong: Bool { quantity.units > 0 }
    public var isShort: Bool { quantity.units < 0 }
}

/// A trading strategy: candles in, decisions out. Pure: everything it remembers is its own value
/// state (indicators), so a backtest and a live bot given the same candles decide the same things.
public protocol Strategy: Sendable {
    /// Called once per closed candle.
    mutating func decide(_ candle: Candle, position: PositionView) -> Decision
}

extension LongOnly: Codable where Base: Codable {}
extension LongOnly: Equatable where Base: Equatable {}

/// Long-only bots (spot venues) never short: a SHORT signal closes a long, or holds.
public struct LongOnly<Base: Strategy>: Strategy {
    public var base: Base

    public init(_ base: Base) { self.base = base }

    public mutating func decide(_ candle: Candle, position: PositionView) -> Decision {
        var decision = base.decide(candle, position: position)
        if decision.action == .short {
            decision = position.isLong
                ? Decision(.close, rationale: decision.rationale + " (long-only: closing instead of shorting)")
                : Decision(.hold, rationale: "long-only: ignored a short signal")
        }
        return decision
    }
}
