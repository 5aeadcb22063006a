import Foundation

/// The outcome of an analysis run, as Argo Rollouts names them.
public enum AnalysisPhase: String, Sendable, Codable, Equatable {
    case successful = "Successful"
    case failed = "Failed"
    /// Too little data to judge (fewer closed trades than the template asks): pause for a human.
    case inconclusive = "Inconclusive"
}

public struct AnalysisResult: Sendable, Equatable, Codable {
    public struct Measurement: Sendable, Equatable, Codable {
        public var metric: String
        /// The value judged: the new revision's, or new − stable for relative checks.
        public var value: Double
        public var min: Double?
        public var max: Double?
        public var relativeToStable: Bool
        public var passed: Bool

        public init(metric: String, value: Double, min: Double?, max: Double?, relativeToStable: Bool, passed: Bool) {
            self.metric = metric
            self.value = value
            self.min = min
            self.max = max
            self.relativeToStable = relativeToStable
            self.passed = passed
        }
    }
    public var template: String
    public var phase: AnalysisPhase
    public var measurements: [Measurement]
    public var message: String

    public init(template: String, phase: AnalysisPhase, measurements: [Measurement], message: String) {
        self.template = template
        self.phase = phase
        self.measurements = measurements
        self.message = message
    }
}
