import FlotillaEngine
import FlotillaServer
import FlotillaStore
import FlotillaTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

func run(_ tool: String, _ arguments: [String], stdin: String? = nil, timeout: Double = 60) throws -> (status: Int32, output: String) {
    try #require(ExternalTool.path(tool) != nil, "\(tool) is needed (.ci/run installs it from Debian)")
    return try ExternalTool.run(tool, arguments, stdin: stdin, timeout: timeout)
}

@Suite("Prometheus metrics and the dashboard", .serialized)
struct MetricsAndDashboardTests {
    @Test("/metrics passes promtool and matches the engine's state")
    func promtool() async throws {
        let (server, _) = try await serverFixture(tokens: false)
        let app = buildApplication(server, logger: Logger(label: "test"))
        let text = try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { r in
                #expect(r.status == .ok)
                return String(buffer: r.body)
            }
        }
        let check = try run("promtool", ["check", "metrics"], stdin: text)
        #expect(check.status == 0, "promtool: \(check.output)")
        for series in ["trading_bot_uptime_seconds", "trading_bot_trades_total", "trading_bot_positions_active", "trading_bot_daily_pnl",
                       "trading_bot_api_requests_total", "trading_bot_api_errors_total", "trading_bot_health_status", "flotilla_rollout_phase",
                       "flotilla_capital_pct", "flotilla_analysis_results_total", "flotilla_state_serial", "trading_bot_api_response_time_seconds",
                       "flotilla_rollout_step", "flotilla_rollout_steps", "flotilla_reconcile_duration_seconds", "flotilla_reconcile_passes_total"] {
            #expect(text.contains("# TYPE \(series) "), "\(series)")
        }
        #expect(text.contains(#"flotilla_capital_pct{bot="eth-trend",symbol="ETH-BTC",revision="1"} 100.0"#))
        #expect(text.contains("flotilla_state_serial \(Double(try server.store.stateSerial()))"))
        #expect(text.contains(#"flotilla_rollout_phase{bot="eth-trend",phase="Completed"} 1.0"#))
        // eth-trend's first revision started at once: all five canary steps count as done.
        #expect(text.contains(#"flotilla_rollout_step{bot="eth-trend"} 5.0"#), "\(text.split(separator: "\n").filter { $0.contains("rollout_step") })")
        let passes = await server.fleet!.progress.passes.count
        #expect(text.contains("flotilla_reconcile_passes_total \(passes)"))
    }

    @Test("servers in one process export their own fleet's series, each from its own registry; a stopped bot's series go")
    func ownRegistries() async throws {
        let (first, _) = try await serverFixture(tokens: false)
        let (second, _) = try await serverFixture(tokens: false)
        _ = try BotControls(store: second.store).perform(.stop, bot: "eth-trend", operation: "test")
        try await second.fleet!.reconcile(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        func scrape(_ server: ServerContext) async throws -> String {
            try await buildApplication(server, logger: Logger(label: "test")).test(.router) { client in
                try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            }
        }
        let (one, two) = (try await scrape(first), try await scrape(second))
        #expect(one.contains(#"trading_bot_uptime_seconds{bot="eth-trend""#), "the first fleet runs eth-trend")
        #expect(!two.contains(#"trading_bot_uptime_seconds{bot="eth-trend""#), "the second stopped it: its instance series are gone")
        #expect(two.contains(#"trading_bot_uptime_seconds{bot="dash-macd""#))
        #expect(try await scrape(first).contains(#"trading_bot_uptime_seconds{bot="eth-trend""#), "scraping the second server took nothing from the first")
        for text in [one, two] {
            let check = try run("promtool", ["check", "metrics"], stdin: text)
            #expect(check.status == 0, "promtool: \(check.output)")
        }
    }

    @Test("counters only rise: a scrape after more reconcile passes shows more, never a reset")
    func countersRise() async throws {
        let (server, _) = try await serverFixture(tokens: false)
        let fleet = try #require(server.fleet)
        let app = buildApplication(server, logger: Logger(label: "test"))
        func passes() async throws -> Int {
            let text = try await app.test(.router) { client in
                try await client.execute(uri: "/metrics", method: .get) { String(buffer: $0.body) }
            }
            let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("flotilla_reconcile_passes_total ") })
            return try #require(Int(line.split(separator: " ")[1]))
        }
        let before = try await passes()
        for _ in 0..<3 { try await fleet.reconcile(nowMs: Int64(Date().timeIntervalSince1970 * 1000)) }
        let after = try await passes()
        #expect(after == before + 3, "\(before) then \(after)")
    }

    @Test("the dashboard loads in a real headless browser, draws each bot's curve from its stored history on open with the rollout's steps marked; a screenshot is kept")
    func dashboard() async throws {
        let project = try Fixtures.projectCopy()
        let port = Int.random(in: 20_000...40_000)
        let process = Process()
        process.executableURL = try flotillaBinary()
        process.arguments = ["up", "--dir", project.path, "--listen", "127.0.0.1:\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var ready = false
        for _ in 0..<100 where !ready {
            try await Task.sleep(for: .milliseconds(200))
            ready = (try? run("curl", ["-sf", "http://127.0.0.1:\(port)/readyz"], timeout: 5).status) == 0
        }
        #expect(ready, "flotilla up became ready")
        // The login URL up printed at its first start: the admin token in the fragment.
        let secret = try #require(AdminTokenFile.read(stateDirectory: project.appendingPathComponent(".flotilla")))
        // A new revision of eth-trend rolls out as a canary (capital 10 %, then a 30-minute pause)
        // and is promoted past its timed pause: steps to mark on its curve.
        let spec = project.appendingPathComponent("bots.d/eth-trend.yaml")
        try String(contentsOf: spec, encoding: .utf8).replacingOccurrences(of: "fast: 10", with: "fast: 12").write(to: spec, atomically: true, encoding: .utf8)
        func get(_ path: String) -> String {
            (try? run("curl", ["-sf", "-H", "Authorization: Bearer \(secret)", "http://127.0.0.1:\(port)\(path)"], timeout: 10).output) ?? ""
        }
        var paused = false
        for _ in 0..<100 where !paused {
            try await Task.sleep(for: .milliseconds(200))
            paused = get("/api/v1/rollouts/eth-trend").contains("\"pauseRemainingSeconds\"")
        }
        #expect(paused, "the canary waits on its timed pause: \(get("/api/v1/rollouts/eth-trend"))")
        _ = try? run("curl", ["-sf", "-X", "POST", "-H", "Authorization: Bearer \(secret)", "http://127.0.0.1:\(port)/api/v1/rollouts/eth-trend/promote"], timeout: 10)
        // The history the page will draw on open: a few samples per bot (the engine records every 2 s when
        // the equity moves, every 10 s when it does not).
        var recorded = 0
        for _ in 0..<120 where recorded < 3 {
            try await Task.sleep(for: .milliseconds(500))
            recorded = get("/api/v1/bots/eth-trend/equity").components(separatedBy: "\"equity\"").count - 1
        }
        #expect(recorded >= 3, "eth-trend's equity history has samples")
        #expect(get("/api/v1/bots/eth-trend/equity").contains("RolloutResumed"), "the promotion is a mark")

        let screenshot = try HeadlessBrowser.artifact("dashboard.png")
        try? FileManager.default.removeItem(at: screenshot)
        // One second of page time: one fetch of the bots and of their histories, no live sample yet
        // worth a curve — what is drawn comes from the store.
        let browser = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=1500"]
        let login = "http://127.0.0.1:\(port)/#token=\(secret)"
        try #require(ExternalTool.path("chromium") != nil, "chromium is needed (.ci/run installs it from Debian)")
        let dom = try ExternalTool.run("chromium", browser + ["--dump-dom", login], timeout: 90).output
        for bot in ["eth-trend", "ltc-rsi", "xrp-grid", "alts-momentum", "dash-macd", "synthetic-smoke"] {
            #expect(dom.contains(">\(bot)<"), "the fleet table lists \(bot)")
        }
        var paths: [String: String] = [:]
        for match in dom.matches(of: /<svg[^>]*data-bot="([a-z0-9-]+)"[^>]*data-history="([0-9]+)"[^>]*data-marks="([0-9]+)"[^>]*>(.*?)<\/svg>/) {
            let (bot, fromStore, marks, inner) = (String(match.1), Int(match.2) ?? 0, Int(match.3) ?? 0, String(match.4))
            let d = inner.firstMatch(of: /<path d="([^"]*)"/).map { String($0.1) } ?? ""
            paths[bot] = d
            if bot == "eth-trend" {
                #expect(fromStore >= 3, "eth-trend's curve is drawn from \(fromStore) stored samples")
                #expect(d.filter { $0 == "L" }.count >= 2, "the curve has points right after load: \(d)")
                #expect(marks >= 2, "the rollout's steps are marked (\(marks))")
            }
        }
        #expect(paths.count == 6, "a curve per bot: \(paths.keys.sorted())")
        #expect(paths.values.filter { !$0.isEmpty }.count >= 4, "most bots have a curve on open")
        let size = try HeadlessBrowser.screenshot(login, to: screenshot)
        #expect(size > 10_000, "screenshot saved at \(screenshot.path)")
    }
}

func flotillaBinary() throws -> URL {
    let candidates = [
        Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("flotilla"),
        Fixtures.repositoryRoot.appendingPathComponent(".build/debug/flotilla"),
    ]
    return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }, "build the flotilla executable first (swift build)")
}
