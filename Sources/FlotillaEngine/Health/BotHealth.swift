import FlotillaSpec
import Foundation

/// The seeds' per-bot health: a score 0–100 from weighted parts, a status, and anomaly flags —
/// metrics that left their own recent baseline. Pure: computed from what the instances report.
public struct BotHealth: Codable, Sendable {
    public struct Part: Codable, Sendable {
        public var name: String
        public var score: Double
        public var weight: Double
        public var detail: String
    }

    /// What health needs from one running instance.
    public struct Instance: Sendable {
        public var id: String
        public var phase: InstancePhase
        public var heartbeatAgeSeconds: Double?
        public var metrics: InstanceMetrics?

        public init(id: String, phase: InstancePhase, heartbeatAgeSeconds: Double?, metrics: InstanceMetrics?) {
            self.id = id
            self.phase = phase
            self.heartbeatAgeSeconds = heartbeatAgeSeconds
            self.metrics = metrics
        }
    }

    public var score: Double
    /// healthy (≥ 80), degraded (≥ 50), unhealthy (also: failed, or halted by its emergency stop),
    /// or dead (no instance, or no heartbeat for 30 s).
    public var status: HealthStatus
    public var parts: [Part]
    public var anomalies: [String]

    /// A bot the engine could not bring to its desired state (`degraded`) is Degraded with score 0
    /// whatever its instances' scores, the reason as an anomaly (as an emergency stop that fired is).
    public static func of(_ instances: [Instance], degraded: Degradation? = nil) -> BotHealth {
        let degradedAnomaly = degraded.map { "degraded (\($0.cause.rawValue)): \($0.reason)" }
        guard !instances.isEmpty else {
            return BotHealth(score: 0, status: degraded == nil ? .dead : .degraded, parts: [Part(name: "instances", score: 0, weight: 1, detail: "no instance runs")],
                             anomalies: degradedAnomaly.map { [$0] } ?? [])
        }
        let heartbeat = instances.compactMap(\.heartbeatAgeSeconds).max() ?? .infinity
        let heartbeatScore: Double = heartbeat < 5 ? 100 : heartbeat < 30 ? 50 : 0
        let errors = instances.map { $0.metrics?.errors ?? 0 }.max() ?? 0
        let open = instances.contains { $0.metrics?.circuitBreaker == .open }
        let halfOpen = instances.contains { $0.metrics?.circuitBreaker == .halfOpen }
        let drawdown = instances.map { $0.metrics?.maxDrawdownPct ?? 0 }.max() ?? 0
        let cpu = instances.reduce(0) { $0 + ($1.metrics?.cpuPct ?? 0) }
        let memory = instances.reduce(0) { $0 + ($1.metrics?.memoryBytes ?? 0) }
        var parts = [
            Part(name: "heartbeat", score: heartbeatScore, weight: 0.3, detail: heartbeat.isFinite ? String(format: "%.1f s ago", heartbeat) : "never"),
            Part(name: "errors", score: max(0, 100 - Double(errors) * 10), weight: 0.2, detail: "\(errors) consecutive venue error(s)"),
            Part(name: "circuitBreaker", score: open ? 0 : halfOpen ? 50 : 100, weight: 0.2, detail: (open ? BreakerState.open : halfOpen ? .halfOpen : .closed).rawValue),
            Part(name: "risk", score: max(0, 100 - drawdown * 5), weight: 0.15, detail: String(format: "max drawdown %.2f %%", drawdown)),
            Part(name: "cpu", score: cpu < 10 ? 100 : cpu < 50 ? 50 : 0, weight: 0.1, detail: String(format: "%.2f %% of a core", cpu)),
            Part(name: "memory", score: memory < 64 << 20 ? 100 : memory < 256 << 20 ? 50 : 0, weight: 0.05,
                 detail: String(format: "~%.1f MB (candles, orders, fills)", Double(memory) / 1_048_576)),
        ]
        if let model = ModelHealth.part(instances.compactMap { $0.metrics?.model }) { parts.append(model) }
        let failed = instances.contains { $0.phase == .failed }
        // An emergency stop that fired halts the bot until a person resets it: never healthy.
        let halted = instances.filter { $0.metrics?.emergencyStop != nil }
        let unhealthy = failed || !halted.isEmpty || degraded != nil
        let score = unhealthy ? 0 : (parts.reduce(0) { $0 + $1.score * $1.weight } * 10).rounded() / 10
        // Degraded says what every bot view says for such a bot (`get bots`, the dashboard).
        var status: HealthStatus = degraded != nil ? .degraded : unhealthy ? .unhealthy : heartbeat >= 30 ? .dead : score >= 80 ? .healthy : score >= 50 ? .degraded : .unhealthy
        // A stale live feed: the bot trades on, but on old prices — Degraded, saying which feed.
        let stale = instances.filter { $0.metrics?.marketData != nil }
        if !stale.isEmpty, status == .healthy { status = .degraded }
        // A live instance that may not trade on its exchange (not reconciled, an order unknown): Degraded, saying why.
        let blocked = instances.filter { $0.metrics?.exchange != nil }
        if !blocked.isEmpty, status == .healthy { status = .degraded }
        var anomalies: [String] = degradedAnomaly.map { [$0] } ?? []
        for instance in blocked {
            let what = instance.metrics?.exchange ?? ""
            anomalies.append(instances.count > 1 ? "\(instance.id): \(what)" : what)
        }
        for instance in stale {
            let what = instance.metrics?.marketData ?? ""
            anomalies.append(instances.count > 1 ? "\(instance.id): \(what)" : what)
        }
        for instance in halted {
            let what = "halted: \(instance.metrics?.emergencyStop ?? "")"
            anomalies.append(instances.count > 1 ? "\(instance.id): \(what)" : what)
        }
        for instance in instances {
            for anomaly in instance.metrics?.anomalies ?? [] {
                anomalies.append(instances.count > 1 ? "\(instance.id): \(anomaly.description)" : anomaly.description)
            }
        }
        return BotHealth(score: score, status: status, parts: parts, anomalies: anomalies)
    }
}
