import FlotillaEngine
import FlotillaStore
import FlotillaTesting
import Foundation
import Testing

@Suite("Anomaly flags and health")
struct AnomalyTests {
    /// A repeatable noisy series around `mean`.
    static func noise(_ n: Int, mean: Double, spread: Double) -> [Double] {
        (0..<n).map { mean + spread * sin(Double($0) * 1.7) }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var series: [Double]
        var flagged: Bool
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        .init(label: "a steady noisy metric raises nothing", series: noise(200, mean: 1, spread: 0.5), flagged: false),
        .init(label: "a spike of many deviations is flagged", series: noise(100, mean: 1, spread: 0.5) + [9], flagged: true),
        .init(label: "a metric that never moved is flagged on its first change", series: Array(repeating: 0, count: 50) + [1], flagged: true),
        .init(label: "nothing is judged while the baseline warms up", series: noise(10, mean: 1, spread: 0.1) + [50], flagged: false),
        .init(label: "a level its own history knows is not an anomaly", series: noise(100, mean: 100, spread: 40) + [150], flagged: false),
    ]

    @Test("a metric is judged against its own recent baseline", arguments: cases)
    func baseline(_ c: Case) {
        var detector = AnomalyDetector()
        for (i, x) in c.series.enumerated() { detector.observe("m", x, at: Int64(i)) }
        #expect(!detector.anomalies.isEmpty == c.flagged, "\(detector.anomalies.map(\.description))")
    }

    @Test("a flag stays up for `hold` samples after the last deviation, then clears")
    func hold() {
        var detector = AnomalyDetector(threshold: 4, hold: 5)
        for (i, x) in Self.noise(60, mean: 0, spread: 1).enumerated() { detector.observe("returnPct", x, at: Int64(i)) }
        detector.observe("returnPct", -30, at: 60)
        let raised = detector.anomalies
        #expect(raised.map(\.metric) == ["returnPct"])
        #expect(raised.first?.description.contains("left its baseline") == true)
        for i in 0..<4 { detector.observe("returnPct", 0, at: Int64(61 + i)) }
        #expect(detector.anomalies.count == 1)
        detector.observe("returnPct", 0, at: 65)
        #expect(detector.anomalies.isEmpty)
    }

    @Test("health: dead without instances, unhealthy when failed, anomalies listed, parts weigh to the score")
    func health() throws {
        #expect(BotHealth.of([]).status == .dead)
        var metrics = try JSONDecoder().decode(InstanceMetrics.self, from: Data("""
            {"trades": 0, "wins": 0, "realizedPnL": "0", "unrealizedPnL": "0", "equity": "100", "returnPct": 0, "maxDrawdownPct": 0,
             "decisions": 0, "rejects": 0, "slippageBps": 0, "position": "0", "cash": "100", "errors": 0, "circuitBreaker": "closed",
             "buys": 0, "sells": 0, "cpuPct": 0.4, "memoryBytes": 1048576}
            """.utf8))
        metrics.anomalies = [Anomaly(metric: "venueErrors", value: 1, mean: 0, standardDeviation: 0, z: .infinity, at: 0)]
        let healthy = BotHealth.of([.init(id: "a", phase: .running, heartbeatAgeSeconds: 0.2, metrics: metrics)])
        #expect(healthy.status == .healthy && healthy.score == 100)
        #expect(Set(healthy.parts.map(\.name)) == ["heartbeat", "errors", "circuitBreaker", "risk", "cpu", "memory"])
        #expect(abs(healthy.parts.map(\.weight).reduce(0, +) - 1) < 1e-9)
        #expect(healthy.anomalies.count == 1 && healthy.anomalies[0].contains("venueErrors") && healthy.anomalies[0].contains("first change"))
        // A metric that never moved has no finite z: it must still encode as JSON (views, the store).
        let json = try JSONEncoder().encode(metrics)
        #expect(try JSONDecoder().decode(InstanceMetrics.self, from: json).anomalies?.first?.z == nil)
        #expect(BotHealth.of([.init(id: "a", phase: .failed, heartbeatAgeSeconds: 0.2, metrics: metrics)]).status == .unhealthy)
        #expect(BotHealth.of([.init(id: "a", phase: .running, heartbeatAgeSeconds: 45, metrics: metrics)]).status == .dead)
    }

    @Test("venue errors after a clean run are flagged; reset-errors resumes an auto-paused bot")
    func venueErrorsAndReset() async throws {
        let h = try FleetHarness()
        // A breaker that tolerates more than the auto-pause limit, so the bot pauses itself instead of being restarted.
        try h.apply(Fixtures.botYAML(["risk: { maxPositionPct: 25 }": "risk: { maxPositionPct: 25 }\n  runtime: { circuitBreakerFailures: 50, autoPauseAfterErrors: 3, retryInitialDelay: 1s, retryMaxDelay: 1s }"]))
        var now: Int64 = 0
        try await h.fleet.reconcile(nowMs: now)
        for _ in 0..<40 {
            now += 1_000
            try await h.fleet.tick(nowMs: now)
            try await h.fleet.reconcile(nowMs: now)
        }
        for _ in 0..<10 where try h.instances().first?.phase == .running {
            now += 1_000
            h.venue.failNext(1, bot: "test-bot")
            try await h.fleet.tick(nowMs: now)
            try await h.fleet.reconcile(nowMs: now)
        }
        now += 1_000
        try await h.fleet.tick(nowMs: now)
        try await h.fleet.reconcile(nowMs: now)
        var state = try #require(try h.instances().first)
        #expect(state.phase == .paused && state.reason?.hasPrefix("auto-paused") == true, "\(state.phase) \(state.reason ?? "")")
        let flagged = try h.metrics(state).anomalies ?? []
        #expect(flagged.contains { $0.metric == "venueErrors" }, "\(flagged.map(\.description))")

        try h.store.sendCommand(bot: "test-bot", .resetErrors)
        now += 1_000
        try await h.fleet.reconcile(nowMs: now)
        now += 1_000
        try await h.fleet.tick(nowMs: now)
        state = try #require(try h.instances().first)
        #expect(state.phase == .running)
        #expect(try h.metrics(state).errors == 0)
        #expect(try h.store.events(bot: "test-bot", limit: 100).contains { $0.kind == "ErrorsReset" })
    }
}
