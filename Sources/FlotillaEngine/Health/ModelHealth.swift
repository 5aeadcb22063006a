import FlotillaAPI
import Foundation

/// An `llm` bot's model calls in its health: what they cost and how often they ended in HOLD for
/// a reason other than the model's choice. Shown with weight 0 — a model that HOLDs trades
/// nothing, which the analysis judges; health says why, without changing the score.
enum ModelHealth {
    static func part(_ usages: [ModelUsage]) -> BotHealth.Part? {
        guard !usages.isEmpty else { return nil }
        let calls = usages.reduce(0) { $0 + $1.calls }, tokens = usages.reduce(0) { $0 + $1.tokens }
        var holds: [String: Int] = [:]
        for u in usages { for (k, v) in u.holds { holds[k, default: 0] += v } }
        let failed = holds.filter { $0.key != "budget" }.values.reduce(0, +)
        let latency = calls == 0 ? 0 : usages.reduce(0.0) { $0 + $1.meanLatencySeconds * Double($1.calls) } / Double(calls)
        let score = calls == 0 ? 100 : max(0, 100 - Double(failed) / Double(calls) * 100)
        var detail = "\(calls) call(s), \(tokens) tokens, mean latency " + String(format: "%.2f s", latency)
        if !holds.isEmpty { detail += "; HOLD " + holds.keys.sorted().map { "\($0) \(holds[$0]!)" }.joined(separator: ", ") }
        if let last = usages.compactMap(\.lastHold).first { detail += "; last: \(last.prefix(160))" }
        return BotHealth.Part(name: "model", score: score.rounded(), weight: 0, detail: detail)
    }
}
