import FlotillaEngine
import FlotillaServer
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// A degraded bot says why in its view and in `/readyz` (which stays ready); fills say whether
/// they were real or simulated.
@Suite("Degraded bots and fill modes over HTTP", .serialized)
struct DegradedAndFillsAPITests {
    /// Applies a new revision of an example bot with `old` replaced by `new` in its file.
    static func revise(_ server: ServerContext, _ bot: String, _ old: String, _ new: String) throws {
        let text = try String(contentsOf: server.layout.bots.appendingPathComponent("\(bot).yaml"), encoding: .utf8)
        let spec = try #require(try Fixtures.resolve(text.replacingOccurrences(of: old, with: new), file: "bots.d/\(bot).yaml").first)
        let lock = try server.store.acquireApplyLock(operation: "test", timeout: 5)
        defer { try? server.store.releaseApplyLock(lock) }
        _ = try server.store.apply([.replace(spec)], expectedSerial: try server.store.stateSerial(), lock: lock)
    }

    static var wallMs: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    @Test("a bot whose new revision can't start: health degraded with the reason in its view; /readyz stays 200 and lists it")
    func degradedView() async throws {
        let (server, secrets) = try await serverFixture()
        let fleet = try #require(server.fleet)
        try Self.revise(server, "eth-trend", "replay: ETH_BTC-5m.csv", "replay: NOSUCH-5m.csv")
        try await fleet.reconcile(nowMs: Self.wallMs)
        let app = buildApplication(server, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/bots/eth-trend", method: .get, headers: bearer(secrets[.viewer])) { r in
                #expect(r.status == .ok)
                let view = try decode(BotView.self, r)
                #expect(view.health == .degraded)
                #expect(view.degraded?.reason.contains("NOSUCH-5m.csv") == true)
                #expect(view.instances.map(\.revision) == [1], "the old revision still serves")
            }
            try await client.execute(uri: "/api/v1/bots/dash-macd", method: .get, headers: bearer(secrets[.viewer])) { r in
                let view = try decode(BotView.self, r)
                #expect(view.degraded == nil, "the other bots are not")
            }
            // Readiness wants a reconcile pass within the last two seconds: on a loaded machine more
            // can pass between the pass and the request, so the pass is repeated until it is fresh.
            var ready: (status: HTTPResponse.Status, body: String) = (.serviceUnavailable, "")
            for _ in 0..<10 where ready.status != .ok {
                try await fleet.reconcile(nowMs: Self.wallMs)
                ready = try await client.execute(uri: "/readyz", method: .get) { r in (r.status, String(buffer: r.body)) }
            }
            #expect(ready.status == .ok, "the fleet is ready: one bot's failure is that bot's")
            #expect(ready.body.contains("\"bots\"") && ready.body.contains("1 degraded") && ready.body.contains("eth-trend"))
        }
    }

    @Test("a degraded bot's health is Degraded (score 0) with the reason, as get bots says; the other bots carry no such anomaly")
    func degradedHealth() async throws {
        let (server, secrets) = try await serverFixture()
        let fleet = try #require(server.fleet)
        try Self.revise(server, "eth-trend", "replay: ETH_BTC-5m.csv", "replay: NOSUCH-5m.csv")
        try await fleet.reconcile(nowMs: Self.wallMs)
        struct Health: Decodable { var score: Double; var status: String; var anomalies: [String] }
        let app = buildApplication(server, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/bots/eth-trend/health", method: .get, headers: bearer(secrets[.viewer])) { r in
                #expect(r.status == .ok)
                let health = try decode(Health.self, r)
                #expect(health.status == "degraded", "a bot the engine could not bring to its desired state is Degraded, as its view says")
                #expect(health.score == 0)
                #expect(health.anomalies.contains { $0.hasPrefix("degraded (candidateStart)") && $0.contains("NOSUCH-5m.csv") }, "\(health.anomalies)")
            }
            try await client.execute(uri: "/api/v1/bots/dash-macd/health", method: .get, headers: bearer(secrets[.viewer])) { r in
                let health = try decode(Health.self, r)
                #expect(!health.anomalies.contains { $0.hasPrefix("degraded") }, "\(health.anomalies)")
            }
        }
    }

    @Test("fills list live ones by default, shadow ones when asked, both with mode=all; each says its mode")
    func fillModes() async throws {
        let (server, secrets) = try await serverFixture()
        let fleet = try #require(server.fleet)
        let start = Self.wallMs
        // ltc-rsi's new revision spends its first stage in shadow (simulated fills), then is
        // promoted (its fills from then on are real); a third revision shadows it again.
        try Self.revise(server, "ltc-rsi", "oversold: 30, overbought: 70", "oversold: 45, overbought: 55")
        try await fleet.reconcile(nowMs: start)
        try await fleet.tick(nowMs: start + 1_800_000)
        try server.store.sendCommand(bot: "ltc-rsi", .promoteFull)
        try await fleet.reconcile(nowMs: start + 1_800_000)
        try await fleet.tick(nowMs: start + 3_600_000)
        try Self.revise(server, "ltc-rsi", "oversold: 30, overbought: 70", "oversold: 44, overbought: 56")
        try await fleet.reconcile(nowMs: start + 3_600_000)
        try await fleet.tick(nowMs: start + 5_400_000)
        let instances = try server.store.runtimeInstances(bot: "ltc-rsi").filter { $0.phase != .stopped }
        #expect(Set(instances.map(\.mode)) == [.live, .shadow])
        let app = buildApplication(server, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            func fills(_ query: String) async throws -> [[String: Any]] {
                try await client.execute(uri: "/api/v1/bots/ltc-rsi/fills\(query)", method: .get, headers: bearer(secrets[.viewer])) { r in
                    #expect(r.status == .ok)
                    return try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [[String: Any]])
                }
            }
            let live = try await fills("?limit=1000")
            let shadow = try await fills("?mode=shadow&limit=1000")
            let all = try await fills("?mode=all&limit=1000")
            #expect(!live.isEmpty && !shadow.isEmpty)
            #expect(live.allSatisfy { $0["mode"] as? String == "live" })
            #expect(shadow.allSatisfy { $0["mode"] as? String == "shadow" })
            #expect(Set(live.compactMap { $0["instance"] as? String }).allSatisfy { $0.contains("/r2/") }, "r2's fills once it went live")
            #expect(all.count == min(1000, live.count + shadow.count))
            try await client.execute(uri: "/api/v1/bots/ltc-rsi/fills?mode=paper", method: .get, headers: bearer(secrets[.viewer])) { r in
                #expect(r.status == .badRequest)
            }
        }
    }
}
