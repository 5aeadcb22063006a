import FlotillaSpec
import FlotillaTrading
import Foundation

/// What `get bots`, analysis and /metrics read about an instance. Money is exact (`Fixed`, written
/// as a decimal string in JSON).
public struct InstanceMetrics: Sendable, Codable, Equatable {
    public var trades: Int
    public var wins: Int
    public var realizedPnL: Fixed
    public var unrealizedPnL: Fixed
    public var equity: Fixed
    public var returnPct: Double
    public var maxDrawdownPct: Double
    public var decisions: Int
    public var rejects: Int
    public var slippageBps: Double
    public var position: Fixed
    public var cash: Fixed
    public var errors: Int
    public var circuitBreaker: BreakerState
    public var buys: Int
    public var sells: Int
    /// Metrics that left their own recent baseline (see `AnomalyDetector`).
    public var anomalies: [Anomaly]?
    /// Share of one core spent on this instance, percent.
    public var cpuPct: Double?
    /// Estimated bytes held (see `BotInstance.memoryEstimate`).
    public var memoryBytes: Int?
    /// A venue interaction's duration, smoothed (`trading_bot_api_response_time_seconds`).
    public var venueResponseSeconds: Double?
    /// Set while the instance is halted by its emergency stop-loss: what fired, when.
    public var emergencyStop: String?
    /// Set while the instance's live candle feed is stale (no closed candle for over two intervals): what and since when.
    public var marketData: String?
    /// Set while a live instance on an exchange does not trade: not reconciled with its account
    /// (and why), or an order whose outcome is not known yet.
    public var exchange: String?
    /// An `llm` instance's model calls since it started: count, HOLDs, tokens, latency. Nil for
    /// every other strategy.
    public var model: ModelUsage?

    public init(trades: Int, wins: Int, realizedPnL: Fixed, unrealizedPnL: Fixed, equity: Fixed, returnPct: Double, maxDrawdownPct: Double,
                decisions: Int, rejects: Int, slippageBps: Double, position: Fixed, cash: Fixed, errors: Int, circuitBreaker: BreakerState,
                buys: Int, sells: Int, anomalies: [Anomaly]? = nil, cpuPct: Double? = nil, memoryBytes: Int? = nil,
                venueResponseSeconds: Double? = nil, emergencyStop: String? = nil, marketData: String? = nil, exchange: String? = nil,
                model: ModelUsage? = nil) {
        self.exchange = exchange
        self.model = model
        self.trades = trades
        self.wins = wins
        self.realizedPnL = realizedPnL
        self.unrealizedPnL = unrealizedPnL
        self.equity = equity
        self.returnPct = returnPct
        self.maxDrawdownPct = maxDrawdownPct
        self.decisions = decisions
        self.rejects = rejects
        self.slippageBps = slippageBps
        self.position = position
        self.cash = cash
        self.errors = errors
        self.circuitBreaker = circuitBreaker
        self.buys = buys
        self.sells = sells
        self.anomalies = anomalies
        self.cpuPct = cpuPct
        self.memoryBytes = memoryBytes
        self.venueResponseSeconds = venueResponseSeconds
        self.emergencyStop = emergencyStop
        self.marketData = marketData
    }
}

/// What an `llm` instance's model calls cost: calls made (and answered from the record after a
/// restart), how many ended in HOLD by reason, tokens, latency.
public struct ModelUsage: Sendable, Codable, Equatable {
    public var calls: Int
    /// Calls answered from the store (a restarted instance does not ask twice for a candle).
    public var reused: Int
    /// HOLDs not decided by the model, by reason kind (timeout, http_error, invalid_json, budget, …).
    public var holds: [String: Int]
    public var promptTokens: Int
    public var completionTokens: Int
    /// Mean latency of the calls made, seconds; and the last one's.
    public var meanLatencySeconds: Double
    public var lastLatencySeconds: Double
    /// The last HOLD's reason, if the last call ended in one.
    public var lastHold: String?

    public init(calls: Int = 0, reused: Int = 0, holds: [String: Int] = [:], promptTokens: Int = 0, completionTokens: Int = 0,
                meanLatencySeconds: Double = 0, lastLatencySeconds: Double = 0, lastHold: String? = nil) {
        self.calls = calls
        self.reused = reused
        self.holds = holds
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.meanLatencySeconds = meanLatencySeconds
        self.lastLatencySeconds = lastLatencySeconds
        self.lastHold = lastHold
    }

    public var tokens: Int { promptTokens + completionTokens }
    public var holdCount: Int { holds.values.reduce(0, +) }
}

/// A metric that left its baseline.
public struct Anomaly: Sendable, Codable, Equatable {
    public var metric: String
    public var value: Double
    public var mean: Double
    public var standardDeviation: Double
    /// Deviations from the mean; nil when the metric had never moved before (JSON has no infinity).
    public var z: Double?
    /// Market time (ms) of the sample that raised it.
    public var at: Int64

    public init(metric: String, value: Double, mean: Double, standardDeviation: Double, z: Double?, at: Int64) {
        self.metric = metric
        self.value = value
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.z = z.flatMap { $0.isFinite ? $0 : nil }
        self.at = at
    }

    public var description: String {
        let sigma = z.map { String(format: "%.1fσ", $0) } ?? "first change"
        return "\(metric) \(Self.format(value)) left its baseline \(Self.format(mean)) ± \(Self.format(standardDeviation)) (\(sigma))"
    }

    static func format(_ x: Double) -> String { String(format: abs(x) >= 100 || x == x.rounded() ? "%.0f" : "%.3g", x) }
}
