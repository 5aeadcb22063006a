import FlotillaEngine
import FlotillaStore
import Foundation
import Prometheus

/// `/metrics`: the seeds' `trading_bot_*` series with a `bot` label, plus reconciler and rollout
/// series, read from the store at scrape time into a swift-prometheus registry.
enum MetricsText {
    static let processStart = Date()

    static func render(store: StateStore) throws -> String {
        let registry = PrometheusCollectorRegistry()
        let uptime = Date().timeIntervalSince(processStart)
        let fillsBySide = try store.fillCountsBySide()
        for instance in try store.runtimeInstances() where instance.phase != "stopped" {
            let m = instance.metricsJSON.flatMap { try? JSONDecoder().decode(InstanceMetrics.self, from: Data($0.utf8)) }
            let labels = [("bot", instance.bot), ("symbol", instance.symbol), ("revision", String(instance.revision))]
            registry.makeGauge(name: "trading_bot_uptime_seconds", labels: [("bot", instance.bot), ("instance", instance.id)],
                               help: "Seconds since this flotilla process started serving the bot").set(to: uptime)
            for side in ["buy", "sell"] {
                registry.makeCounter(name: "trading_bot_trades_total", labels: labels + [("action", side)], help: "Fills by side")
                    .increment(by: Int64(fillsBySide[instance.id]?[side] ?? 0))
            }
            let position = Double(m?.position ?? "0") ?? 0
            registry.makeGauge(name: "trading_bot_positions_active", labels: labels, help: "Open position, base quantity").set(to: position)
            let pnl = (Double(m?.realizedPnL ?? "0") ?? 0) + (Double(m?.unrealizedPnL ?? "0") ?? 0)
            registry.makeGauge(name: "trading_bot_daily_pnl", labels: labels, help: "Realized plus unrealized PnL of the instance, quote currency").set(to: pnl)
            registry.makeCounter(name: "trading_bot_api_requests_total", labels: [("bot", instance.bot), ("provider", "paper"), ("endpoint", "orders")],
                                 help: "Venue calls").increment(by: Int64(m?.decisions ?? 0))
            registry.makeCounter(name: "trading_bot_api_errors_total", labels: [("bot", instance.bot), ("provider", "paper")], help: "Failed venue calls")
                .increment(by: Int64(m?.errors ?? 0))
            let healthy = instance.phase == "running" && m?.circuitBreaker != "open"
            registry.makeGauge(name: "trading_bot_health_status", labels: [("bot", instance.bot), ("component", "instance"), ("instance", instance.id)],
                               help: "1 healthy, 0 not").set(to: healthy ? 1.0 : 0.0)
            registry.makeGauge(name: "flotilla_capital_pct", labels: labels, help: "Share of the bot's capital this revision trades").set(to: Double(instance.capitalPct) ?? 0)
            registry.makeGauge(name: "flotilla_equity", labels: labels, help: "Instance equity at the last close, quote currency")
                .set(to: Double(m?.equity ?? "0") ?? 0)
        }
        let phases = ["Progressing", "Paused", "Completed", "Aborted", "Degraded"]
        for rollout in try store.rollouts() {
            for phase in phases {
                registry.makeGauge(name: "flotilla_rollout_phase", labels: [("bot", rollout.bot), ("phase", phase)], help: "1 for the rollout's current phase")
                    .set(to: rollout.phase == phase ? 1.0 : 0.0)
            }
            registry.makeGauge(name: "flotilla_rollout_revision", labels: [("bot", rollout.bot)], help: "The revision being rolled out").set(to: Double(rollout.candidate))
        }
        let analyses = try store.events(limit: 10_000).filter { $0.kind.hasPrefix("Analysis") }
        for result in ["Successful", "Failed", "Inconclusive"] {
            registry.makeCounter(name: "flotilla_analysis_results_total", labels: [("result", result)], help: "Analysis runs by result")
                .increment(by: Int64(analyses.filter { $0.kind == "Analysis\(result)" }.count))
        }
        registry.makeGauge(name: "flotilla_state_serial", help: "The state serial").set(to: Double(try store.stateSerial()))
        return registry.emitToString()
    }
}

