import FlotillaStore
import FlotillaTesting
import Foundation
import Testing

/// `flotilla up` bootstraps swift-metrics with the Prometheus factory once and `/metrics` exports
/// that registry: the series follow the running fleet and pass promtool.
@Suite("flotilla up: /metrics through swift-metrics", .serialized, .heavy)
struct UpMetricsProcessTests {
    @Test("a real up's /metrics has every running instance's series, passes promtool, and its counters rise between scrapes")
    func scrape() async throws {
        let project = try Project()
        let up = try UpProcess(project)
        defer { up.stop() }
        let port = try await up.port()
        let store = try StateStore(path: project.statePath)
        #expect(try await waitUntil(90) { try store.runtimeInstances().filter { $0.phase == .running }.count == 9 })
        func metrics() async throws -> String {
            try await RawHTTP.fetch(port: port, ["GET /metrics HTTP/1.1", "Host: 127.0.0.1:\(port)"]).body
        }
        func passes(_ text: String) -> Int? {
            text.split(separator: "\n").first { $0.hasPrefix("flotilla_reconcile_passes_total ") }.flatMap { Int($0.split(separator: " ")[1]) }
        }
        var text = ""
        #expect(await eventually(30) {
            text = try await metrics()
            // Rollout series follow the store within a second of the instances.
            return text.components(separatedBy: "\ntrading_bot_uptime_seconds{").count - 1 == 9 && text.contains("\nflotilla_rollout_phase{")
        }, "one uptime series per running instance, and the rollouts': \(text.split(separator: "\n").filter { $0.hasPrefix("trading_bot_uptime") })")
        try #require(ExternalTool.path("promtool") != nil, "promtool is needed (.ci/run installs it from Debian)")
        let check = try ExternalTool.run("promtool", ["check", "metrics"], stdin: text, timeout: 60)
        #expect(check.status == 0, "promtool: \(check.output)")
        for series in ["trading_bot_trades_total", "flotilla_capital_pct", "flotilla_rollout_phase", "flotilla_state_serial"] {
            #expect(text.contains("# HELP \(series) ") && text.contains("# TYPE \(series) "), "\(series): \(text.split(separator: "\n").filter { $0.contains(series) }.prefix(3))")
        }
        let first = try #require(passes(text))
        try await Task.sleep(for: .seconds(1))
        let second = try #require(passes(try await metrics()))
        #expect(second > first, "the reconciler's pass counter rises: \(first) then \(second)")
    }
}
