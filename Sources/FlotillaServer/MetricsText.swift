import FlotillaEngine
import FlotillaStore
import Foundation
import Prometheus

/// `/metrics`: the seeds' `trading_bot_*` series with a `bot` label, plus reconciler and rollout
/// series, read from the store at scrape time into a swift-prometheus registry.
enum MetricsText {
    static let processStart = Date()
    /// One registry for the process: a series is created once and only updated afterwards (creating
    /// 16,000 series per scrape cost 650 ms at 1,000 bots; updating them is cheap). Series of
    /// instances that stopped are removed.
    static let registry = Registry()

    final class Registry: @unchecked Sendable {
        // @unchecked: `known` is only touched under `lock`; PrometheusCollectorRegistry is thread-safe.
        let prometheus = PrometheusCollectorRegistry()
        private let lock = NSLock()
        private var gauges: [String: Gauge] = [:]
        private var counters: [String: Counter] = [:]
        private var seen = Set<String>()

        func gauge(_ name: String, _ labels: [(String, String)], help: String) -> Gauge {
            let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
            return lock.withLock {
                seen.insert(key)
                if let g = gauges[key] { return g }
                let g = prometheus.makeGauge(descriptor: .init(metricName: name, unitName: "", helpText: help), labels: labels)
                gauges[key] = g
                return g
            }
        }

        /// Counters are set to the engine's cumulative value: reset, then incremented by it.
        func counter(_ name: String, _ labels: [(String, String)], help: String, value: Int64) {
            let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
            let c: Counter = lock.withLock {
                seen.insert(key)
                if let c = counters[key] { return c }
                let c = prometheus.makeCounter(descriptor: .init(metricName: name, unitName: "", helpText: help), labels: labels)
                counters[key] = c
                return c
            }
            c.reset()
            c.increment(by: value)
        }

        func beginScrape() { lock.withLock { seen.removeAll(keepingCapacity: true) } }

        /// Drops series not reported in this scrape.
        func endScrape() {
            lock.withLock {
                for (key, g) in gauges where !seen.contains(key) { prometheus.unregisterGauge(g); gauges[key] = nil }
                for (key, c) in counters where !seen.contains(key) { prometheus.unregisterCounter(c); counters[key] = nil }
            }
        }
    }

    static func render(store: StateStore) throws -> String {
        registry.beginScrape()
        defer { registry.endScrape() }
        let registry = Self.registry
        let uptime = Date().timeIntervalSince(processStart)
        let decoder = JSONDecoder()
        for instance in try store.runtimeInstances(withVenue: false) where instance.phase != "stopped" {
            let m = instance.metricsJSON.flatMap { try? decoder.decode(InstanceMetrics.self, from: Data($0.utf8)) }
            let labels = [("bot", instance.bot), ("symbol", instance.symbol), ("revision", String(instance.revision))]
            registry.gauge("trading_bot_uptime_seconds", [("bot", instance.bot), ("instance", instance.id)],
                               help: "Seconds since this flotilla process started serving the bot").set(to: uptime)
            registry.counter("trading_bot_trades_total", labels + [("action", "buy")], help: "Fills by side", value: Int64(m?.buys ?? 0))
            registry.counter("trading_bot_trades_total", labels + [("action", "sell")], help: "Fills by side", value: Int64(m?.sells ?? 0))
            let position = Double(m?.position ?? "0") ?? 0
            registry.gauge("trading_bot_positions_active", labels, help: "Open position, base quantity").set(to: position)
            let pnl = (Double(m?.realizedPnL ?? "0") ?? 0) + (Double(m?.unrealizedPnL ?? "0") ?? 0)
            registry.gauge("trading_bot_daily_pnl", labels, help: "Realized plus unrealized PnL of the instance, quote currency").set(to: pnl)
            registry.counter("trading_bot_api_requests_total", [("bot", instance.bot), ("instance", instance.id), ("provider", "paper"), ("endpoint", "orders")],
                             help: "Venue calls", value: Int64(m?.decisions ?? 0))
            registry.counter("trading_bot_api_errors_total", [("bot", instance.bot), ("instance", instance.id), ("provider", "paper")],
                             help: "Failed venue calls", value: Int64(m?.errors ?? 0))
            let healthy = instance.phase == "running" && m?.circuitBreaker != "open"
            registry.gauge("trading_bot_health_status", [("bot", instance.bot), ("component", "instance"), ("instance", instance.id)],
                               help: "1 healthy, 0 not").set(to: healthy ? 1.0 : 0.0)
            registry.gauge("flotilla_capital_pct", labels, help: "Share of the bot's capital this revision trades").set(to: Double(instance.capitalPct) ?? 0)
            registry.gauge("flotilla_equity", labels, help: "Instance equity at the last close, quote currency")
                .set(to: Double(m?.equity ?? "0") ?? 0)
        }
        let phases = ["Progressing", "Paused", "Completed", "Aborted", "Degraded"]
        for rollout in try store.rollouts() {
            for phase in phases {
                registry.gauge("flotilla_rollout_phase", [("bot", rollout.bot), ("phase", phase)], help: "1 for the rollout's current phase")
                    .set(to: rollout.phase == phase ? 1.0 : 0.0)
            }
            registry.gauge("flotilla_rollout_revision", [("bot", rollout.bot)], help: "The revision being rolled out").set(to: Double(rollout.candidate))
        }
        let analyses = try store.eventCounts(prefix: "Analysis")
        for result in ["Successful", "Failed", "Inconclusive"] {
            registry.counter("flotilla_analysis_results_total", [("result", result)], help: "Analysis runs by result",
                             value: Int64(analyses["Analysis\(result)"] ?? 0))
        }
        registry.gauge("flotilla_state_serial", [], help: "The state serial").set(to: Double(try store.stateSerial()))
        return registry.prometheus.emitToString()
    }
}

