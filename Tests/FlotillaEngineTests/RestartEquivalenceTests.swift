import FlotillaEngine
import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Testing

/// The crash-and-resume property: a run killed at a random candle and restarted from what the
/// store persisted trades exactly as the same run uninterrupted — same orders (client order ids,
/// sides, types, quantities, times, outcomes), same fills (prices, fees, times), same account,
/// and the same trader state byte for byte.
@Suite("A restart changes no decision")
struct RestartEquivalenceTests {
    static let candles = 1_400
    static let tickEvery = 20

    static let strategies: [(yaml: String, longOnly: Bool)] = [
        // Slower than the 500 candles the old warm-up replayed.
        ("kind: ma_crossover, params: { fast: 5, slow: 600 }", true),
        ("kind: rsi, params: { period: 7, oversold: 35, overbought: 65 }", true),
        ("kind: grid, params: { levels: 10, spacingPct: 0.4, orderSizePct: 8 }", true),
        ("kind: momentum, params: { period: 6, thresholdPct: 0.8 }", false),
        ("kind: macd_bb, params: { fast: 12, slow: 26, signal: 9, bbPeriod: 20, bbStdDev: 2 }", false),
    ]

    /// Every seed a strategy, a market and risk limits: half with tight limits that fire (daily
    /// loss limit, emergency stop), a third with a decision interval longer than a candle.
    static func bot(seed: Int) -> SyntheticBotFixture {
        let strategy = strategies[seed % strategies.count]
        var bot = SyntheticBotFixture(seed: 1_000 + seed, strategy: strategy.yaml)
        bot.longOnly = strategy.longOnly
        bot.volatilityPct = seed.isMultiple(of: 2) ? "1.5" : "0.8"
        bot.risk = seed.isMultiple(of: 2)
            ? "dailyLossLimitPct: 2, weeklyLossLimitPct: 5, emergencyStopLossPct: 3, maxConcurrentTrades: 5, maxPositionPct: 80, riskPerTradePct: 3"
            : "dailyLossLimitPct: 2, maxConcurrentTrades: 4, maxPositionPct: 40, stopLossPct: 1, takeProfitPct: 1.5"
        bot.strategyInterval = seed % 3 == 0 ? "15m" : "5m"
        return bot
    }

    /// What a run did, as the store has it.
    struct Record: Equatable {
        var orders: [String: Order] = [:]
        var fills: [Fill] = []
        var venue: PaperVenue?
        var trader: String?
        var emergencyStops = 0
    }

    /// Runs the bot through `candles`, ticking every `tickEvery` candles; kills the fleet after
    /// candle `kill` and recovers a new one from the store. Orders are collected from the stored
    /// venue after each tick (a tick makes fewer orders than the venue keeps after compaction).
    static func run(_ bot: SyntheticBotFixture, killAt kill: Int?) async throws -> Record {
        var fleet = try await RestartableFleet(bot)
        var record = Record()
        var schedule = Array(stride(from: tickEvery, through: candles, by: tickEvery))
        if let kill { schedule = Array(Set(schedule + [kill])).sorted() }
        for seen in schedule {
            try await fleet.tick(through: seen)
            #expect(try fleet.stored().candlesSeen == seen)
            for order in try fleet.venue().orders.values { record.orders[order.clientOrderId] = order }
            if seen == kill { try await fleet.kill() }
        }
        record.fills = try fleet.fills()
        record.venue = try fleet.venue()
        record.trader = try fleet.stored().traderJSON
        record.emergencyStops = try fleet.store.eventCounts(prefix: "EmergencyStop")["EmergencyStop"] ?? 0
        return record
    }

    @Test("killed at a random candle and restarted, a run places and fills exactly what it would have", arguments: 0..<50)
    func killedRunTradesAsUninterrupted(seed: Int) async throws {
        let bot = Self.bot(seed: seed)
        var random = SeededGenerator(seed: seed)
        // The slow strategy is killed after its window filled (beyond the old 500-candle warm-up).
        let kill = seed % Self.strategies.count == 0
            ? Int.random(in: 620...(Self.candles - 60), using: &random)
            : Int.random(in: 10...(Self.candles - 10), using: &random)
        let uninterrupted = try await Self.run(bot, killAt: nil)
        let restarted = try await Self.run(bot, killAt: kill)

        // The slow strategy may not cross within the run: then its 600-candle state is what is compared.
        #expect(!uninterrupted.fills.isEmpty || seed % Self.strategies.count == 0, "the bot must trade for the comparison to mean something")
        #expect(restarted.fills == uninterrupted.fills, "fills differ after a kill at candle \(kill)")
        let ids = Set(uninterrupted.orders.keys).union(restarted.orders.keys).sorted()
        let differing = ids.filter { uninterrupted.orders[$0] != restarted.orders[$0] }
        #expect(differing.isEmpty, "orders differ after a kill at candle \(kill): \(differing.prefix(5))")
        #expect(restarted.venue == uninterrupted.venue)
        #expect(restarted.trader != nil)
        #expect(restarted.trader == uninterrupted.trader, "the trader state differs after a kill at candle \(kill)")
        #expect(restarted.emergencyStops == uninterrupted.emergencyStops)
    }

    /// The table above exercises what it claims: protective orders, entries refused by limits,
    /// the emergency stop, and the slow strategy trading after candle 600.
    @Test("the seeds trade, fill protective orders, reach loss limits and fire emergency stops")
    func seedsExerciseTheLimits() async throws {
        var protective = 0, emergencies = 0, slowTrades = 0, refused = 0
        for seed in [0, 1, 2, 5, 6, 8, 10] {
            let record = try await Self.run(Self.bot(seed: seed), killAt: nil)
            protective += record.fills.filter { $0.clientOrderId.hasSuffix("-stop") || $0.clientOrderId.hasSuffix("-take") }.count
            emergencies += record.emergencyStops
            if seed % Self.strategies.count == 0 { slowTrades += record.fills.filter { $0.time > 1_514_764_800 + 600 * 300 }.count }
            let state = try TraderState<AnyStrategy>(json: try #require(record.trader))
            refused += state.rejections
        }
        #expect(protective > 0)
        #expect(emergencies > 0)
        #expect(slowTrades > 0)
        #expect(refused > 0)
    }
}
