/// A metric's own recent normal: an exponentially weighted mean and variance, so a bot is judged
/// against its own history rather than a fleet-wide threshold (a grid bot's calm is a momentum
/// bot's alarm). Pure value.
public struct Baseline: Sendable, Codable, Equatable {
    /// Weight of the newest sample: 2 / (N + 1) for a window of about N samples.
    public let alpha: Double
    /// Samples needed before deviations are judged.
    public let warmUp: Int
    public private(set) var mean: Double = 0
    public private(set) var variance: Double = 0
    public private(set) var count = 0

    public init(window: Int = 100, warmUp: Int = 30) {
        alpha = 2 / Double(window + 1)
        self.warmUp = warmUp
    }

    public var standardDeviation: Double { variance.squareRoot() }

    /// How many standard deviations `x` lies from the baseline — nil while warming up; infinite
    /// when the metric never moved before and now does — then learns `x`.
    public mutating func observe(_ x: Double) -> Double? {
        guard x.isFinite else { return nil }
        var z: Double?
        if count >= warmUp {
            let sd = standardDeviation, distance = x - mean
            if sd > 1e-12 {
                z = distance / sd
            } else if abs(distance) > 1e-9 {
                z = distance > 0 ? .infinity : -.infinity
            } else {
                z = 0
            }
        }
        if count == 0 {
            mean = x
        } else {
            let d = x - mean
            mean += alpha * d
            variance = (1 - alpha) * (variance + alpha * d * d)
        }
        count += 1
        return z
    }
}

/// Baselines of an instance's metrics and the anomalies they raise. A flag stays up for `hold`
/// samples of its metric after the last deviation, so a one-candle spike is still visible to
/// someone looking a minute later. Baselines live in memory: after a restart they warm up again.
public struct AnomalyDetector: Sendable {
    public var threshold: Double
    public var hold: Int
    private var baselines: [String: Baseline] = [:]
    private var active: [String: (anomaly: Anomaly, samplesLeft: Int)] = [:]

    public init(threshold: Double = 4, hold: Int = 20) {
        self.threshold = threshold
        self.hold = hold
    }

    public mutating func observe(_ metric: String, _ value: Double, at time: Int64) {
        var baseline = baselines[metric] ?? Baseline()
        let before = baseline
        let z = baseline.observe(value)
        baselines[metric] = baseline
        if let z, abs(z) >= threshold {
            active[metric] = (Anomaly(metric: metric, value: value, mean: before.mean, standardDeviation: before.standardDeviation, z: z, at: time), hold)
        } else if let current = active[metric] {
            active[metric] = current.samplesLeft <= 1 ? nil : (current.anomaly, current.samplesLeft - 1)
        }
    }

    /// The raised flags, by metric name.
    public var anomalies: [Anomaly] { active.values.map(\.anomaly).sorted { $0.metric < $1.metric } }
}

extension Duration {
    /// Seconds as a Double.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
