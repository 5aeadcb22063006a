import FlotillaSpec
import FlotillaAPI
import FlotillaEngine
import FlotillaStore
import Foundation
import Prometheus

/// `/metrics`: the seeds' `trading_bot_*` series with a `bot` label, plus reconciler and rollout
/// series, set at scrape time in a swift-prometheus registry from the fleet's live instances (or,
/// without a fleet in this process, from the store).
enum MetricsText {
    static let processStart = Date()
    /// One registry for the process: a series is created once and only updated afterwards (creating
    /// 16,000 series per scrape cost 650 ms at 1,000 bots; updating them is cheap). Series of
    /// instances that stopped are removed.
    static let registry = Registry()

    /// The series of one instance, made once and kept while it runs.
    final class InstanceSeries: @unchecked Sendable {
        // @unchecked: created and used under Registry's lock only; swift-prometheus metrics are thread-safe.
        let uptime, positions, pnl, health, capital, equity, responseTime: Gauge
        let buys, sells, requests, errors: Counter
        let unregister: @Sendable () -> Void

        init(_ p: PrometheusCollectorRegistry, _ i: InstanceState) {
            let labels = [("bot", i.bot), ("symbol", i.symbol), ("revision", String(i.revision))]
            let instance = [("bot", i.bot), ("instance", i.id)]
            func gauge(_ name: String, _ labels: [(String, String)], _ help: String) -> Gauge {
                p.makeGauge(descriptor: .init(metricName: name, unitName: "", helpText: help), labels: labels)
            }
            func counter(_ name: String, _ labels: [(String, String)], _ help: String) -> Counter {
                p.makeCounter(descriptor: .init(metricName: name, unitName: "", helpText: help), labels: labels)
            }
            uptime = gauge("trading_bot_uptime_seconds", instance, "Seconds since this flotilla process started serving the bot")
            buys = counter("trading_bot_trades_total", labels + [("action", "buy")], "Fills by side")
            sells = counter("trading_bot_trades_total", labels + [("action", "sell")], "Fills by side")
            positions = gauge("trading_bot_positions_active", labels, "Open position, base quantity")
            pnl = gauge("trading_bot_daily_pnl", labels, "Realized plus unrealized PnL of the instance, quote currency")
            requests = counter("trading_bot_api_requests_total", instance + [("provider", "paper"), ("endpoint", "orders")], "Venue calls")
            errors = counter("trading_bot_api_errors_total", instance + [("provider", "paper")], "Failed venue calls")
            responseTime = gauge("trading_bot_api_response_time_seconds", instance + [("provider", "paper")],
                                 "A venue call's duration, exponentially smoothed over the last calls")
            health = gauge("trading_bot_health_status", [("bot", i.bot), ("component", "instance"), ("instance", i.id)], "1 healthy, 0 not")
            capital = gauge("flotilla_capital_pct", labels, "Share of the bot's capital this revision trades")
            equity = gauge("flotilla_equity", labels, "Instance equity at the last close, quote currency")
            let (g, c) = ([uptime, positions, pnl, health, capital, equity, responseTime], [buys, sells, requests, errors])
            unregister = { g.forEach(p.unregisterGauge); c.forEach(p.unregisterCounter) }
        }

        func set(_ i: InstanceState, _ m: InstanceMetrics?, uptime seconds: Double) {
            uptime.set(to: seconds)
            Self.set(buys, m?.buys ?? 0)
            Self.set(sells, m?.sells ?? 0)
            positions.set(to: m?.position.double ?? 0)
            pnl.set(to: (m?.realizedPnL.double ?? 0) + (m?.unrealizedPnL.double ?? 0))
            Self.set(requests, m?.decisions ?? 0)
            Self.set(errors, m?.errors ?? 0)
            health.set(to: i.phase == .running && m?.circuitBreaker != .open ? 1.0 : 0.0)
            capital.set(to: Double(i.capitalPct) ?? 0)
            equity.set(to: m?.equity.double ?? 0)
            responseTime.set(to: m?.venueResponseSeconds ?? 0)
        }

        /// Counters carry the engine's cumulative value: reset, then incremented by it.
        static func set(_ counter: Counter, _ value: Int) {
            counter.reset()
            counter.increment(by: Int64(value))
        }
    }

    /// The series of one bot's rollout, made once and kept while the rollout exists.
    final class RolloutSeries: @unchecked Sendable {
        // @unchecked: created and used under Registry's lock only; swift-prometheus metrics are thread-safe.
        static let phases = RolloutPhase.allCases.map(\.rawValue)
        let phase: [Gauge]
        let revision, step, steps: Gauge
        let unregister: @Sendable () -> Void

        init(_ p: PrometheusCollectorRegistry, bot: String) {
            func gauge(_ name: String, _ labels: [(String, String)], _ help: String) -> Gauge {
                p.makeGauge(descriptor: .init(metricName: name, unitName: "", helpText: help), labels: labels)
            }
            phase = Self.phases.map { gauge("flotilla_rollout_phase", [("bot", bot), ("phase", $0)], "1 for the rollout's current phase") }
            revision = gauge("flotilla_rollout_revision", [("bot", bot)], "The revision being rolled out")
            step = gauge("flotilla_rollout_step", [("bot", bot)], "Steps of the rollout done (canary steps, stages, replaced instances)")
            steps = gauge("flotilla_rollout_steps", [("bot", bot)], "Steps of the rollout in all")
            let all = phase + [revision, step, steps]
            unregister = { all.forEach(p.unregisterGauge) }
        }

        func set(_ rollout: StoredRollout) {
            for (i, name) in Self.phases.enumerated() { phase[i].set(to: rollout.phase.rawValue == name ? 1.0 : 0.0) }
            revision.set(to: Double(rollout.candidate))
            let summary = RolloutSummaries.shared.summary(rollout)
            step.set(to: Double(summary?.stepsDone ?? 0))
            steps.set(to: Double(summary?.stepsTotal ?? 0))
        }
    }

    final class Registry: @unchecked Sendable {
        // @unchecked: the dictionaries are only touched under `lock`; PrometheusCollectorRegistry is thread-safe.
        let prometheus = PrometheusCollectorRegistry()
        private let lock = NSLock()
        /// By instance id, with the revision and symbol their labels were made with.
        private var instances: [String: InstanceSeries] = [:]
        private var rollouts: [String: RolloutSeries] = [:]
        private var gauges: [String: Gauge] = [:]
        private var counters: [String: Counter] = [:]

        /// Sets every running instance's series; removes those of instances no longer running.
        func update(_ running: [(InstanceState, InstanceMetrics?)], uptime: Double) {
            lock.withLock {
                var seen = Set<String>(minimumCapacity: running.count)
                for (state, metrics) in running {
                    seen.insert(state.id)
                    let series = instances[state.id] ?? InstanceSeries(prometheus, state)
                    instances[state.id] = series
                    series.set(state, metrics, uptime: uptime)
                }
                for (id, series) in instances where !seen.contains(id) {
                    series.unregister()
                    instances[id] = nil
                }
            }
        }

        /// Sets every rollout's series; removes those of rollouts that are gone.
        func update(_ current: [StoredRollout]) {
            lock.withLock {
                var seen = Set<String>(minimumCapacity: current.count)
                for rollout in current {
                    seen.insert(rollout.bot)
                    let series = rollouts[rollout.bot] ?? RolloutSeries(prometheus, bot: rollout.bot)
                    rollouts[rollout.bot] = series
                    series.set(rollout)
                }
                for (bot, series) in rollouts where !seen.contains(bot) {
                    series.unregister()
                    rollouts[bot] = nil
                }
            }
        }

        /// A fleet-level gauge, made on first use.
        func gauge(_ name: String, _ labels: [(String, String)], help: String) -> Gauge {
            let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
            return lock.withLock {
                if let g = gauges[key] { return g }
                let g = prometheus.makeGauge(descriptor: .init(metricName: name, unitName: "", helpText: help), labels: labels)
                gauges[key] = g
                return g
            }
        }

        func counter(_ name: String, _ labels: [(String, String)], help: String, value: Int) {
            let key = name + labels.map { "|\($0.0)=\($0.1)" }.joined()
            let c: Counter = lock.withLock {
                if let c = counters[key] { return c }
                let c = prometheus.makeCounter(descriptor: .init(metricName: name, unitName: "", helpText: help), labels: labels)
                counters[key] = c
                return c
            }
            InstanceSeries.set(c, value)
        }
    }

    static func render(store: StateStore, live: LiveFleet? = nil, progress: FleetProgress? = nil) throws -> String {
        let running: [(InstanceState, InstanceMetrics?)]
        if let instances = live?.instances {
            running = instances.filter { $0.state.phase != .stopped }.map { ($0.state, $0.metrics) }
        } else {
            running = try store.runtimeInstances(withVenue: false).filter { $0.phase != .stopped }.map {
                let decoded = LiveInstance(decoding: $0)
                return (decoded.state, decoded.metrics)
            }
        }
        registry.update(running, uptime: Date().timeIntervalSince(processStart))
        registry.update(try store.rollouts())
        if let progress {
            let passes = progress.passes
            registry.gauge("flotilla_reconcile_duration_seconds", [], help: "Duration of the last reconcile pass").set(to: passes.lastSeconds)
            registry.counter("flotilla_reconcile_passes_total", [], help: "Reconcile passes since the process started", value: passes.count)
        }
        let analyses = try store.eventCounts(prefix: "Analysis")
        for result in ["Successful", "Failed", "Inconclusive"] {
            registry.counter("flotilla_analysis_results_total", [("result", result)], help: "Analysis runs by result", value: analyses["Analysis\(result)"] ?? 0)
        }
        registry.gauge("flotilla_state_serial", [], help: "The state serial").set(to: Double(try store.stateSerial()))
        return registry.prometheus.emitToString()
    }
}
