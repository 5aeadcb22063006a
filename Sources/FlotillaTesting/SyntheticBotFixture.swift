/// A bot on seeded synthetic candles for restart tests: 5-minute candles at speed 300, so candle
/// *i* of an instance started at fleet time 0 is due at *i* × 1,000 ms; deployed immediately; the
/// rate limit out of the way so a tick processes every candle that is due.
public struct SyntheticBotFixture: Sendable {
    public var name = "restart-bot"
    public var seed: Int
    public var volatilityPct = "1.5"
    /// The `strategy:` mapping's content, e.g. `kind: rsi, params: { period: 14 }`.
    public var strategy: String
    public var longOnly = true
    /// Extra `risk:` settings, e.g. `emergencyStopLossPct: 5`.
    public var risk = ""
    public var strategyInterval = "5m"

    public init(seed: Int, strategy: String) {
        self.seed = seed
        self.strategy = strategy
    }

    public var symbol: String { "SYN-USD" }
    /// The id of the instance its first revision starts.
    public var instanceID: String { "\(name)/r1/\(symbol)#1" }

    public var yaml: String {
        """
        apiVersion: flotilla/v1
        kind: Bot
        metadata:
          name: \(name)
        spec:
          profile: moderate
          market: { symbol: \(symbol), interval: 5m, source: { synthetic: { seed: \(seed), startPrice: 1000, volatilityPct: \(volatilityPct) }, speed: 300 } }
          strategy: { \(strategy), longOnly: \(longOnly) }
          capital: { quote: 10000 }
          risk: { \(risk) }
          runtime: { strategyInterval: \(strategyInterval), rateLimitCalls: 1000000 }

        """
    }
}
