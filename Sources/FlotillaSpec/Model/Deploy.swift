import Foundation

/// How a new revision of a running bot is rolled out (`spec.deploy`).
public struct DeploySpec: Sendable, Hashable, Codable {
    public var strategy: DeployStrategy
    /// The rollout fails (and rolls back when `autoRollback`) if it makes no progress for this long.
    public var progressDeadline: TimeSpan
    public var autoRollback: Bool
    /// Revisions kept per bot besides the current one.
    public var revisionHistoryLimit: Int
    /// Analysis templates this bot defines; `default` is built in.
    public var analysisTemplates: [String: AnalysisTemplate]
    /// `spec.suspend: true`: the reconciler leaves the bot as it runs — no rollout step, no
    /// revert — without stopping it (Flux's `suspend`). nil is false (and not stored, so specs
    /// written before it keep their hashes).
    public var suspend: Bool? = nil
    /// `spec.drift`: what the reconciler does with a change made outside the files (nil: report).
    public var drift: DriftPolicy? = nil

    /// Whether reconciliation of the bot is frozen.
    public var isSuspended: Bool { suspend == true }
    /// The drift policy in force.
    public var driftPolicy: DriftPolicy { drift ?? .report }

    public static let defaultProgressDeadline = TimeSpan.minutes(10)
    public static let defaultRevisionHistoryLimit = 10

    public init(
        strategy: DeployStrategy = .immediate, progressDeadline: TimeSpan = DeploySpec.defaultProgressDeadline,
        autoRollback: Bool = true, revisionHistoryLimit: Int = DeploySpec.defaultRevisionHistoryLimit,
        analysisTemplates: [String: AnalysisTemplate] = [:]
    ) {
        self.strategy = strategy
        self.progressDeadline = progressDeadline
        self.autoRollback = autoRollback
        self.revisionHistoryLimit = revisionHistoryLimit
        self.analysisTemplates = analysisTemplates
    }

    /// Every analysis template a step of this deploy spec may name.
    public var knownAnalysisNames: [String] {
        (["default"] + analysisTemplates.keys).sorted()
    }
}

/// A runtime change made outside the files — a bot paused or stopped through the CLI or the API —
/// is drift. `report` (the default) shows it in `plan` and `status`; `correct` makes the
/// reconciler revert it, with a `DriftCorrected` event.
public enum DriftPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    case report, correct
}

public enum DeployStrategy: Sendable, Hashable, Codable {
    case immediate
    case staged(stages: [Stage])
    case canary(steps: [CanaryStep])
    case blueGreen(BlueGreen)
    case rolling(Rolling)

    public enum Name: String, CaseIterable, Sendable {
        case immediate, staged, canary
        case blueGreen = "blue-green"
        case rolling
    }

    public var name: Name {
        switch self {
        case .immediate: return .immediate
        case .staged: return .staged
        case .canary: return .canary
        case .blueGreen: return .blueGreen
        case .rolling: return .rolling
        }
    }

    public struct Stage: Sendable, Hashable, Codable {
        public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
            /// live data, simulated fills, no capital
            case shadow
            /// trades with the bot's capital
            case live
        }
        public var name: Mode
        public var duration: TimeSpan?
        public var analysis: String?

        public init(name: Mode, duration: TimeSpan?, analysis: String?) {
            self.name = name
            self.duration = duration
            self.analysis = analysis
        }
    }

    public enum CanaryStep: Sendable, Hashable, Codable, CustomStringConvertible {
        case setCapital(percent: Decimal)
        /// nil: wait until promoted.
        case pause(TimeSpan?)
        case analysis(template: String)

        public var description: String {
            switch self {
            case .setCapital(let p): return "setCapital: \(p.canonicalText)%"
            case .pause(let d): return d.map { "pause: \($0)" } ?? "pause: {}"
            case .analysis(let t): return "analysis: \(t)"
            }
        }
    }

    public struct BlueGreen: Sendable, Hashable, Codable {
        /// How long green shadows blue before the pre-promotion analysis.
        public var previewDuration: TimeSpan
        public var prePromotionAnalysis: String?
        public var postPromotionAnalysis: String?
        /// Promote after a successful pre-promotion analysis without waiting for a person.
        public var autoPromote: Bool
        /// Blue stays warm this long after the switch so a rollback is instant.
        public var scaleDownDelay: TimeSpan

        public init(previewDuration: TimeSpan, prePromotionAnalysis: String?, postPromotionAnalysis: String?, autoPromote: Bool, scaleDownDelay: TimeSpan) {
            self.previewDuration = previewDuration
            self.prePromotionAnalysis = prePromotionAnalysis
            self.postPromotionAnalysis = postPromotionAnalysis
            self.autoPromote = autoPromote
            self.scaleDownDelay = scaleDownDelay
        }
    }

    public struct Rolling: Sendable, Hashable, Codable {
        public var maxUnavailable: Int
        public var maxSurge: Int
        public var minHealthyTime: TimeSpan

        public init(maxUnavailable: Int, maxSurge: Int, minHealthyTime: TimeSpan) {
            self.maxUnavailable = maxUnavailable
            self.maxSurge = maxSurge
            self.minHealthyTime = minHealthyTime
        }
    }

    public static let defaultCanarySteps: [CanaryStep] = [
        .setCapital(percent: 10), .pause(.minutes(30)), .analysis(template: "default"),
        .setCapital(percent: 50), .pause(.minutes(30)), .analysis(template: "default"),
    ]
    public static let defaultStages: [Stage] = [
        Stage(name: .shadow, duration: .hours(1), analysis: "default"), Stage(name: .live, duration: nil, analysis: nil),
    ]
    public static let defaultBlueGreen = BlueGreen(
        previewDuration: .hours(1), prePromotionAnalysis: "default", postPromotionAnalysis: nil, autoPromote: true,
        scaleDownDelay: .minutes(10))
    public static let defaultRolling = Rolling(maxUnavailable: 1, maxSurge: 1, minHealthyTime: .minutes(5))
}

/// A measured gate: the new revision's trading metrics, absolute or against stable's.
public struct AnalysisTemplate: Sendable, Hashable, Codable {
    public enum Metric: String, Sendable, Hashable, Codable, CaseIterable {
        /// PnL over allocated capital in the window, %
        case returnOnCapital
        /// worst peak-to-trough equity drop in the window, %
        case maxDrawdown
        /// failed venue calls / all venue calls, %
        case errorRate
        /// rejected orders / submitted orders, %
        case rejectRate
        /// average fill slippage, basis points
        case slippageBps
    }

    public struct Check: Sendable, Hashable, Codable {
        public var metric: Metric
        /// true: the bound applies to (new − stable) over the same window; false: to the new value alone.
        public var relativeToStable: Bool
        public var min: Decimal?
        public var max: Decimal?
    }

    /// Fewer closed trades than this in the window makes the result Inconclusive.
    public var minTrades: Int
    public var checks: [Check]

    public static let builtInDefault = AnalysisTemplate(
        minTrades: 3,
        checks: [
            Check(metric: .returnOnCapital, relativeToStable: true, min: -1, max: nil),
            Check(metric: .maxDrawdown, relativeToStable: true, min: nil, max: 2),
            Check(metric: .errorRate, relativeToStable: false, min: nil, max: 5),
            Check(metric: .rejectRate, relativeToStable: false, min: nil, max: 10),
            Check(metric: .slippageBps, relativeToStable: true, min: nil, max: 20),
        ])
}
