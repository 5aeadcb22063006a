import FlotillaLLM
import FlotillaSpec
import FlotillaStore
import FlotillaTrading
import Foundation

/// `flotilla backtest` of an `llm` bot: its recorded decisions replayed by candle (no model, the
/// same trades as the bot made), or, with `--live-model`, the model asked on each candle.
public enum ModelBacktest {
    /// What the replay found: how many candles had a recorded decision.
    public struct Coverage: Sendable, Equatable {
        public var revision: Int?
        public var recorded: Int
        public var missing: Int
        /// HOLDs among the recorded decisions, by reason kind.
        public var holds: [String: Int]
        public var tokens: Int
    }

    /// A bot's recorded decisions for `symbol`: those of `revision`, or of the newest revision with any.
    public static func recorded(_ store: StateStore, bot: String, revision: Int?, symbol: String) throws -> (decisions: [Int64: Decision], records: [ModelCallRecord]) {
        let records = try store.modelCalls(bot: bot, revision: revision, symbol: symbol)
        return (ModelCallReplay.decisions(records), records)
    }

    public static func coverage(candles: [Candle], records: [ModelCallRecord]) -> Coverage {
        let times = Set(candles.map(\.time))
        let used = records.filter { times.contains($0.candleTime) }
        var holds: [String: Int] = [:]
        for r in used { if let k = r.holdKind { holds[k, default: 0] += 1 } }
        return Coverage(revision: records.first?.revision, recorded: used.count, missing: candles.count - used.count, holds: holds,
                        tokens: used.reduce(0) { $0 + $1.promptTokens + $1.completionTokens })
    }

    /// Asks the model on every candle as a live bot would (same prompt, same account state), and
    /// returns the decisions by candle and the calls; replaying them gives the run's trades.
    public static func askLive(_ bot: ResolvedBot, candles: [Candle], venue: PaperVenue, access: ModelAccess,
                               progress: (Int, Int) -> Void = { _, _ in }) async throws -> (decisions: [Int64: Decision], calls: [ModelCall]) {
        guard let llm = bot.strategy.llm else { return ([:], []) }
        let symbol = bot.market.symbols[0]
        let caller = ModelCaller(bot: bot.name, symbol: symbol, interval: bot.market.interval.description, spec: llm,
                                 params: bot.strategy.params, transport: access.transport, budgets: access.budgets, environment: access.environment)
        var trader = BotTrader(strategy: TradingBridge.strategy(bot), risk: try TradingBridge.riskLimits(bot), venue: venue,
                               decisionIntervalSeconds: TradingBridge.decisionInterval(bot))
        var decisions: [Int64: Decision] = [:]
        var calls: [ModelCall] = []
        for (i, candle) in candles.enumerated() {
            try Task.checkCancellation()
            guard trader.actsOnDecision(at: candle.time) else {
                _ = trader.step(candle)
                progress(i + 1, candles.count)
                continue
            }
            let call = await caller.ask(trader.modelContext(after: candle), nowMs: ModelAccess.wallMs())
            calls.append(call)
            decisions[candle.time] = call.strategyDecision
            trader.receive(call.strategyDecision, forCandleAt: candle.time)
            _ = trader.step(candle)
            progress(i + 1, candles.count)
        }
        return (decisions, calls)
    }
}
