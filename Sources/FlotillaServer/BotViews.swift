import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import Foundation

/// The JSON the API returns for a bot: desired state, rollout and instances together.
public struct BotView: Codable, Sendable {
    public struct InstanceView: Codable, Sendable {
        public var id: String
        public var revision: Int
        public var symbol: String
        public var phase: String
        public var reason: String?
        public var mode: String
        public var capitalPct: String
        public var candlesSeen: Int
        public var heartbeatAgeSeconds: Double?
        public var metrics: InstanceMetrics?
    }
    public struct RolloutView: Codable, Sendable {
        public var strategy: String
        public var phase: String
        public var stable: Int?
        public var candidate: Int
        public var step: String
        public var stepsDone: Int?
        public var stepsTotal: Int?
        public var message: String
        public var lastAnalysis: AnalysisResult?
        public var degraded: Degradation?
    }

    public var name: String
    public var labels: [String: String]
    public var revision: Int
    public var profile: String
    public var strategy: String
    public var deploy: String
    public var capital: String
    public var equity: String
    public var control: String
    /// healthy, degraded, unhealthy or dead (`BotHealth`); `stopped` for a bot stopped on purpose
    /// (`bot stop`: no instance runs, and none should); `degraded` too whenever the engine could
    /// not bring the bot to its desired state — then `degraded` says why.
    public var health: String
    /// Why the engine could not bring the bot to its desired state (a failed start, restore or
    /// reconcile) and when it tries again; nil when it could.
    public var degraded: Degradation?
    public var rollout: RolloutView?
    public var instances: [InstanceView]

    /// One bot, reading only its own rows (its instances from `live` when a fleet runs here).
    static func one(_ name: String, store: StateStore, live: LiveFleet? = nil) throws -> BotView? {
        guard let applied = try store.desiredBot(named: name) else { return nil }
        let rollouts = try store.rollout(bot: name).map { [name: $0] } ?? [:]
        let running = try live?.instances?.filter { $0.state.bot == name }
            ?? store.runtimeInstances(bot: name, withVenue: false).map(LiveInstance.init(decoding:))
        return try build([applied], instances: [name: running.filter { $0.state.phase != "stopped" }],
                         controls: try store.botControls(), rollouts: rollouts, selector: [:]).first
    }

    /// Every bot, in a handful of queries. `specs` caches decoded specs by hash across calls.
    static func all(store: StateStore, selector: [String: String] = [:], specs: SpecCache? = nil, live: LiveFleet? = nil) throws -> [BotView] {
        let known = specs?.hashes ?? [:]
        var (_, bots) = try store.desiredState(decode: { name, hash in known[name] != hash })
        for i in bots.indices {
            if let spec = bots[i].spec { specs?.remember(spec) } else { bots[i].spec = specs?.spec(bots[i].name) }
        }
        let running = try live?.instances ?? store.runtimeInstances(withVenue: false).map(LiveInstance.init(decoding:))
        let instances = Dictionary(grouping: running.filter { $0.state.phase != "stopped" }, by: \.state.bot)
        let rollouts = Dictionary(uniqueKeysWithValues: try store.rollouts().map { ($0.bot, $0) })
        return try build(bots, instances: instances, controls: try store.botControls(), rollouts: rollouts, selector: selector)
    }

    static func build(_ bots: [AppliedBot], instances: [String: [LiveInstance]], controls: [String: String], rollouts: [String: StoredRollout],
                      selector: [String: String]) throws -> [BotView] {
        let now = Date().timeIntervalSince1970 * 1000
        return bots.compactMap { applied -> BotView? in
            guard let spec = applied.spec, selector.allSatisfy({ spec.labels[$0.key] == $0.value }) else { return nil }
            let mine = instances[applied.name] ?? []
            let views = mine.map { live in
                let i = live.state
                return InstanceView(
                    id: i.id, revision: i.revision, symbol: i.symbol, phase: i.phase, reason: i.reason, mode: i.mode, capitalPct: i.capitalPct,
                    candlesSeen: i.candlesSeen, heartbeatAgeSeconds: i.heartbeatAt > 0 ? (now - Double(i.heartbeatAt)) / 1000 : nil,
                    metrics: live.metrics)
            }
            // The live equity, exactly; an instance whose equity can't be read makes it unknown, not smaller.
            var equity: Decimal? = 0
            for v in views where v.mode == "live" {
                guard let text = v.metrics?.equity else { continue }  // no metrics yet: nothing traded
                equity = equity.flatMap { sum in Decimal.parseExactPublic(text).map { sum + $0 } }
            }
            let status = rollouts[applied.name].flatMap { RolloutSummaries.shared.summary($0) }
            let control = controls[applied.name] ?? "running"
            // A bot stopped on purpose runs no instance: it is stopped, not dead.
            let health = status?.degraded != nil ? "degraded" : control == "stopped" && views.isEmpty ? "stopped" : BotHealth.of(views.map(\.healthInput)).status
            return BotView(
                name: applied.name, labels: spec.labels, revision: applied.revision, profile: spec.profile, strategy: spec.strategy.kind.rawValue,
                deploy: spec.deploy.strategy.name.rawValue, capital: spec.capital.quote.canonicalText, equity: equity?.canonicalText ?? "unknown",
                control: control, health: health,
                degraded: status?.degraded, rollout: status,
                instances: views)
        }
    }
}

/// Decoded specs by bot, reused while their hash is unchanged.
final class SpecCache: @unchecked Sendable {
    // @unchecked: `specs` is only touched under `lock`.
    private let lock = NSLock()
    private var specs: [String: ResolvedBot] = [:]

    var hashes: [String: String] { lock.withLock { specs.mapValues(\.specHash) } }
    func remember(_ spec: ResolvedBot) { lock.withLock { specs[spec.name] = spec } }
    func spec(_ name: String) -> ResolvedBot? { lock.withLock { specs[name] } }
}

/// Rollout summaries decoded once per stored change (a rollout's row changes rarely; decoding a
/// thousand of them on every view rebuild dominated its cost).
final class RolloutSummaries: @unchecked Sendable {
    // @unchecked: `cache` is only touched under `lock`.
    static let shared = RolloutSummaries()
    private let lock = NSLock()
    private var cache: [String: (updatedAt: Date, view: BotView.RolloutView?)] = [:]

    func summary(_ stored: StoredRollout) -> BotView.RolloutView? {
        if let hit = lock.withLock({ cache[stored.bot] }), hit.updatedAt == stored.updatedAt { return hit.view }
        let view = RolloutStatus.from(stored, instances: []).map {
            BotView.RolloutView(strategy: $0.strategy, phase: $0.phase, stable: $0.stable, candidate: $0.candidate, step: $0.step,
                                stepsDone: $0.stepsDone, stepsTotal: $0.stepsTotal,
                                message: $0.message, lastAnalysis: $0.lastAnalysis, degraded: $0.degraded)
        }
        lock.withLock { cache[stored.bot] = (stored.updatedAt, view) }
        return view
    }
}

extension BotView.InstanceView {
    var healthInput: BotHealth.Instance { BotHealth.Instance(id: id, phase: phase, heartbeatAgeSeconds: heartbeatAgeSeconds, metrics: metrics) }
}
