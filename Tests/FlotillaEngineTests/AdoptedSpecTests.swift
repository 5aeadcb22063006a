@testable import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import Foundation
import Testing

/// `up` hands the fleet the specs it read from the files and applied, so that the fleet does not
/// decode them again from the store — but a held spec stands in for a stored one only when their
/// hashes match.
@Suite("Specs the process already holds", .serialized)
struct AdoptedSpecTests {
    @Test("a held spec with the stored hash is used; one whose hash differs is not — the stored spec runs")
    func onlyMatchingHashes() async throws {
        let h = try FleetHarness()
        try h.apply(canaryBot)
        let stored = try #require(try h.store.desiredState().bots.first?.spec)
        let edited = try #require(try Fixtures.resolve(Fixtures.botYAML(["{ pause: 30m }": "{ pause: {} }", "fast: 10": "fast: 12"])).first)
        #expect(edited.specHash != stored.specHash)

        await h.fleet.adopt([edited])
        try await h.fleet.reconcile(nowMs: 1_000)
        #expect(await h.fleet.desiredCache["test-bot"] == stored, "the stored spec replaces a held one with another hash")
        #expect(await h.fleet.specCache["test-bot@1"] == stored)

        let again = Fleet(store: h.store, dataDirectory: nil, logger: .init(label: "test"))
        await again.adopt([stored])
        try await again.recover(nowMs: 2_000)
        try await again.reconcile(nowMs: 3_000)
        #expect(await again.instanceCount == 1, "a held spec equal to the stored one changes nothing: the instance resumes, none starts")
        #expect(try h.instances().count == 1)
    }
}
