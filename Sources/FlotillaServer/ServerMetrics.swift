import FlotillaSpec
import CoreMetrics
import FlotillaAPI
import FlotillaEngine
import FlotillaStore
import Foundation
import NIOConcurrencyHelpers
import Prometheus

/// What `/metrics` exports: every series a swift-metrics `Counter` or `Gauge` made through one
/// `MetricsFactory` backed by a swift-prometheus registry, which the route renders. The seeds'
/// `trading_bot_*` series with a `bot` label, plus reconciler and rollout series.
///
/// Per-instance series are updated when the fleet publishes its instances (`MetricsPublisher`,
/// a service of the server) and kept while the instance runs — a scrape only renders them.
/// `flotilla up` uses `ServerMetrics.process`, whose factory is the one swift-metrics was
/// bootstrapped with; every other server (tests start many in one process, and swift-metrics can
/// be bootstrapped once) gets its own registry and factory.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// Flotilla's own series (every one this type makes), rendered before the registry's.
    let series: SeriesRegistry
    private let factory: any MetricsFactory
    private let started = Date()
    private let state = NIOLockedValueBox(State())

    private struct State {
        var instances: [String: InstanceSeries] = [:]
        var rollouts: [String: RolloutSeries] = [:]
        /// Each bot's rollout as its series last recorded it: an unchanged one is not recorded again
        /// (ten thousand bots' twelve gauges every second, for rollouts that change rarely).
        var recordedRollouts: [String: StoredRollout] = [:]
        var fleet: FleetSeries?
        var store: StoreSeries?
        /// The `LiveFleet` generation the instance series show, and when they were last updated.
        var generation = -1
        var instancesAt = Date.distantPast
        var rolloutsAt = Date.distantPast
    }

    /// A scrape brings series older than this up to date itself (no publisher ran, as in a test
    /// that drives the router alone); with the publisher running they are never this old.
    static let maxAge: TimeInterval = 1

    /// A server's own registry, with a factory of its own.
    public convenience init() {
        let registry = PrometheusCollectorRegistry(), series = SeriesRegistry()
        self.init(registry: registry, series: series, factory: DescribedMetricsFactory(registry: registry, series: series))
    }

    init(registry: PrometheusCollectorRegistry, series: SeriesRegistry, factory: any MetricsFactory) {
        self.registry = registry
        self.series = series
        self.factory = factory
    }

    /// The process's metrics, for `flotilla up`: swift-metrics is bootstrapped (once per process)
    /// with a factory on this registry, and the series are made through `MetricsSystem.factory`.
    public static let process: ServerMetrics = {
        let registry = PrometheusCollectorRegistry(), series = SeriesRegistry()
        MetricsSystem.bootstrap(DescribedMetricsFactory(registry: registry, series: series))
        return ServerMetrics(registry: registry, series: series, factory: MetricsSystem.factory)
    }()

    // MARK: Updating

    /// Brings the instance series up to the fleet's latest publication (nothing to do when it
    /// was seen already) and, at most every `maxAge`, the rollout series up to the store.
    func publish(_ server: ServerContext) throws {
        if let live = server.fleet?.live {
            let (published, generation) = live.published
            if let published {
                state.withLockedValue { s in
                    guard s.generation != generation else { return }
                    update(&s, published.lazy.filter { $0.state.phase != .stopped }.map { ($0.state, $0.metrics) })
                    s.generation = generation
                }
            }
        }
        if state.withLockedValue({ Date().timeIntervalSince($0.rolloutsAt) >= Self.maxAge }) {
            try updateRollouts(server.store)
        }
    }

    /// Sets every running instance's series; removes those of instances no longer running.
    private func update(_ s: inout State, _ running: some Sequence<(InstanceState, InstanceMetrics?)>) {
        let uptime = Date().timeIntervalSince(started)
        var seen = Set<String>(minimumCapacity: s.instances.count)
        for (instance, metrics) in running {
            seen.insert(instance.id)
            if s.instances[instance.id] == nil { s.instances[instance.id] = InstanceSeries(factory, instance) }
            s.instances[instance.id]!.record(instance, metrics, uptime: uptime)
        }
        for (id, series) in s.instances where !seen.contains(id) {
            series.destroy()
            s.instances[id] = nil
        }
        s.instancesAt = Date()
    }

    private func updateRollouts(_ store: StateStore) throws {
        let current = try store.rollouts()
        state.withLockedValue { s in
            var seen = Set<String>(minimumCapacity: current.count)
            for rollout in current {
                seen.insert(rollout.bot)
                if s.rollouts[rollout.bot] != nil, s.recordedRollouts[rollout.bot] == rollout { continue }
                let series = s.rollouts[rollout.bot] ?? RolloutSeries(factory, bot: rollout.bot)
                s.rollouts[rollout.bot] = series
                series.record(rollout)
                s.recordedRollouts[rollout.bot] = rollout
            }
            for (bot, series) in s.rollouts where !seen.contains(bot) {
                series.destroy()
                s.rollouts[bot] = nil
                s.recordedRollouts[bot] = nil
            }
            s.rolloutsAt = Date()
        }
    }

    // MARK: Rendering

    /// The Prometheus text of every series. Series a publisher keeps are brought up to date here
    /// only when none did lately; the store's few fleet-wide figures are read now.
    func render(_ server: ServerContext) throws -> [UInt8] {
        if let live = server.fleet?.live {
            if state.withLockedValue({ Date().timeIntervalSince($0.instancesAt) >= Self.maxAge }) {
                let (published, generation) = live.published
                state.withLockedValue { s in
                    update(&s, (published ?? []).lazy.filter { $0.state.phase != .stopped }.map { ($0.state, $0.metrics) })
                    s.generation = generation
                }
            }
        } else {
            // No fleet in this process: the instances as the store has them.
            let running = try server.store.runtimeInstances(withVenue: false).lazy.filter { $0.phase != .stopped }.map {
                let decoded = LiveInstance(decoding: $0)
                return (decoded.state, decoded.metrics)
            }
            state.withLockedValue { s in update(&s, running) }
        }
        if state.withLockedValue({ Date().timeIntervalSince($0.rolloutsAt) >= Self.maxAge }) {
            try updateRollouts(server.store)
        }
        let analyses = try server.store.eventCounts(prefix: "Analysis")
        let serial = try server.store.stateSerial()
        let progress = server.fleet?.progress
        state.withLockedValue { s in
            if s.store == nil { s.store = StoreSeries(factory) }
            s.store!.record(analyses: analyses, serial: serial)
            if let progress {
                if s.fleet == nil { s.fleet = FleetSeries(factory) }
                s.fleet!.record(progress.passes)
            }
        }
        var text: [UInt8] = []
        text.reserveCapacity(1 << 20)
        series.emit(into: &text)
        registry.emit(into: &text)
        return text
    }
}

/// A swift-metrics counter fed the engine's running total (fills, venue calls): incremented by
/// what was added since the total it last saw. A total that went down (the count restarted)
/// resets it, as a counter reset reads in Prometheus.
struct Tally {
    let counter: CoreMetrics.Counter
    private var last: Int64 = 0

    init(_ label: String, _ dimensions: [(String, String)], _ factory: any MetricsFactory) {
        counter = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
    }

    mutating func record(total: Int) {
        let total = Int64(total)
        if total < last {
            counter.reset()
            last = 0
        }
        if total > last {
            counter.increment(by: total - last)
            last = total
        }
    }
}

/// The series of one running instance, made when it first shows and destroyed when it stops.
struct InstanceSeries {
    let uptime, positions, pnl, health, capital, equity, responseTime: CoreMetrics.Gauge
    var buys, sells, requests, errors: Tally
    /// An llm instance's model series, made when it first reports model usage.
    var model: ModelSeries?
    let factory: any MetricsFactory

    init(_ factory: any MetricsFactory, _ i: InstanceState) {
        let labels = [("bot", i.bot), ("symbol", i.symbol), ("revision", String(i.revision))]
        let instance = [("bot", i.bot), ("instance", i.id)]
        self.factory = factory
        func gauge(_ name: String, _ dimensions: [(String, String)]) -> CoreMetrics.Gauge {
            CoreMetrics.Gauge(label: name, dimensions: dimensions, factory: factory)
        }
        uptime = gauge(MetricSeries.uptime, instance)
        buys = Tally(MetricSeries.trades, labels + [("action", "buy")], factory)
        sells = Tally(MetricSeries.trades, labels + [("action", "sell")], factory)
        positions = gauge(MetricSeries.positions, labels)
        pnl = gauge(MetricSeries.dailyPnL, labels)
        requests = Tally(MetricSeries.apiRequests, instance + [("provider", "paper"), ("endpoint", "orders")], factory)
        errors = Tally(MetricSeries.apiErrors, instance + [("provider", "paper")], factory)
        responseTime = gauge(MetricSeries.apiResponseTime, instance + [("provider", "paper")])
        health = gauge(MetricSeries.health, [("bot", i.bot), ("component", "instance"), ("instance", i.id)])
        capital = gauge(MetricSeries.capital, labels)
        equity = gauge(MetricSeries.equity, labels)
    }

    mutating func record(_ i: InstanceState, _ m: InstanceMetrics?, uptime seconds: Double) {
        uptime.record(seconds)
        buys.record(total: m?.buys ?? 0)
        sells.record(total: m?.sells ?? 0)
        positions.record(m?.position.double ?? 0)
        pnl.record((m?.realizedPnL.double ?? 0) + (m?.unrealizedPnL.double ?? 0))
        requests.record(total: m?.decisions ?? 0)
        errors.record(total: m?.errors ?? 0)
        health.record(i.phase == .running && m?.circuitBreaker != .open ? 1.0 : 0.0)
        capital.record(Double(i.capitalPct) ?? 0)
        equity.record(m?.equity.double ?? 0)
        responseTime.record(m?.venueResponseSeconds ?? 0)
        if let usage = m?.model {
            if model == nil { model = ModelSeries(factory, i) }
            model!.record(usage)
        }
    }

    func destroy() {
        for gauge in [uptime, positions, pnl, health, capital, equity, responseTime] { gauge.destroy() }
        for tally in [buys, sells, requests, errors] { tally.counter.destroy() }
        model?.destroy()
    }
}

/// An llm instance's cost and latency: calls, HOLDs by reason, tokens, mean latency.
struct ModelSeries {
    let factory: any MetricsFactory
    let labels: [(String, String)]
    var calls, promptTokens, completionTokens: Tally
    var holds: [String: Tally] = [:]
    let latency: CoreMetrics.Gauge

    init(_ factory: any MetricsFactory, _ i: InstanceState) {
        self.factory = factory
        labels = [("bot", i.bot), ("instance", i.id)]
        calls = Tally(MetricSeries.modelCalls, labels, factory)
        promptTokens = Tally(MetricSeries.modelTokens, labels + [("kind", "prompt")], factory)
        completionTokens = Tally(MetricSeries.modelTokens, labels + [("kind", "completion")], factory)
        latency = CoreMetrics.Gauge(label: MetricSeries.modelLatency, dimensions: labels, factory: factory)
    }

    mutating func record(_ u: ModelUsage) {
        calls.record(total: u.calls)
        promptTokens.record(total: u.promptTokens)
        completionTokens.record(total: u.completionTokens)
        latency.record(u.meanLatencySeconds)
        for (reason, count) in u.holds {
            if holds[reason] == nil { holds[reason] = Tally(MetricSeries.modelHolds, labels + [("reason", reason)], factory) }
            holds[reason]!.record(total: count)
        }
    }

    func destroy() {
        for tally in [calls, promptTokens, completionTokens] + Array(holds.values) { tally.counter.destroy() }
        latency.destroy()
    }
}

/// The series of one bot's rollout, made once and kept while the rollout exists.
struct RolloutSeries {
    static let phases = RolloutPhase.allCases.map(\.rawValue)
    let phase: [CoreMetrics.Gauge]
    let revision, step, steps: CoreMetrics.Gauge

    init(_ factory: any MetricsFactory, bot: String) {
        func gauge(_ name: String, _ dimensions: [(String, String)]) -> CoreMetrics.Gauge {
            CoreMetrics.Gauge(label: name, dimensions: dimensions, factory: factory)
        }
        phase = Self.phases.map { gauge(MetricSeries.rolloutPhase, [("bot", bot), ("phase", $0)]) }
        revision = gauge(MetricSeries.rolloutRevision, [("bot", bot)])
        step = gauge(MetricSeries.rolloutStep, [("bot", bot)])
        steps = gauge(MetricSeries.rolloutSteps, [("bot", bot)])
    }

    func record(_ rollout: StoredRollout) {
        for (i, name) in Self.phases.enumerated() { phase[i].record(rollout.phase.rawValue == name ? 1.0 : 0.0) }
        revision.record(Double(rollout.candidate))
        let summary = RolloutSummaries.shared.summary(rollout)
        step.record(Double(summary?.stepsDone ?? 0))
        steps.record(Double(summary?.stepsTotal ?? 0))
    }

    func destroy() { (phase + [revision, step, steps]).forEach { $0.destroy() } }
}

/// The reconciler's series (only where a fleet runs).
struct FleetSeries {
    let duration: CoreMetrics.Gauge
    var passes: Tally

    init(_ factory: any MetricsFactory) {
        duration = CoreMetrics.Gauge(label: MetricSeries.reconcileDuration, dimensions: [], factory: factory)
        passes = Tally(MetricSeries.reconcilePasses, [], factory)
    }

    mutating func record(_ passes: (lastSeconds: Double, count: Int)) {
        duration.record(passes.lastSeconds)
        self.passes.record(total: passes.count)
    }
}

/// The store's fleet-wide series: analysis results and the state serial.
struct StoreSeries {
    static let results = ["Successful", "Failed", "Inconclusive"]
    var analyses: [Tally]
    let serial: CoreMetrics.Gauge

    init(_ factory: any MetricsFactory) {
        analyses = Self.results.map { Tally(MetricSeries.analysisResults, [("result", $0)], factory) }
        serial = CoreMetrics.Gauge(label: MetricSeries.stateSerial, dimensions: [], factory: factory)
    }

    mutating func record(analyses counts: [String: Int], serial value: Int) {
        for (i, result) in Self.results.enumerated() { analyses[i].record(total: counts["Analysis\(result)"] ?? 0) }
        serial.record(Double(value))
    }
}
