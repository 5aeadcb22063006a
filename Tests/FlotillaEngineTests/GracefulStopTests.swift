import FlotillaEngine
import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Testing

/// A graceful stop persists every instance resumable; one whose state its last tick saved (no
/// order working, nothing traded since) keeps exactly that state and records why it stopped.
@Suite("A graceful stop")
struct GracefulStopTests {
    @Test("an instance saved by its last tick keeps that saved state, stopped to resume, and trades on after the start")
    func savedInstanceKeepsItsState() async throws {
        var fleet = try await RestartableFleet(SyntheticBotFixture(seed: 11, strategy: "kind: ma_crossover, params: { fast: 3, slow: 8 }"))
        // A state worth keeping: something filled, and no order working (a stop would cancel it).
        var seen = 20
        try await fleet.tick(through: seen)
        while try fleet.fills().isEmpty || !fleet.venue().openOrderIds.isEmpty {
            seen += 1
            try #require(seen < 2_000, "the bot must trade")
            try await fleet.tick(through: seen)
        }
        let saved = try fleet.stored()

        try await fleet.fleet.shutdown()
        let stopped = try fleet.stored()
        #expect(stopped.phase == .running, "resumes on the next start")
        #expect(stopped.reason == "stopped with flotilla up; resumes on restart")
        #expect(stopped.candlesSeen == seen)
        #expect(stopped.venueJSON == saved.venueJSON, "the account as the tick saved it")
        #expect(stopped.traderJSON == saved.traderJSON, "the strategy, risk and protection as the tick saved them")
        #expect(stopped.metricsJSON == saved.metricsJSON)

        try await fleet.kill()  // the next start
        try await fleet.tick(through: seen + 1)
        #expect(try fleet.stored().candlesSeen == seen + 1)
    }
}
