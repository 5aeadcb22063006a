import FlotillaSpec
import FlotillaStore
import FlotillaTrading
import Foundation

/// What `rollout status` shows, read from the store (works while `flotilla up` runs elsewhere).
public struct RolloutStatus: Sendable, Codable {
    public struct InstanceLine: Sendable, Codable {
        public var revision: Int
        public var symbol: String
        public var phase: InstancePhase
        public var mode: InstanceMode
        public var capitalPct: String
        public var equity: Fixed?
        public var trades: Int?
        public var candlesSeen: Int
    }

    public var bot: String
    public var strategy: String
    public var stable: Int?
    public var candidate: Int
    public var phase: RolloutPhase
    public var step: String
    /// Steps done of all steps (`flotilla_rollout_step`).
    public var stepsDone: Int?
    public var stepsTotal: Int?
    public var message: String
    public var lastAnalysis: AnalysisResult?
    public var instances: [InstanceLine]
    public var healthy: Bool
    public var finished: Bool
    /// Why the bot is Degraded (a failed start, restore or reconcile), if it is.
    public var degraded: Degradation?
    /// Time left on the timed pause (or wait) the rollout is on, when it is on one.
    public var pauseRemainingSeconds: Double?
    /// The analysis templates still to run, in order (the running one first); nil when none.
    public var analysesRemaining: [String]?
    /// The analysis running now, if one is.
    public var analysisRunning: String?

    public static func load(bot: String, store: StateStore) throws -> RolloutStatus? {
        guard let stored = try store.rollout(bot: bot) else { return nil }
        return from(stored, instances: try store.runtimeInstances(bot: bot, withVenue: false))
    }

    /// A status from rows already read (the API's view cache reads them all at once).
    public static func from(_ stored: StoredRollout, instances: [InstanceState], now: Date = Date()) -> RolloutStatus? {
        guard let envelope = try? JSONDecoder().decode(RolloutEnvelope.self, from: Data(stored.stateJSON.utf8)) else { return nil }
        let bot = stored.bot
        let r = envelope.rollout
        let lines = instances.filter { $0.phase != .stopped }.map { i -> InstanceLine in
            let metrics = i.metricsJSON.flatMap { try? JSONDecoder().decode(InstanceMetrics.self, from: Data($0.utf8)) }
            return InstanceLine(revision: i.revision, symbol: i.symbol, phase: i.phase, mode: i.mode, capitalPct: i.capitalPct,
                                equity: metrics?.equity, trades: metrics?.trades, candlesSeen: i.candlesSeen)
        }
        return RolloutStatus(
            bot: bot, strategy: r.strategyName, stable: r.core.stable, candidate: r.core.candidate, phase: r.phase,
            step: r.stepDescription, stepsDone: r.stepProgress.done, stepsTotal: r.stepProgress.total, message: r.core.message, lastAnalysis: r.core.lastAnalysis, instances: lines,
            healthy: r.phase.isHealthy, finished: r.phase == .completed || r.phase == .aborted, degraded: envelope.degraded,
            pauseRemainingSeconds: r.pauseRemainingMs(now: Int64(now.timeIntervalSince1970 * 1000)).map { Double($0) / 1000 },
            analysesRemaining: r.analysesRemaining.isEmpty ? nil : r.analysesRemaining, analysisRunning: r.core.awaitingAnalysis)
    }

    /// "12m 30s", "45s", "1h 5m".
    static func remaining(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60)
        if h > 0 { return "\(h)h \(m)m" }
        if m > 0 { return s > 0 ? "\(m)m \(s)s" : "\(m)m" }
        return "\(s)s"
    }

    public var text: String {
        var out = "Rollout \(bot): \(strategy), revision \(stable.map(String.init) ?? "–") → \(candidate)\n"
        out += "  Phase:     \(phase)\n"
        out += "  Step:      \(step)\n"
        if !message.isEmpty { out += "  Message:   \(message)\n" }
        if let d = degraded { out += "  Degraded:  \(d.reason) (\(d.attempts) attempt(s); trying again)\n" }
        if let left = pauseRemainingSeconds {
            out += "  Pause:     \(Self.remaining(left)) left (flotilla rollout promote \(bot) skips it)\n"
        }
        if let a = lastAnalysis { out += "  Analysis:  \(a.template) \(a.phase.rawValue): \(a.message)\n" }
        if let next = analysesRemaining {
            let running = analysisRunning.map { "\($0) running now; " } ?? ""
            out += "  To run:    \(next.count) analysis(es): \(next.joined(separator: ", "))\(running.isEmpty ? "" : " (\(running.dropLast(2)))")\n"
        }
        for i in instances {
            out += "  Instance:  r\(i.revision) \(i.symbol) \(i.phase) \(i.mode) capital \(i.capitalPct)% equity \(i.equity?.description ?? "-") trades \(i.trades ?? 0) candles \(i.candlesSeen)\n"
        }
        return out
    }
}
