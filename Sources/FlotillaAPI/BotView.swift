import FlotillaSpec
import Foundation

/// A bot as people see it — desired state, rollout, instances, sync with the files — built here
/// for every reader: the API's `GET /api/v1/bots`, `flotilla get bots` (locally and through
/// `--server`), `flotilla status` and the dashboard.
public struct BotView: Codable, Sendable {
    public struct InstanceView: Codable, Sendable {
        public var id: String
        public var revision: Int
        public var symbol: String
        public var phase: InstancePhase
        public var reason: String?
        public var mode: InstanceMode
        public var capitalPct: String
        public var candlesSeen: Int
        public var heartbeatAgeSeconds: Double?
        public var metrics: InstanceMetrics?

        public init(id: String, revision: Int, symbol: String, phase: InstancePhase, reason: String?, mode: InstanceMode, capitalPct: String, candlesSeen: Int,
                    heartbeatAgeSeconds: Double?, metrics: InstanceMetrics?) {
            self.id = id
            self.revision = revision
            self.symbol = symbol
            self.phase = phase
            self.reason = reason
            self.mode = mode
            self.capitalPct = capitalPct
            self.candlesSeen = candlesSeen
            self.heartbeatAgeSeconds = heartbeatAgeSeconds
            self.metrics = metrics
        }
    }
    public struct RolloutView: Codable, Sendable {
        public var strategy: String
        public var phase: RolloutPhase
        public var stable: Int?
        public var candidate: Int
        public var step: String
        public var stepsDone: Int?
        public var stepsTotal: Int?
        public var message: String
        public var lastAnalysis: AnalysisResult?
        public var degraded: Degradation?

        public init(strategy: String, phase: RolloutPhase, stable: Int?, candidate: Int, step: String, stepsDone: Int?, stepsTotal: Int?, message: String,
                    lastAnalysis: AnalysisResult?, degraded: Degradation?) {
            self.strategy = strategy
            self.phase = phase
            self.stable = stable
            self.candidate = candidate
            self.step = step
            self.stepsDone = stepsDone
            self.stepsTotal = stepsTotal
            self.message = message
            self.lastAnalysis = lastAnalysis
            self.degraded = degraded
        }
    }

    public var name: String
    public var labels: [String: String]
    public var revision: Int
    public var profile: String
    public var strategy: String
    public var deploy: String
    public var capital: String
    public var equity: String
    /// The file that declared it when it was applied (relative to the project).
    public var file: String
    /// How it stands against the files (`BotSync`): synced, changed, orphan (its file is gone —
    /// it keeps trading until `apply --prune`), not-applied (only in the files; revision 0) or
    /// unknown (the files do not validate). Nil when no files were read.
    public var sync: BotSync?
    public var control: BotControl
    /// healthy, degraded, unhealthy or dead (`BotHealth`); `degraded` too whenever the engine could
    /// not bring the bot to its desired state — then `degraded` says why.
    public var health: HealthStatus
    /// Why the engine could not bring the bot to its desired state (a failed start, restore or
    /// reconcile) and when it tries again; nil when it could.
    public var degraded: Degradation?
    public var rollout: RolloutView?
    public var instances: [InstanceView]
    /// Where its orders go (`paper`, `binance`, `coinbase`), through which account, and whether
    /// that moves real money (an exchange account in mode live).
    public var venue: String
    public var account: String
    public var realMoney: Bool
    /// The fleet halt holding it (`flotilla halt`, a loss limit), nil when none does.
    public var halt: BotHalt?

    public init(name: String, labels: [String: String], revision: Int, profile: String, strategy: String, deploy: String, capital: String,
                equity: String, file: String, sync: BotSync?, control: BotControl, health: HealthStatus, degraded: Degradation?, rollout: RolloutView?,
                instances: [InstanceView], venue: String = "paper", account: String = "main", realMoney: Bool = false, halt: BotHalt? = nil) {
        self.halt = halt
        self.venue = venue
        self.account = account
        self.realMoney = realMoney
        self.name = name
        self.labels = labels
        self.revision = revision
        self.profile = profile
        self.strategy = strategy
        self.deploy = deploy
        self.capital = capital
        self.equity = equity
        self.file = file
        self.sync = sync
        self.control = control
        self.health = health
        self.degraded = degraded
        self.rollout = rollout
        self.instances = instances
    }
}

/// How a bot in the state stands against the project's files (as `flux get` shows a source's
/// sync): what `get bots`, `GET /api/v1/bots` and `flotilla status` say in their STATUS/sync.
public enum BotSync: String, Codable, Sendable, CaseIterable {
    /// The files declare exactly what was applied.
    case synced
    /// The files declare something else: `flotilla plan` shows the change.
    case changed
    /// In the files, never applied (only the local CLI sees these).
    case notApplied = "not-applied"
    /// In the state, gone from the files: it keeps trading until `apply --prune` deletes it.
    case orphan
    /// The files do not validate, so nothing can be said (its file is still there).
    case unknown

    /// The words a table shows.
    public var text: String {
        switch self {
        case .synced: "applied"
        case .changed: "changed (plan)"
        case .notApplied: "not applied"
        case .orphan: "orphan: file deleted, still trading (apply --prune deletes it)"
        case .unknown: "unknown (the files do not validate)"
        }
    }
}
