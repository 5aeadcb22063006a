import FlotillaSpec
import FlotillaTrading
import Foundation

/// Turns a resolved spec into what the trading engine runs: the strategy, the risk limits and the
/// paper venue. The one bridge between specs and trading, shared by backtests and (later) live bots.
public enum TradingBridge {
    public static func double(_ d: Decimal) -> Double { NSDecimalNumber(decimal: d).doubleValue }

    public static func fixed(_ d: Decimal) -> Fixed? { Fixed(parsing: d.canonicalText) }

    /// A spec's amount of money as the engine holds it, exactly — or an error naming the field.
    /// Validation refuses what can't be held (`Money`), so this fails only for a state written by
    /// another version or by hand; it never falls back to zero.
    public static func money(_ d: Decimal, _ field: String) throws(MoneyConversionError) -> Fixed {
        guard Money.problem(with: d) == nil, let value = Fixed(parsing: d.canonicalText) else {  // exact: nil if digits would be lost
            throw MoneyConversionError(field: field, value: d.canonicalText)
        }
        return value
    }

    public static func riskLimits(_ bot: ResolvedBot) throws(MoneyConversionError) -> RiskLimits {
        var l = RiskLimits()
        l.maxPositionPct = double(bot.number(.maxPositionPct))
        l.riskPerTradePct = double(bot.number(.riskPerTradePct))
        l.dailyLossLimitPct = double(bot.number(.dailyLossLimitPct))
        l.weeklyLossLimitPct = double(bot.number(.weeklyLossLimitPct))
        l.monthlyLossLimitPct = double(bot.number(.monthlyLossLimitPct))
        l.maxConcurrentTrades = NSDecimalNumber(decimal: bot.number(.maxConcurrentTrades)).intValue
        // 0 means none: no default stop-loss (entries sized by maxPositionPct), no take-profit.
        let stop = double(bot.number(.stopLossPct)), take = double(bot.number(.takeProfitPct))
        l.stopLossPct = stop > 0 ? stop : nil
        l.takeProfitPct = take > 0 ? take : nil
        l.maxLeverage = double(bot.number(.maxLeverage))
        l.minBalance = try money(bot.number(.minBalance), "spec.risk.minBalance")
        l.emergencyStopLossPct = double(bot.number(.emergencyStopLossPct))
        l.timeZone = TimeZone(identifier: bot.setting(.timeZone).text ?? "UTC") ?? TimeZone(identifier: "UTC")!
        return l
    }

    /// The profile's strategy interval, in seconds of market time.
    public static func decisionInterval(_ bot: ResolvedBot) -> Int64 { bot.timeSpan(.strategyInterval).milliseconds / 1000 }

    /// The paper venue's defaults: 0.1 % fees both sides, no slippage, 10⁻⁸ lots and ticks.
    public static let defaultFee = Fixed(parsing: "0.001")!

    /// The bot's strategy, long-only when the spec says so, type-erased for instances.
    public static func strategy(_ bot: ResolvedBot) -> AnyStrategy {
        withStrategy(bot) { s in bot.strategy.longOnly ? AnyStrategy(LongOnly(AnyStrategy(s))) : AnyStrategy(s) }
    }

    /// Runs `body` with the bot's strategy (`Backtest.run(anyStrategy:)` opens it to its concrete type).
    public static func withStrategy<R>(_ bot: ResolvedBot, recorded: [Int64: Decision] = [:], _ body: (any Strategy) -> R) -> R {
        let p = bot.strategy.params
        func int(_ name: String) -> Int { NSDecimalNumber(decimal: p[name] ?? 0).intValue }
        func dbl(_ name: String) -> Double { double(p[name] ?? 0) }
        let strategy: any Strategy
        switch bot.strategy.kind {
        case .maCrossover: strategy = MACrossover(fast: int("fast"), slow: int("slow"))
        case .rsi: strategy = RSIReversion(period: int("period"), oversold: dbl("oversold"), overbought: dbl("overbought"))
        case .grid: strategy = Grid(levels: int("levels"), spacingPct: dbl("spacingPct"), orderSizePct: dbl("orderSizePct"))
        case .momentum: strategy = Momentum(period: int("period"), thresholdPct: dbl("thresholdPct"))
        case .macdBB:
            strategy = MACDBollinger(fast: int("fast"), slow: int("slow"), signal: int("signal"), bbPeriod: int("bbPeriod"), bbStdDev: dbl("bbStdDev"))
        case .llm: strategy = LLMStrategy(window: int("candles"), recorded: recorded)
        }
        return body(strategy)
    }

    /// Backtests with the concrete strategy type, long-only when the spec says so.
    /// `curve`: keep each candle's close and equity for a chart (`flotilla backtest --report`).
    /// `recorded`: an `llm` bot's decisions by candle time (its recorded model calls, or the
    /// answers of `--live-model`); a candle without one is HOLD "no recorded decision".
    public static func backtest(_ bot: ResolvedBot, candles: [Candle], venue: PaperVenue, curve: Bool = false,
                                recorded: [Int64: Decision] = [:]) throws(MoneyConversionError) -> BacktestReport {
        let periodsPerYear = 365 * 86_400 / max(1, bot.market.interval.seconds)
        let risk = try riskLimits(bot)
        let interval = decisionInterval(bot)
        let candleInterval = Int64(bot.market.interval.seconds)
        return withStrategy(bot, recorded: recorded) { strategy in
            Backtest.run(anyStrategy: strategy, longOnly: bot.strategy.longOnly, candles: candles, risk: risk, venue: venue,
                         periodsPerYear: periodsPerYear, decisionIntervalSeconds: interval, intervalSeconds: candleInterval, curve: curve)
        }
    }
}

/// A spec amount the engine's money type cannot hold exactly.
public struct MoneyConversionError: Error, Sendable, CustomStringConvertible {
    public var field: String
    public var value: String
    public var description: String {
        "\(field): \(value) is not an amount the engine holds exactly (at most \(Money.places) decimal places, at most \(Money.max.canonicalText)); fix the spec and apply again"
    }
}
