import Foundation

/// What the risk manager decided about one decision, always with a reason.
public enum RiskVerdict: Sendable, Equatable {
    case approve(OrderIntent, reason: String)
    /// Approved with changes (a smaller size, a default stop).
    case modify(OrderIntent, reason: String)
    case reject(reason: String)

    public var intent: OrderIntent? {
        switch self {
        case .approve(let i, _), .modify(let i, _): return i
        case .reject: return nil
        }
    }

    public var reason: String {
        switch self {
        case .approve(_, let r), .modify(_, let r), .reject(let r): return r
        }
    }
}

/// An order the risk manager allows, before the venue's rules.
public struct OrderIntent: Sendable, Equatable {
    public enum Size: Sendable, Equatable {
        /// A base quantity (already on the lot size).
        case base(Fixed)
        /// Spend this much quote currency, fees included, at the fill price (all-in entries).
        case quote(Fixed)
    }

    public var side: Side
    public var size: Size
    public var reducesOnly: Bool
    public var stopLossPct: Double?
    public var takeProfitPct: Double?

    public init(side: Side, size: Size, reducesOnly: Bool, stopLossPct: Double?, takeProfitPct: Double?) {
        self.side = side
        self.size = size
        self.reducesOnly = reducesOnly
        self.stopLossPct = stopLossPct
        self.takeProfitPct = takeProfitPct
    }
}

/// Sits between every decision and every order: sizes entries, enforces the calendar loss limits,
/// concurrent trades, minimum balance, leverage and the emergency stop. Pure value: the bot (or the
/// backtest) feeds it equity and time, and asks it to judge decisions.
public struct RiskManager: Sendable {
    public let limits: RiskLimits
    public let lotSize: Fixed
    private var periods: CalendarPeriods
    private var periodStartEquity: [Fixed] = [0, 0, 0]
    private(set) public var peakEquity: Fixed = 0
    private(set) public var lastEquity: Fixed = 0
    /// Set when the emergency stop fired; entries stay refused until `reset()`.
    private(set) public var halted = false

    public init(limits: RiskLimits, lotSize: Fixed = Fixed(units: 1)) {
        self.limits = limits
        self.lotSize = lotSize
        periods = CalendarPeriods(timeZone: limits.timeZone)
    }

    /// Feeds the current equity; rolls the calendar periods. Returns true when the emergency stop
    /// fires now (close everything, pause).
    public mutating func observe(equity: Fixed, at time: Int64) -> Bool {
        for period in periods.advance(to: time) { periodStartEquity[period.rawValue] = lastEquity.isZero ? equity : lastEquity }
        lastEquity = equity
        if equity > peakEquity { peakEquity = equity }
        guard !halted, peakEquity.units > 0 else { return false }
        let drawdownPct = (peakEquity - equity).double / peakEquity.double * 100
        if drawdownPct >= limits.emergencyStopLossPct {
            halted = true
            return true
        }
        return false
    }

    public mutating func reset() { halted = false; peakEquity = lastEquity }

    /// Capital moved into (positive) or out of the account — a reallocation between a bot's
    /// instances, not a gain or a loss: the peak, the last equity and each period's starting equity
    /// move with it, so neither the emergency stop nor a loss limit reads a transfer as a drawdown
    /// (a canary taking 20 % of stable's capital is not a 20 % loss of stable's).
    public mutating func capitalMoved(by amount: Fixed) {
        func shifted(_ value: Fixed) -> Fixed { value.isZero ? value : max(.zero, value + amount) }
        peakEquity = shifted(peakEquity)
        lastEquity = shifted(lastEquity)
        periodStartEquity = periodStartEquity.map(shifted)
    }

    /// Loss since the start of the period, in % of the equity then (positive = loss).
    public func lossPct(_ period: CalendarPeriodKind) -> Double {
        let start = periodStartEquity[period.index]
        guard start.units > 0 else { return 0 }
        return (start - lastEquity).double / start.double * 100
    }

    public func evaluate(_ decision: Decision, account: AccountView) -> RiskVerdict {
        switch decision.action {
        case .hold:
            return .reject(reason: "nothing to do")
        case .close:
            guard !account.position.isZero else { return .reject(reason: "no open position to close") }
            let fraction = min(100, max(0, decision.sizePct ?? 100))
            var quantity = account.position.magnitude.scaled(by: Int64(fraction * 1_000_000), over: 100_000_000, rounding: .down)
                .rounded(toMultipleOf: lotSize, .down)
            if fraction >= 100 { quantity = account.position.magnitude }
            guard quantity.units > 0 else { return .reject(reason: "the part to close rounds to zero lots") }
            let side: Side = account.position.isNegative ? .buy : .sell
            return .approve(OrderIntent(side: side, size: .base(quantity), reducesOnly: true, stopLossPct: nil, takeProfitPct: nil),
                            reason: "closing is always allowed")
        case .long, .short:
            return evaluateEntry(decision, account: account)
        }
    }

    private func evaluateEntry(_ decision: Decision, account: AccountView) -> RiskVerdict {
        if halted { return .reject(reason: "emergency stop-loss fired (drawdown ≥ \(limits.emergencyStopLossPct)% from peak); entries stay paused until reset") }
        for (kind, limit) in [(CalendarPeriodKind.day, limits.dailyLossLimitPct), (.week, limits.weeklyLossLimitPct), (.month, limits.monthlyLossLimitPct)] {
            let loss = lossPct(kind)
            if loss >= limit {
                return .reject(reason: "\(kind.word) loss limit reached: \(String(format: "%.2f", loss))% of \(limit)% since the \(kind.word)'s start")
            }
        }
        if account.openTrades >= limits.maxConcurrentTrades {
            return .reject(reason: "\(account.openTrades) trades open; the limit is \(limits.maxConcurrentTrades)")
        }
        if account.cash < limits.minBalance {
            return .reject(reason: "balance \(account.cash) is below the minimum \(limits.minBalance)")
        }
        let wantsShort = decision.action == .short
        if (wantsShort && account.position.units > 0) || (!wantsShort && account.position.units < 0) {
            return .reject(reason: "a \(wantsShort ? "long" : "short") position is open; close it first")
        }
        guard account.price.units > 0, account.equity.units > 0 else { return .reject(reason: "no price or no equity") }

        var notes: [String] = []
        let stopPct = decision.stopLossPct ?? limits.stopLossPct
        let takePct = decision.takeProfitPct ?? limits.takeProfitPct
        if decision.stopLossPct == nil, let s = limits.stopLossPct { notes.append("default stop-loss \(s)%") }
        if decision.takeProfitPct == nil, let t = limits.takeProfitPct { notes.append("default take-profit \(t)%") }

        // Size: asked % of equity, or risk per trade over the stop distance; capped by max position
        // and leverage, less what is already held.
        let equity = account.equity.double
        var wantedPct: Double
        if let size = decision.sizePct {
            wantedPct = size
        } else if let s = stopPct, s > 0 {
            wantedPct = limits.riskPerTradePct / s * 100
            notes.append("sized by risk \(limits.riskPerTradePct)% over a \(s)% stop")
        } else {
            wantedPct = limits.maxPositionPct
        }
        let capPct = min(limits.maxPositionPct, 100 * limits.maxLeverage)
        let heldPct = account.position.magnitude.double * account.price.double / equity * 100
        let allowedPct = capPct - heldPct
        if allowedPct <= 0 { return .reject(reason: "position already at the \(capPct)% cap") }
        var modified = false
        if wantedPct > allowedPct {
            notes.append("size cut from \(format(wantedPct))% to \(format(allowedPct))% of equity (max position \(limits.maxPositionPct)%)")
            wantedPct = allowedPct
            modified = true
        }
        let side: Side = wantsShort ? .sell : .buy
        let intent: OrderIntent
        if wantedPct >= 99.999_999 && !wantsShort && limits.maxLeverage <= 1 {
            // All-in: spend the cash at the fill price, fees included.
            intent = OrderIntent(side: side, size: .quote(account.cash), reducesOnly: false, stopLossPct: stopPct, takeProfitPct: takePct)
        } else {
            let budget = account.equity.scaled(by: Int64(wantedPct * 1_000_000), over: 100_000_000, rounding: .down)
            let quantity = budget.divided(by: account.price, rounding: .down).rounded(toMultipleOf: lotSize, .down)
            guard quantity.units > 0 else {
                return .reject(reason: "size rounds to zero lots (\(format(wantedPct))% of \(account.equity) at \(account.price))")
            }
            intent = OrderIntent(side: side, size: .base(quantity), reducesOnly: false, stopLossPct: stopPct, takeProfitPct: takePct)
        }
        let reason = ([decision.rationale] + notes).joined(separator: "; ")
        return modified ? .modify(intent, reason: reason) : .approve(intent, reason: reason)
    }

    private func format(_ v: Double) -> String { String(format: "%.2f", v) }

    /// The seeds' risk metrics.
    public func metrics(openPositions: Int) -> RiskMetrics {
        let daily = lossPct(.day), weekly = lossPct(.week), monthly = lossPct(.month)
        let used = [daily / limits.dailyLossLimitPct, weekly / limits.weeklyLossLimitPct, monthly / limits.monthlyLossLimitPct].map { max(0, $0 * 100) }
        let drawdown = peakEquity.units > 0 ? (peakEquity - lastEquity).double / peakEquity.double * 100 : 0
        let emergencyUsed = drawdown / limits.emergencyStopLossPct * 100
        let worst = max(used.max() ?? 0, emergencyUsed)
        let score: RiskMetrics.Score = halted || worst >= 100 ? .critical : worst >= 75 ? .high : worst >= 50 ? .medium : .low
        return RiskMetrics(
            dailyPnLPct: -daily, weeklyPnLPct: -weekly, monthlyPnLPct: -monthly,
            dailyLimitUsedPct: used[0], weeklyLimitUsedPct: used[1], monthlyLimitUsedPct: used[2],
            openPositions: openPositions, drawdownPct: drawdown, score: score)
    }
}

public enum CalendarPeriodKind: Sendable {
    case day, week, month

    var index: Int {
        switch self {
        case .day: return 0
        case .week: return 1
        case .month: return 2
        }
    }

    var word: String {
        switch self {
        case .day: return "daily"
        case .week: return "weekly"
        case .month: return "monthly"
        }
    }
}

public struct RiskMetrics: Sendable, Equatable, Codable {
    public enum Score: String, Sendable, Codable { case low = "LOW", medium = "MEDIUM", high = "HIGH", critical = "CRITICAL" }
    public var dailyPnLPct: Double
    public var weeklyPnLPct: Double
    public var monthlyPnLPct: Double
    public var dailyLimitUsedPct: Double
    public var weeklyLimitUsedPct: Double
    public var monthlyLimitUsedPct: Double
    public var openPositions: Int
    public var drawdownPct: Double
    public var score: Score
}
