import FlotillaSpec
import FlotillaEngine
import FlotillaServer
import FlotillaStore
import FlotillaTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// The dashboard's curves come from the store: each bot's equity recorded by the engine at a
/// bounded rate, kept within a bound per bot, served downsampled with the rollout's steps as marks.
@Suite("Equity history", .serialized)
struct EquityHistoryTests {
    struct Downsampling: Sendable, CustomTestStringConvertible {
        var count: Int
        var points: Int
        var expected: [Int64]
        var testDescription: String { "\(count) samples to at most \(points)" }
    }

    static let downsampling: [Downsampling] = [
        .init(count: 0, points: 200, expected: []),
        .init(count: 1, points: 200, expected: [0]),
        .init(count: 5, points: 200, expected: [0, 1, 2, 3, 4]),
        .init(count: 5, points: 5, expected: [0, 1, 2, 3, 4]),
        .init(count: 5, points: 3, expected: [0, 2, 4]),
        .init(count: 10, points: 4, expected: [0, 3, 6, 9]),
        .init(count: 1000, points: 2, expected: [0, 999]),
        .init(count: 7, points: 1, expected: [0, 6]),  // never fewer than the two ends
    ]

    @Test("downsampling keeps the first and the last sample and spreads the rest evenly", arguments: downsampling)
    func downsample(_ c: Downsampling) {
        let samples = (0..<Int64(c.count)).map { EquitySample(time: $0, equity: "\($0)") }
        #expect(EquityHistory.downsample(samples, to: c.points).map(\.time) == c.expected)
    }

    @Test("a bot's history stays within its bound however long it runs: the newest at full rate, the oldest kept, older ones thinned")
    func bounded() throws {
        let store = try StateStore.inMemory()
        let lock = try store.acquireApplyLock(operation: "test", timeout: 1)
        let bots = try ["eth-trend", "ltc-rsi"].flatMap { try Fixtures.resolve(Fixtures.botYAML(name: $0), file: "bots.d/\($0).yaml") }
        _ = try store.apply(bots.map { .create($0) }, expectedSerial: 0, lock: lock)
        for t in 0..<Int64(3 * EquityHistory.maxSamplesPerBot) {
            try store.recordEquity([(bot: "eth-trend", sample: EquitySample(time: t * 2_000, equity: "\(1000 + t)")),
                                    (bot: "ltc-rsi", sample: EquitySample(time: t * 2_000, equity: "500"))])
        }
        for bot in ["eth-trend", "ltc-rsi"] {
            let kept = try store.equityHistory(bot: bot, points: 1_000_000)
            #expect(kept.count <= EquityHistory.maxSamplesPerBot, "\(bot): \(kept.count)")
            #expect(kept.count >= EquityHistory.maxSamplesPerBot / 2)
            #expect(kept.first?.time == 0, "the oldest sample stays")
            #expect(kept.last?.time == Int64(3 * EquityHistory.maxSamplesPerBot - 1) * 2_000, "the newest sample is there")
            let recent = kept.suffix(EquityHistory.maxSamplesPerBot / 4).map(\.time)
            #expect(zip(recent, recent.dropFirst()).allSatisfy { $1 - $0 == 2_000 }, "recent equity at the recording rate")
        }
        #expect(try store.equityHistory(bot: "eth-trend", points: 50).count == 50)
    }

    static func instance(_ bot: String, equity: String?, mode: InstanceMode = .live, phase: InstancePhase = .running) throws -> LiveInstance {
        let metrics = try equity.map { e in
            try JSONDecoder().decode(InstanceMetrics.self, from: Data("""
                {"trades":0,"wins":0,"realizedPnL":"0","unrealizedPnL":"0","equity":"\(e)","returnPct":0,"maxDrawdownPct":0,"decisions":0,"rejects":0,
                 "slippageBps":0,"position":"0","cash":"\(e)","errors":0,"circuitBreaker":"closed","buys":0,"sells":0}
                """.utf8))
        }
        let state = InstanceState(id: "\(bot)-\(mode)", bot: bot, revision: 1, symbol: "ETH-BTC", phase: phase, mode: mode, capitalPct: "100")
        return LiveInstance(state: state, metrics: metrics)
    }

    @Test("the recorder samples each bot's live equity at most once per interval, and an unchanged one only once a minute")
    func recorderRate() throws {
        var recorder = EquityRecorder(intervalMs: 2_000, keepAliveMs: 60_000)
        let fleet = [try Self.instance("a", equity: "100"), try Self.instance("a", equity: "5", mode: .shadow), try Self.instance("b", equity: "200"),
                     try Self.instance("c", equity: nil), try Self.instance("d", equity: "7", phase: .stopped)]
        #expect(recorder.due(fleet, nowMs: 0).map { "\($0.bot)=\($0.sample.equity)" } == ["a=100", "b=200"], "live instances only; shadow is notional")
        #expect(recorder.due(fleet, nowMs: 1_000).isEmpty, "within the interval")
        #expect(recorder.due(fleet, nowMs: 2_000).isEmpty, "nothing moved")
        let moved = [try Self.instance("a", equity: "101"), try Self.instance("b", equity: "200")]
        #expect(recorder.due(moved, nowMs: 4_000).map(\.bot) == ["a"])
        #expect(recorder.due(moved, nowMs: 62_000).map(\.bot) == ["b"], "a minute without a sample: one more, unchanged")
    }

    @Test("GET /api/v1/bots/{name}/equity serves the history downsampled, with the rollout's steps as marks")
    func route() async throws {
        let (server, secrets) = try await serverFixture()
        let store = server.store
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for i in 0..<Int64(30) {
            try store.recordEquity([(bot: "eth-trend", sample: EquitySample(time: now - 60_000 + i * 2_000, equity: "\(1000 + i).5"))])
        }
        struct Shown: Decodable {
            struct Point: Decodable { var time: Date; var equity: String }
            struct Mark: Decodable { var time: Date; var kind: String; var revision: Int?; var message: String }
            var bot: String
            var capital: String
            var points: [Point]
            var marks: [Mark]
        }
        let app = buildApplication(server, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/bots/eth-trend/equity?points=10", method: .get, headers: bearer(secrets[.viewer])) { r in
                #expect(r.status == .ok)
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                let shown = try decoder.decode(Shown.self, from: Data(buffer: r.body))
                #expect(shown.points.count == 10)
                #expect(shown.points.first?.equity == "1000.5" && shown.points.last?.equity == "1029.5")
                #expect(shown.marks.contains { $0.kind == "RolloutCompleted" }, "the first revision's start is marked: \(shown.marks.map(\.kind))")
            }
            try await client.execute(uri: "/api/v1/bots/eth-trend/equity", method: .get) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/api/v1/bots/ghost/equity", method: .get, headers: bearer(secrets[.viewer])) { r in #expect(r.status == .notFound) }
        }
    }

    @Test("a bot stopped on purpose shows stopped, not dead")
    func stoppedIsNotDead() async throws {
        let (server, secrets) = try await serverFixture()
        try server.store.setBotControl(bot: "ltc-rsi", to: .stopped)
        try await server.fleet!.reconcile(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        let app = buildApplication(server, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/bots", method: .get, headers: bearer(secrets[.viewer])) { r in
                struct Bot: Decodable { var name: String; var control: String; var health: String }
                let bots = try JSONDecoder().decode([Bot].self, from: Data(buffer: r.body))
                let stopped = try #require(bots.first { $0.name == "ltc-rsi" })
                #expect(stopped.control == "stopped" && stopped.health == "stopped")
                #expect(bots.filter { $0.name != "ltc-rsi" }.allSatisfy { $0.health != "stopped" })
            }
        }
    }
}
