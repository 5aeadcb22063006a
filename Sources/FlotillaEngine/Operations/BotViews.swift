@_exported import FlotillaAPI
import FlotillaSpec
import FlotillaStore
import FlotillaTrading
import Foundation
import NIOConcurrencyHelpers

/// Building the views: from the store (and the fleet's live instances, and the files).
extension BotView {
    /// One bot, reading only its own rows (its instances from `live` when a fleet runs here).
    public static func one(_ name: String, store: StateStore, live: LiveFleet? = nil, files: FileSync? = nil) throws -> BotView? {
        guard let applied = try store.desiredBot(named: name) else { return nil }
        let rollouts = try store.rollout(bot: name).map { [name: $0] } ?? [:]
        let running = try live?.instances?.filter { $0.state.bot == name }
            ?? store.runtimeInstances(bot: name, withVenue: false).map(LiveInstance.init(decoding:))
        return try build([applied], instances: [name: running.filter { $0.state.phase != .stopped }],
                         controls: try store.botControls(), rollouts: rollouts, selector: [:], files: files,
                         halts: FleetHaltCoverage(try store.fleetHalts().halts)).first
    }

    /// Every bot in the state, in a handful of queries. `specs` caches decoded specs by hash
    /// across calls; with `files`, each says how it stands against them.
    public static func all(store: StateStore, selector: [String: String] = [:], specs: SpecCache? = nil, live: LiveFleet? = nil,
                           files: FileSync? = nil) throws -> [BotView] {
        let known = specs?.hashes ?? [:]
        var (_, bots) = try store.desiredState(decode: { name, hash in known[name] != hash })
        for i in bots.indices {
            if let spec = bots[i].spec { specs?.remember(spec) } else { bots[i].spec = specs?.spec(bots[i].name) }
        }
        let running = try live?.instances ?? store.runtimeInstances(withVenue: false).map(LiveInstance.init(decoding:))
        let instances = Dictionary(grouping: running.filter { $0.state.phase != .stopped }, by: \.state.bot)
        let rollouts = Dictionary(uniqueKeysWithValues: try store.rollouts().map { ($0.bot, $0) })
        return try build(bots, instances: instances, controls: try store.botControls(), rollouts: rollouts, selector: selector, files: files,
                         halts: FleetHaltCoverage(try store.fleetHalts().halts))
    }

    /// A bot only the files declare (never applied): what `get bots` shows for it locally.
    public static func notApplied(_ spec: ResolvedBot) -> BotView {
        BotView(name: spec.name, labels: spec.labels, revision: 0, profile: spec.profile, strategy: spec.strategy.kind.rawValue,
                deploy: spec.deploy.strategy.name.rawValue, capital: spec.capital.quote.canonicalText, equity: "-", file: spec.file,
                sync: .notApplied, control: .running, health: .unknown, degraded: nil, rollout: nil, instances: [],
                venue: spec.venue.kind.rawValue, account: spec.venue.account, realMoney: spec.venue.tradesRealMoney)
    }

    static func build(_ bots: [AppliedBot], instances: [String: [LiveInstance]], controls: [String: BotControl], rollouts: [String: StoredRollout],
                      selector: [String: String], files: FileSync?, halts: FleetHaltCoverage = FleetHaltCoverage([])) throws -> [BotView] {
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
            // The live equity, exactly; a sum the money type can't hold is unknown, never wrapped.
            var equity: Fixed? = .zero
            for v in views where v.mode == .live {
                guard let value = v.metrics?.equity else { continue }  // no metrics yet: nothing traded
                equity = equity.flatMap { sum in
                    let (units, overflow) = sum.units.addingReportingOverflow(value.units)
                    return overflow ? nil : Fixed(units: units)
                }
            }
            let control = controls[applied.name] ?? .running
            let status = rollouts[applied.name].flatMap { RolloutSummaries.shared.summary($0) }
            return BotView(
                name: applied.name, labels: spec.labels, revision: applied.revision, profile: spec.profile, strategy: spec.strategy.kind.rawValue,
                deploy: spec.deploy.strategy.name.rawValue, capital: spec.capital.quote.canonicalText, equity: equity?.description ?? "unknown",
                file: applied.file, sync: files?.sync(of: applied), control: control,
                // A bot a person stopped is "stopped", not "dead": nothing is wrong with it.
                health: status?.degraded != nil ? .degraded : control == .stopped && views.isEmpty ? .stopped : BotHealth.of(views.map(\.healthInput)).status,
                degraded: status?.degraded, rollout: status,
                instances: views, venue: spec.venue.kind.rawValue, account: spec.venue.account, realMoney: spec.venue.tradesRealMoney,
                halt: halts.halt(for: spec))
        }
    }
}

/// Decoded specs by bot, reused while their hash is unchanged.
public final class SpecCache: Sendable {
    private let specs = NIOLockedValueBox<[String: ResolvedBot]>([:])

    public init() {}
    var hashes: [String: String] { specs.withLockedValue { $0.mapValues(\.specHash) } }
    func remember(_ spec: ResolvedBot) { specs.withLockedValue { $0[spec.name] = spec } }
    /// Specs already decoded elsewhere (a fleet's, read from the files): the views decode none of them again.
    func remember(_ many: some Sequence<ResolvedBot>) { specs.withLockedValue { for spec in many { $0[spec.name] = spec } } }
    func spec(_ name: String) -> ResolvedBot? { specs.withLockedValue { $0[name] } }
}

/// Rollout summaries decoded once per stored change (a rollout's row changes rarely; decoding a
/// thousand of them on every view rebuild dominated its cost).
public final class RolloutSummaries: Sendable {
    public static let shared = RolloutSummaries()
    private let cache = NIOLockedValueBox<[String: (updatedAt: Date, view: BotView.RolloutView?)]>([:])

    public func summary(_ stored: StoredRollout) -> BotView.RolloutView? {
        if let hit = cache.withLockedValue({ $0[stored.bot] }), hit.updatedAt == stored.updatedAt { return hit.view }
        let view = RolloutStatus.from(stored, instances: []).map {
            BotView.RolloutView(strategy: $0.strategy, phase: $0.phase, stable: $0.stable, candidate: $0.candidate, step: $0.step,
                                stepsDone: $0.stepsDone, stepsTotal: $0.stepsTotal,
                                message: $0.message, lastAnalysis: $0.lastAnalysis, degraded: $0.degraded)
        }
        cache.withLockedValue { $0[stored.bot] = (stored.updatedAt, view) }
        return view
    }
}

extension BotView.InstanceView {
    public var healthInput: BotHealth.Instance { BotHealth.Instance(id: id, phase: phase, heartbeatAgeSeconds: heartbeatAgeSeconds, metrics: metrics) }
}
