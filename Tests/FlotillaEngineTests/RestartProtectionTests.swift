import FlotillaEngine
import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Testing

/// Restarts keep what protects the money: a fired emergency stop stays fired, and an open
/// position has exactly its stop-loss and take-profit working after every start.
@Suite("Restarts keep the risk limits and the protective orders")
struct RestartProtectionTests {
    /// Trades often, on a volatile market, with a tight emergency stop.
    static func volatileBot(emergencyStopPct: String = "3") -> SyntheticBotFixture {
        var bot = SyntheticBotFixture(seed: 77, strategy: "kind: rsi, params: { period: 5, oversold: 40, overbought: 60 }")
        bot.volatilityPct = "2"
        bot.risk = "emergencyStopLossPct: \(emergencyStopPct), maxPositionPct: 90, riskPerTradePct: 5, stopLossPct: 3, takeProfitPct: 3"
        return bot
    }

    /// Ticks one candle at a time until `condition` holds for the stored state; returns the candle.
    static func advance(_ fleet: RestartableFleet, from start: Int, upTo limit: Int = 3_000,
                        until condition: (RestartableFleet) throws -> Bool) async throws -> Int? {
        var seen = start
        while seen < limit {
            seen += 1
            try await fleet.tick(through: seen)
            if try condition(fleet) { return seen }
        }
        return nil
    }

    static func protectedPosition(_ f: RestartableFleet) throws -> Bool {
        let open = try !f.venue().position.isZero
        let stops = try f.working("-stop").count, takes = try f.working("-take").count
        return open && stops == 1 && takes == 1
    }

    @Test("a fired emergency stop survives kill -9: still halted, no new entries, until reset-errors")
    func emergencyStopSurvivesKill() async throws {
        var fleet = try await RestartableFleet(Self.volatileBot())
        let fired = try await Self.advance(fleet, from: 0) { try $0.store.eventCounts(prefix: "EmergencyStop")["EmergencyStop"] == 1 }
        let halt = try #require(fired, "the emergency stop must fire on this market")
        var state = try fleet.stored()
        #expect(state.phase == .paused)
        #expect(state.reason?.hasPrefix("halted: emergency stop-loss fired") == true, "\(state.reason ?? "nil")")
        #expect(try fleet.metrics().emergencyStop != nil)
        let event = try #require(try fleet.store.events(bot: fleet.bot.name, limit: 50).first { $0.kind == "EmergencyStop" })
        #expect(event.message.contains("drawdown") && event.message.contains("3.0% limit"), "\(event.message)")

        try await fleet.kill()
        state = try fleet.stored()
        #expect(state.phase == .paused)
        #expect(state.reason?.hasPrefix("halted:") == true)
        let entriesBefore = try fleet.fills().filter { $0.side == .buy }.count
        try await fleet.tick(through: halt + 400)
        state = try fleet.stored()
        #expect(state.candlesSeen == halt + 400)
        #expect(state.phase == .paused && state.reason?.hasPrefix("halted:") == true, "still halted after the restart")
        #expect(try fleet.fills().filter { $0.side == .buy }.count == entriesBefore, "no entry after the restart")
        #expect(try fleet.venue().position.isZero, "the emergency stop closed the position")
        let health = BotHealth.of([.init(id: state.id, phase: state.phase, heartbeatAgeSeconds: 0, metrics: try fleet.metrics())])
        #expect(health.status == .unhealthy)
        #expect(health.anomalies.contains { $0.hasPrefix("halted: emergency stop-loss") })

        // A resume does not lift it; reset-errors does, and that survives a kill too.
        try fleet.store.sendCommand(bot: fleet.bot.name, .resume)
        try await fleet.fleet.reconcile(nowMs: Int64(halt + 400) * 1000)
        try await fleet.tick(through: halt + 401)
        #expect(try fleet.stored().reason?.hasPrefix("halted:") == true, "resume leaves the emergency stop in force")
        try fleet.store.sendCommand(bot: fleet.bot.name, .resetErrors)
        try await fleet.fleet.reconcile(nowMs: Int64(halt + 401) * 1000)
        state = try fleet.stored()
        #expect(state.phase == .running && state.reason == nil)
        #expect(try fleet.store.eventCounts(prefix: "EmergencyStopReset")["EmergencyStopReset"] == 1)
        try await fleet.kill()
        #expect(try fleet.stored().phase == .running)
        let trader = try TraderState<AnyStrategy>(json: try #require(try fleet.stored().traderJSON))
        #expect(trader.risk.emergencyStop == nil)
    }

    @Test("moving capital is no loss: a canary taking 10 % of the capital does not fire the stable's emergency stop")
    func capitalMovesAreNoDrawdown() async throws {
        let h = try FleetHarness()
        try h.apply(canaryBot)  // moderate: emergency stop at 10 % below the peak
        try await h.fleet.reconcile(nowMs: 0)
        try await h.fleet.tick(nowMs: 5_000)
        try h.apply(Fixtures.botYAML(["{ pause: 30m }": "{ pause: {} }", "fast: 10": "fast: 12"]))
        try await h.fleet.reconcile(nowMs: 6_000)
        try await h.fleet.tick(nowMs: 30_000)
        let stable = try #require(try h.instances().first { $0.revision == 1 })
        #expect(stable.capitalPct == "90")
        #expect(stable.phase == .running, "\(stable.reason ?? "")")
        #expect(try h.store.eventCounts(prefix: "EmergencyStop").isEmpty)
    }

    @Test("an entry working at kill -9 fills after the restart with its stop-loss and take-profit")
    func entryWorkingAtKillIsProtected() async throws {
        var fleet = try await RestartableFleet(Self.volatileBot(emergencyStopPct: "50"))
        let placed = try await Self.advance(fleet, from: 0) { f in
            let flat = try f.venue().position.isZero, entries = try f.working("-long")
            return flat && !entries.isEmpty
        }
        let kill = try #require(placed, "an entry must be placed")
        try await fleet.kill()
        try await fleet.tick(through: kill + 1)
        let entry = try #require(try fleet.fills().last { $0.clientOrderId.hasSuffix("-long") })
        #expect(entry.time == Int64(1_514_764_800 + kill * 300), "the entry filled on the candle after the restart")
        #expect(try fleet.working("-stop").count == 1)
        #expect(try fleet.working("-take").count == 1)
    }

    @Test("a graceful stop with an open protected position: every start places exactly one stop and one take again")
    func gracefulStopReplacesProtection() async throws {
        var fleet = try await RestartableFleet(Self.volatileBot(emergencyStopPct: "50"))
        let protected = try await Self.advance(fleet, from: 0, until: Self.protectedPosition)
        let candle = try #require(protected, "a protected position must open")
        let stop = try #require(try fleet.working("-stop").first), take = try #require(try fleet.working("-take").first)

        try await fleet.fleet.shutdown()
        #expect(try fleet.venue().openOrderIds.isEmpty, "a graceful stop cancels working orders")
        try await fleet.kill()  // the next start
        for round in 1...2 {
            let stops = try fleet.working("-stop"), takes = try fleet.working("-take")
            #expect(stops.map(\.clientOrderId) == ["\(stop.clientOrderId)-re\(round)"])
            #expect(takes.map(\.clientOrderId) == ["\(take.clientOrderId)-re\(round)"])
            #expect(stops.first?.type == stop.type && stops.first?.quantity == stop.quantity && stops.first?.side == stop.side)
            #expect(takes.first?.type == take.type && takes.first?.quantity == take.quantity)
            #expect(try fleet.venue().openOrderIds.count == 2, "nothing else works")
            // A kill -9 now cancels nothing: the start after it places nothing twice.
            try await fleet.kill()
            #expect(try fleet.working("-stop").count == 1)
            #expect(try fleet.working("-take").count == 1)
            #expect(try fleet.venue().openOrderIds.count == 2)
            if round == 1 { try await fleet.stopAndStart() }
        }
        // Trading goes on from where it was.
        try await fleet.tick(through: candle + 1)
        #expect(try fleet.stored().candlesSeen == candle + 1)
    }

    @Test("kill -9 with a protected position: after the restart still exactly one stop and one take", arguments: [0, 3, 9])
    func killWithProtectionWorking(later: Int) async throws {
        var fleet = try await RestartableFleet(Self.volatileBot(emergencyStopPct: "50"))
        let protected = try await Self.advance(fleet, from: 0, until: Self.protectedPosition)
        var candle = try #require(protected)
        candle += later
        try await fleet.tick(through: candle)
        let before = try fleet.venue()
        try await fleet.kill()
        try await fleet.tick(through: candle + 1)
        let venue = try fleet.venue()
        let stops = try fleet.working("-stop").count, takes = try fleet.working("-take").count
        #expect(stops <= 1 && takes <= 1)
        if !venue.position.isZero, venue.position == before.position {
            #expect(stops == 1 && takes == 1)
        }
        #expect(!venue.orders.values.contains { $0.clientOrderId.contains("-re") }, "nothing was cancelled, nothing placed again")
    }
}
