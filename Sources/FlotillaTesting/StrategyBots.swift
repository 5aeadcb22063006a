import Foundation

/// Test bots for each deploy strategy, with short timed steps (minutes) so a test drives a whole
/// rollout in a few reconcile passes. Each revision is `Fixtures.botYAML` with its deploy block,
/// market and a strategy parameter swapped.
public enum StrategyBots {
    public enum Kind: String, CaseIterable, Sendable, CustomStringConvertible {
        case immediate, staged, canary, blueGreen, rolling, rollingInPlace
        public var description: String { rawValue }
    }

    /// The deploy block of each kind (YAML, indented as in `Fixtures.botYAML`).
    public static func deploy(_ kind: Kind) -> String {
        switch kind {
        case .immediate:
            return "    strategy: immediate\n"
        case .staged:
            return "    strategy: staged\n    staged:\n      stages:\n        - { name: shadow, duration: 1m }\n        - { name: live }\n"
        case .canary:
            return "    strategy: canary\n    canary:\n      steps: [ { setCapital: 10% }, { pause: 1m }, { setCapital: 50% }, { pause: {} } ]\n"
        case .blueGreen:
            // A pre-promotion analysis that passes whenever it runs (`lenient`).
            return "    strategy: blue-green\n    blueGreen: { previewDuration: 1m, prePromotionAnalysis: lenient, autoPromote: false, scaleDownDelay: 2m }\n"
                + "    analysisTemplates:\n      lenient: { minTrades: 0, checks: [ { metric: errorRate, max: 100 } ] }\n"
        case .rolling:
            return "    strategy: rolling\n    rolling: { maxUnavailable: 0, maxSurge: 1, minHealthyTime: 1m }\n"
        case .rollingInPlace:
            return "    strategy: rolling\n    rolling: { maxUnavailable: 1, maxSurge: 0, minHealthyTime: 1m }\n"
        }
    }

    /// A bot of `kind`; `fast` tells revisions apart; `replay` names its candle file (a fan-out
    /// bot's pattern gets `{base}`/`{quote}`).
    public static func yaml(_ kind: Kind, name: String = "test-bot", fast: Int = 10, replay: String? = nil) -> String {
        let fanOut = kind == .rolling || kind == .rollingInPlace
        let market = fanOut
            ? "market: { symbols: [ADA-BTC, XLM-BTC], interval: 5m, source: { replay: \"\(replay ?? "{base}_{quote}-5m.csv")\", speed: 600 } }"
            : "market: { symbol: ETH-BTC, interval: 5m, source: { replay: \(replay ?? "ETH_BTC-5m.csv"), speed: 600 } }"
        return Fixtures.botYAML(name: name, [
            "    strategy: canary\n    canary:\n      steps: [ { setCapital: 10% }, { pause: 30m }, { analysis: default } ]\n": deploy(kind),
            "market: { symbol: ETH-BTC, interval: 5m, source: { replay: ETH_BTC-5m.csv, speed: 600 } }": market,
            "fast: 10": "fast: \(fast)",
        ])
    }
}
