import Foundation

/// A bot's risk settings, as its resolved profile gives them. Percentages are in percent.
public struct RiskLimits: Sendable, Equatable {
    public var maxPositionPct: Double = 20
    public var riskPerTradePct: Double = 1
    public var dailyLossLimitPct: Double = 5
    public var weeklyLossLimitPct: Double = 15
    public var monthlyLossLimitPct: Double = 30
    public var maxConcurrentTrades: Int = 3
    /// nil: no default stop-loss (the strategy's own, if any).
    public var stopLossPct: Double? = 2
    public var takeProfitPct: Double? = 4
    public var maxLeverage: Double = 1
    public var minBalance: Fixed = 100
    public var emergencyStopLossPct: Double = 10
    /// Calendar loss limits roll over at midnight, Monday and the 1st in this time zone.
    public var timeZone: TimeZone = TimeZone(identifier: "UTC")!

    public init() {}

    /// Limits that never bind: what a plain backtest comparison against another tool needs.
    public static var unlimited: RiskLimits {
        var l = RiskLimits()
        l.maxPositionPct = 100
        l.dailyLossLimitPct = 100
        l.weeklyLossLimitPct = 100
        l.monthlyLossLimitPct = 100
        l.maxConcurrentTrades = 1_000_000
        l.stopLossPct = nil
        l.takeProfitPct = nil
        l.minBalance = 0
        l.emergencyStopLossPct = 100
        return l
    }
}

/// The account as the risk manager sees it when it judges a decision.
public struct AccountView: Sendable {
    public var time: Int64
    public var price: Fixed
    public var cash: Fixed
    public var equity: Fixed
    public var position: Fixed
    public var openTrades: Int

    public init(time: Int64, price: Fixed, cash: Fixed, equity: Fixed, position: Fixed, openTrades: Int) {
        self.time = time
        self.price = price
        self.cash = cash
        self.equity = equity
        self.position = position
        self.openTrades = openTrades
    }
}
