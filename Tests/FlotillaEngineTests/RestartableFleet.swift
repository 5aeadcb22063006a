import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Logging
import Testing

/// A fleet on a real state store (a temporary file) running one synthetic bot, that can be killed
/// — dropped without `shutdown`, as `kill -9` leaves it — or stopped gracefully, and started again
/// from exactly what the store holds (`Fleet.recover`). Fleet time is the bot's candle clock: candle
/// *i* is due at *i* × 1,000 ms.
struct RestartableFleet {
    let harness: FleetHarness
    let bot: SyntheticBotFixture
    private(set) var fleet: Fleet

    var store: StateStore { harness.store }

    init(_ bot: SyntheticBotFixture) async throws {
        harness = try FleetHarness()
        self.bot = bot
        fleet = harness.fleet
        try harness.apply(bot.yaml)
        try await fleet.reconcile(nowMs: 0)
    }

    /// Ticks so that the first `candles` candles have been processed.
    func tick(through candles: Int) async throws {
        try await fleet.tick(nowMs: Int64(candles) * 1000 - 1)
    }

    /// `kill -9`: the fleet is gone without a word; a new one recovers from the store.
    mutating func kill() async throws {
        fleet = Fleet(store: store, dataDirectory: nil, logger: Logger(label: "test"))
        try await fleet.recover(nowMs: Int64(try stored().candlesSeen) * 1000)
    }

    /// A graceful stop (`Fleet.shutdown`: working orders cancelled), then a new start.
    mutating func stopAndStart() async throws {
        try await fleet.shutdown()
        try await kill()
    }

    func stored() throws -> InstanceState {
        try #require(try store.runtimeInstances(bot: bot.name).first { $0.id == bot.instanceID })
    }

    func venue() throws -> PaperVenue {
        try JSONDecoder().decode(PaperVenue.self, from: Data(try #require(try stored().venueJSON).utf8))
    }

    func fills() throws -> [Fill] {
        try store.fills(instance: bot.instanceID).map { try JSONDecoder().decode(Fill.self, from: Data($0.utf8)) }
    }

    /// The working orders of the stored venue whose client order id ends with `suffix` (with an
    /// optional `-re<n>` after it: placed again after a stop).
    func working(_ suffix: String) throws -> [Order] {
        let venue = try venue()
        return venue.openOrderIds.compactMap { venue.orders[$0] }.filter {
            $0.clientOrderId.hasSuffix(suffix) || $0.clientOrderId.range(of: "\(suffix)-re[0-9]+$", options: .regularExpression) != nil
        }
    }

    func metrics() throws -> InstanceMetrics {
        try JSONDecoder().decode(InstanceMetrics.self, from: Data(try #require(try stored().metricsJSON).utf8))
    }
}

/// SplitMix64: a seeded generator for the test's own random choices.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: Int) { state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
