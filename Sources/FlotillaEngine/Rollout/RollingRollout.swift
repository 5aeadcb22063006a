import FlotillaSpec
import Foundation

/// rolling: a fan-out bot (one instance per symbol) is replaced a batch at a time. With
/// `maxSurge`, new instances start in shadow beside the old ones, and once healthy for
/// `minHealthyTime` they take over (positions hand over, old stop); with `maxUnavailable` (and no
/// surge) a batch is replaced in place: new instances start, take the positions, old ones stop. A failed health check rolls every replaced symbol back.
public struct RollingRollout: RolloutMachine {
    public private(set) var core: RolloutCore
    public let config: DeployStrategy.Rolling
    public let symbols: [String]
    public private(set) var replaced: [String] = []
    public private(set) var batch: [String] = []

    public init(core: RolloutCore, config: DeployStrategy.Rolling, symbols: [String]) {
        self.core = core
        self.config = config
        self.symbols = symbols
    }

    public var stepProgress: (done: Int, total: Int) { (replaced.count, symbols.count) }

    public var stepDescription: String {
        "\(replaced.count)/\(symbols.count) instances on revision \(core.candidate)"
            + (batch.isEmpty ? "" : "; \(batch.joined(separator: ", ")) proving healthy for \(config.minHealthyTime)")
    }

    private var share: Decimal { 100 / Decimal(symbols.count) }
    private var surge: Bool { config.maxSurge > 0 }
    private var batchSize: Int { max(1, surge ? config.maxSurge : config.maxUnavailable) }

    public mutating func start(now: Int64) -> [RolloutAction] {
        core.progressed(at: now)
        guard core.stable != nil else {
            core.phase = .completed
            replaced = symbols
            return symbols.map { .startInstance(revision: core.candidate, mode: .live, capitalPct: share, symbol: $0) }
                + [.event(kind: "RolloutCompleted", message: "first revision \(core.candidate) started on \(symbols.count) symbol(s)")]
        }
        return [.event(kind: "RolloutStarted", message: "rolling revision \(core.candidate) over \(symbols.count) instance(s), \(batchSize) at a time")]
            + nextBatch(now)
    }

    private mutating func nextBatch(_ now: Int64) -> [RolloutAction] {
        let remaining = symbols.filter { !replaced.contains($0) }
        guard !remaining.isEmpty else {
            core.phase = .completed
            return [.event(kind: "RolloutCompleted", message: "all \(symbols.count) instances run revision \(core.candidate)")]
        }
        batch = Array(remaining.prefix(batchSize))
        core.progressed(at: now)
        core.waiting(at: now)
        let stable = core.stable!
        if surge {
            return batch.map { .startInstance(revision: core.candidate, mode: .shadow, capitalPct: 0, symbol: $0) }
        }
        // No surge: the batch is replaced in place — each new instance starts, takes the old one's
        // positions, then the old one stops (never the other way round: a new instance that fails
        // to start leaves the old one trading).
        return batch.flatMap { s -> [RolloutAction] in
            [.startInstance(revision: core.candidate, mode: .live, capitalPct: share, symbol: s),
             .handOverPositions(from: stable, to: core.candidate, symbol: s), .stopInstance(revision: stable, symbol: s)]
        }
    }

    public mutating func step(_ o: RolloutObservation) -> [RolloutAction] {
        if core.phase == .aborted, o.command == .retry {
            replaced = []
            batch = []
            core.phase = .progressing
            return start(now: o.now)
        }
        if let reason = core.startFailure(o) { return abort(reason) }
        guard !core.isFinished else { return [] }
        if let reason = core.rollbackReason(o) { return abort(reason) }
        guard !batch.isEmpty else { return [] }
        let healthyLongEnough = o.now - core.stepStartedAt >= config.minHealthyTime.milliseconds
        guard healthyLongEnough || o.command == .promote || o.command == .promoteFull else { return [] }
        let stable = core.stable!
        var actions: [RolloutAction] = []
        if surge {
            for s in batch {
                actions += [.handOverPositions(from: stable, to: core.candidate, symbol: s), .setMode(revision: core.candidate, mode: .live, symbol: s),
                            .setCapital(revision: core.candidate, pct: share, symbol: s), .stopInstance(revision: stable, symbol: s)]
            }
        }
        replaced += batch
        actions.append(.event(kind: "BatchReplaced", message: "\(batch.joined(separator: ", ")) now on revision \(core.candidate) (\(replaced.count)/\(symbols.count))"))
        batch = []
        return actions + nextBatch(o.now)
    }

    /// Every symbol already on the new revision, and the batch in flight, go back to stable.
    private mutating func abort(_ reason: String) -> [RolloutAction] {
        core.phase = .aborted
        core.message = reason
        guard let stable = core.stable else {
            // A first revision that could not start: nothing to go back to.
            replaced = []
            batch = []
            return rollbackActions(stable: nil, candidate: core.candidate, candidateWasLive: true, reason: reason)
        }
        var actions: [RolloutAction] = []
        for s in replaced + (surge ? [] : batch) {
            actions += [.startInstance(revision: stable, mode: .live, capitalPct: share, symbol: s),
                        .handOverPositions(from: core.candidate, to: stable, symbol: s), .stopInstance(revision: core.candidate, symbol: s)]
        }
        if surge {
            for s in batch { actions.append(.stopInstance(revision: core.candidate, symbol: s)) }
        }
        replaced = []
        batch = []
        return actions + [.event(kind: "RolloutAborted", message: "rolled back to revision \(stable): \(reason)")]
    }
}
