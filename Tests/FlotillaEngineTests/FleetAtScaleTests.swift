import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Logging
import Testing

/// A fleet of more bots than it encodes and decodes on one thread (it spreads thousands of
/// instances' persisted state over the cores): a kill and a graceful stop still bring every bot
/// back exactly as it was.
@Suite("A large fleet restarts every bot exactly", .serialized)
struct FleetAtScaleTests {
    static let bots = (0..<80).map { i -> SyntheticBotFixture in
        var bot = SyntheticBotFixture(seed: 500 + i, strategy: RestartEquivalenceTests.strategies[i % 5].yaml)
        bot.name = "bot-\(i)"
        bot.longOnly = RestartEquivalenceTests.strategies[i % 5].longOnly
        bot.volatilityPct = i.isMultiple(of: 2) ? "1.5" : "0.8"
        return bot
    }

    /// A store with every bot applied in one apply, and a fleet that started them.
    static func start() async throws -> (FleetHarness, Fleet) {
        let h = try FleetHarness()
        let specs = try bots.map { try #require(try Fixtures.resolve($0.yaml).first) }
        let lock = try h.store.acquireApplyLock(operation: "test", timeout: 1)
        _ = try h.store.apply(specs.map(StateChange.create), expectedSerial: try h.store.stateSerial(), lock: lock)
        try h.store.releaseApplyLock(lock)
        try await h.fleet.reconcile(nowMs: 0)
        return (h, h.fleet)
    }

    /// Each instance's account and trader state as the store holds them.
    static func record(_ store: StateStore) throws -> [String: (seen: Int, venue: PaperVenue, trader: String?)] {
        var out: [String: (seen: Int, venue: PaperVenue, trader: String?)] = [:]
        for state in try store.runtimeInstances() {
            out[state.id] = (state.candlesSeen, try JSONDecoder().decode(PaperVenue.self, from: Data(try #require(state.venueJSON).utf8)), state.traderJSON)
        }
        return out
    }

    @Test("eighty bots killed mid-run trade on exactly as the same run uninterrupted")
    func killedFleetResumesEveryBot() async throws {
        let (straight, straightFleet) = try await Self.start()
        let (killed, firstFleet) = try await Self.start()
        var fleet = firstFleet
        for seen in stride(from: 20, through: 300, by: 20) {
            try await straightFleet.tick(nowMs: Int64(seen) * 1000 - 1)
            try await fleet.tick(nowMs: Int64(seen) * 1000 - 1)
            if seen == 140 {
                // kill -9: the fleet is gone without a word; a new one recovers from the store.
                fleet = Fleet(store: killed.store, dataDirectory: nil, logger: Logger(label: "test"))
                try await fleet.recover(nowMs: Int64(seen) * 1000)
                #expect(await fleet.instanceCount == Self.bots.count)
            }
        }
        let expected = try Self.record(straight.store), actual = try Self.record(killed.store)
        #expect(expected.count == Self.bots.count)
        #expect(expected.values.contains { !$0.venue.fills.isEmpty }, "the bots must trade for the comparison to mean something")
        for (id, want) in expected {
            let got = try #require(actual[id], "\(id) did not come back")
            #expect(got.seen == want.seen, "\(id)")
            #expect(got.venue == want.venue, "\(id): the account differs after the kill")
            #expect(got.trader == want.trader, "\(id): the trader state differs after the kill")
        }
    }

    @Test("eighty bots stopped gracefully are persisted resumable and all come back where they were")
    func stoppedFleetResumesEveryBot() async throws {
        let (h, fleet) = try await Self.start()
        for seen in stride(from: 20, through: 120, by: 20) { try await fleet.tick(nowMs: Int64(seen) * 1000 - 1) }
        try await fleet.shutdown()
        let stopped = try h.store.runtimeInstances()
        #expect(stopped.count == Self.bots.count)
        #expect(stopped.allSatisfy { $0.phase == .running || $0.phase == .paused }, "a stop leaves every instance to resume")
        #expect(stopped.allSatisfy { $0.candlesSeen == 120 })
        #expect(stopped.filter { $0.phase == .running }.allSatisfy { $0.reason == "stopped with flotilla up; resumes on restart" })
        let before = try Self.record(h.store)
        let again = Fleet(store: h.store, dataDirectory: nil, logger: Logger(label: "test"))
        try await again.recover(nowMs: 120_000)
        #expect(await again.instanceCount == Self.bots.count)
        try await again.shutdown()
        let after = try Self.record(h.store)
        for (id, was) in before {
            let now = try #require(after[id])
            #expect(now.seen == was.seen, "\(id)")
            #expect(now.venue.cash == was.venue.cash && now.venue.position == was.venue.position, "\(id): the account changed across the restart")
        }
    }
}
