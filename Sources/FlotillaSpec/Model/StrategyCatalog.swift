import Foundation

/// The strategy kinds a bot spec can name, with their typed parameters and defaults.
///
/// The trading engine implements them; this catalog is what specs are validated against and what
/// `flotilla strategies` lists, so a spec that validates is one the engine can run.
public enum StrategyKind: String, CaseIterable, Sendable, Codable {
    case maCrossover = "ma_crossover"
    case rsi
    case grid
    case momentum
    case macdBB = "macd_bb"
    case llm

    public var summary: String {
        switch self {
        case .maCrossover: return "long when the fast moving average crosses above the slow one, out when it crosses below"
        case .rsi: return "long when RSI (Wilder) leaves the oversold zone, out when it enters the overbought zone"
        case .grid: return "buys and sells on a ladder of price levels around the price at start"
        case .momentum: return "follows the rate of change over a lookback when it passes a threshold"
        case .macdBB: return "MACD crossovers confirmed by the position inside the Bollinger Bands"
        case .llm:
            return "asks an OpenAI-compatible chat-completions model (endpoint, model, prompt | promptTemplate, timeout, apiKey: env:NAME) "
                + "for a JSON decision each candle; anything else is HOLD; recorded and replayed by flotilla backtest"
        }
    }

    public var parameters: [StrategyParameter] {
        switch self {
        case .maCrossover:
            return [
                .init(name: "fast", type: .integer(min: 1, max: 10_000), defaultValue: 10, help: "fast moving-average length, candles"),
                .init(name: "slow", type: .integer(min: 2, max: 10_000), defaultValue: 30, help: "slow moving-average length, candles"),
            ]
        case .rsi:
            return [
                .init(name: "period", type: .integer(min: 2, max: 1000), defaultValue: 14, help: "RSI lookback, candles"),
                .init(name: "oversold", type: .decimal(min: 0, max: 100), defaultValue: 30, help: "enter long when RSI rises back above this"),
                .init(name: "overbought", type: .decimal(min: 0, max: 100), defaultValue: 70, help: "exit when RSI reaches this"),
            ]
        case .grid:
            return [
                .init(name: "levels", type: .integer(min: 2, max: 200), defaultValue: 10, help: "price levels in the grid"),
                .init(name: "spacingPct", type: .decimal(min: Decimal(string: "0.01")!, max: 50), defaultValue: 1, help: "distance between levels, %"),
                .init(name: "orderSizePct", type: .decimal(min: Decimal(string: "0.1")!, max: 100), defaultValue: 5, help: "capital per level, %"),
            ]
        case .momentum:
            return [
                .init(name: "period", type: .integer(min: 1, max: 10_000), defaultValue: 10, help: "rate-of-change lookback, candles"),
                .init(name: "thresholdPct", type: .decimal(min: 0, max: 100), defaultValue: 1, help: "rate of change that triggers an entry, %"),
            ]
        case .macdBB:
            return [
                .init(name: "fast", type: .integer(min: 1, max: 1000), defaultValue: 12, help: "MACD fast EMA length"),
                .init(name: "slow", type: .integer(min: 2, max: 1000), defaultValue: 26, help: "MACD slow EMA length"),
                .init(name: "signal", type: .integer(min: 1, max: 1000), defaultValue: 9, help: "MACD signal EMA length"),
                .init(name: "bbPeriod", type: .integer(min: 2, max: 1000), defaultValue: 20, help: "Bollinger Bands length"),
                .init(name: "bbStdDev", type: .decimal(min: Decimal(string: "0.5")!, max: 5), defaultValue: 2, help: "Bollinger Bands width, standard deviations"),
            ]
        case .llm:
            return [
                .init(name: "temperature", type: .decimal(min: 0, max: 2), defaultValue: 0, help: "sampling temperature sent to the model"),
                .init(name: "maxCallsPerHour", type: .integer(min: 1, max: 3600), defaultValue: 60, help: "model calls per bot per hour; over it: HOLD"),
                .init(name: "endpointMaxCallsPerHour", type: .integer(min: 1, max: 1_000_000), defaultValue: 3600,
                      help: "calls per hour to this endpoint by all bots (the smallest value named wins)"),
                .init(name: "dailyTokenBudget", type: .integer(min: 0, max: 1_000_000_000), defaultValue: 200_000,
                      help: "prompt + completion tokens per bot per UTC day, 0 for no limit; over it: HOLD"),
                .init(name: "maxTokens", type: .integer(min: 16, max: 32_768), defaultValue: 300, help: "max_tokens of each answer"),
                .init(name: "candles", type: .integer(min: 1, max: 200), defaultValue: 20, help: "recent candles in {{candles}}"),
                .init(name: "maxResponseKB", type: .integer(min: 1, max: 1024), defaultValue: 64, help: "largest answer read, KiB; a larger one is HOLD"),
            ]
        }
    }

    /// Rules between parameters that a single field's range cannot say.
    /// Returns (parameter that is wrong, message) pairs.
    public func crossCheck(_ params: [String: Decimal]) -> [(parameter: String, message: String)] {
        func ordered(_ low: String, _ high: String) -> [(String, String)] {
            guard let a = params[low], let b = params[high], a >= b else { return [] }
            return [(low, "\(low) (\(a.canonicalText)) must be less than \(high) (\(b.canonicalText))")]
        }
        switch self {
        case .maCrossover, .macdBB: return ordered("fast", "slow")
        case .rsi: return ordered("oversold", "overbought")
        case .grid, .momentum, .llm: return []
        }
    }
}

public struct StrategyParameter: Sendable {
    public enum ParameterType: Sendable, Equatable {
        case integer(min: Int, max: Int)
        case decimal(min: Decimal, max: Decimal)
    }

    public var name: String
    public var type: ParameterType
    public var defaultValue: Decimal
    public var help: String
}
