import FlotillaSpec
import Foundation

/// Trading metrics of one instance over an analysis window.
public struct TradingMetrics: Sendable, Equatable, Codable {
    public var closedTrades: Int
    /// PnL over allocated capital in the window, %.
    public var returnOnCapitalPct: Double
    /// Worst peak-to-trough equity drop in the window, %.
    public var maxDrawdownPct: Double
    public var venueCalls: Int
    public var venueErrors: Int
    public var ordersSubmitted: Int
    public var ordersRejected: Int
    /// Average fill slippage, basis points.
    public var slippageBps: Double

    public init(closedTrades: Int = 0, returnOnCapitalPct: Double = 0, maxDrawdownPct: Double = 0, venueCalls: Int = 0, venueErrors: Int = 0,
                ordersSubmitted: Int = 0, ordersRejected: Int = 0, slippageBps: Double = 0) {
        self.closedTrades = closedTrades
        self.returnOnCapitalPct = returnOnCapitalPct
        self.maxDrawdownPct = maxDrawdownPct
        self.venueCalls = venueCalls
        self.venueErrors = venueErrors
        self.ordersSubmitted = ordersSubmitted
        self.ordersRejected = ordersRejected
        self.slippageBps = slippageBps
    }

    public func value(_ metric: AnalysisTemplate.Metric) -> Double {
        switch metric {
        case .returnOnCapital: return returnOnCapitalPct
        case .maxDrawdown: return maxDrawdownPct
        case .errorRate: return venueCalls == 0 ? 0 : Double(venueErrors) / Double(venueCalls) * 100
        case .rejectRate: return ordersSubmitted == 0 ? 0 : Double(ordersRejected) / Double(ordersSubmitted) * 100
        case .slippageBps: return slippageBps
        }
    }
}

/// Judges a new revision's metrics against a template, absolute or relative to stable's metrics
/// over the same window. Pure.
public enum Analysis {
    public static func evaluate(template name: String, _ template: AnalysisTemplate, candidate: TradingMetrics, stable: TradingMetrics?) -> AnalysisResult {
        if candidate.closedTrades < template.minTrades {
            return AnalysisResult(
                template: name, phase: .inconclusive, measurements: [],
                message: "\(candidate.closedTrades) closed trade(s); the template needs \(template.minTrades) to judge — paused for a person to promote or abort")
        }
        var measurements: [AnalysisResult.Measurement] = []
        for check in template.checks {
            let own = candidate.value(check.metric)
            let value = check.relativeToStable ? own - (stable?.value(check.metric) ?? 0) : own
            let min = check.min.map { NSDecimalNumber(decimal: $0).doubleValue }
            let max = check.max.map { NSDecimalNumber(decimal: $0).doubleValue }
            let passed = (min.map { value >= $0 } ?? true) && (max.map { value <= $0 } ?? true)
            measurements.append(.init(metric: check.metric.rawValue, value: value, min: min, max: max, relativeToStable: check.relativeToStable, passed: passed))
        }
        let failed = measurements.filter { !$0.passed }
        if failed.isEmpty {
            return AnalysisResult(template: name, phase: .successful, measurements: measurements, message: "all \(measurements.count) checks passed")
        }
        let text = failed.map { m in
            "\(m.metric)\(m.relativeToStable ? " vs stable" : "") \(String(format: "%.4g", m.value)) outside [\(m.min.map { String($0) } ?? "−∞"), \(m.max.map { String($0) } ?? "∞")]"
        }
        return AnalysisResult(template: name, phase: .failed, measurements: measurements, message: text.joined(separator: "; "))
    }
}
