import Crypto
import Foundation

/// The text parameters of a `kind: llm` strategy: where the model is, which one, what it is asked
/// and how long it may take. The numbers (temperature, budgets) are ordinary strategy parameters
/// (`StrategyKind.llm.parameters`).
///
/// The API key is a reference (`env:NAME` or `file:/abs/path`), never the key: specs, plans,
/// revisions and the API only ever see the reference.
public struct LLMStrategySpec: Sendable, Hashable, Codable {
    /// The chat-completions endpoint as written: a base URL (`https://api.openai.com/v1`,
    /// `http://127.0.0.1:11434/v1`) or the full `…/chat/completions` URL.
    public var endpoint: String
    public var model: String
    /// The prompt template's text (`prompt:` inline, or a built-in `promptTemplate:`'s text).
    public var prompt: String
    /// The built-in template named by `promptTemplate:`, nil for an inline `prompt:`.
    public var template: String?
    /// How long one call may take; a later answer is HOLD "timed out after …".
    public var timeout: TimeSpan
    /// `env:NAME` or `file:/abs/path`; nil for an endpoint without a key (a local Ollama).
    public var apiKey: String?

    public init(endpoint: String, model: String, prompt: String, template: String? = nil, timeout: TimeSpan = .seconds(10), apiKey: String? = nil) {
        self.endpoint = endpoint
        self.model = model
        self.prompt = prompt
        self.template = template
        self.timeout = timeout
        self.apiKey = apiKey
    }

    /// The parameters that are text, not numbers.
    public static let textParameters = ["endpoint", "model", "prompt", "promptTemplate", "timeout", "apiKey"]

    /// The URL calls are POSTed to: the endpoint, with `/chat/completions` appended to a base URL.
    public var chatCompletionsURL: String {
        var base = endpoint
        while base.hasSuffix("/") { base.removeLast() }
        return base.hasSuffix("/chat/completions") ? base : base + "/chat/completions"
    }

    /// What budgets per endpoint are counted by: scheme, host and port, lowercased.
    public var endpointKey: String {
        guard let url = URL(string: chatCompletionsURL), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased() else {
            return endpoint
        }
        return "\(scheme)://\(host)\(url.port.map { ":\($0)" } ?? "")"
    }

    /// `sha256:1a2b3c4d5e6f (812 characters)`: how the plan and the revision hash show the prompt.
    public var promptDigest: String {
        let hex = SHA256.hash(data: Array(prompt.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
        return "sha256:\(hex) (\(prompt.count) characters)"
    }

    /// Why `text` is not an endpoint a key may be sent to, or nil. Only `https://`, or plain
    /// `http://` to a loopback host (Ollama, llama.cpp's server on this machine).
    public static func endpointProblem(_ text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            return "\"\(text.prefix(80))\" is not a URL; write e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1"
        }
        if url.user != nil || url.password != nil {
            return "put no credentials in the URL; name the key with apiKey: env:NAME"
        }
        if url.query != nil || url.fragment != nil { return "the endpoint takes no query or fragment; write the base URL, e.g. https://api.openai.com/v1" }
        switch scheme {
        case "https": return nil
        case "http":
            if isLoopback(host) { return nil }
            return "plain http:// is only allowed to a loopback host (localhost, 127.0.0.1, ::1): prompts, positions and the API key "
                + "would cross the network in clear text; use https://\(host)\(url.port.map { ":\($0)" } ?? "")\(url.path)"
        default:
            return "scheme \(scheme) is not supported; use https:// (or http:// to localhost)"
        }
    }

    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if h == "localhost" || h == "::1" || h.hasSuffix(".localhost") { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Why `text` is not an `apiKey` reference Flotilla accepts, or nil: `env:NAME`, or
    /// `file:` with an absolute path (a key file's place must not depend on where `up` runs).
    public static func apiKeyProblem(_ text: String) -> String? {
        do {
            let reference = try SecretReference(parsing: text)
            if case .file(let path) = reference, !path.hasPrefix("/") && !path.hasPrefix("~/") {
                return "file: takes an absolute path, e.g. file:/etc/flotilla/openai.key"
            }
            return nil
        } catch {
            return error.description
        }
    }
}

/// The variables a prompt template may use, `{{name}}`, with what each holds: what `flotilla
/// strategies` prints and what validation checks a template against.
public enum PromptVariable: String, CaseIterable, Sendable {
    case bot, symbol, interval, time
    case candles, close, open, high, low, volume
    case position, entryPrice, unrealizedPnL, realizedPnL, equity, cash
    case dailyLossPct, dailyLossLimitPct, riskHeadroomPct, maxPositionPct, positionPct
    case ema12, ema26, rsi14, macd, macdSignal, macdHistogram
    case bbUpper, bbMiddle, bbLower, vwap
    case cipherBWave1, cipherBWave2, cipherBMoneyFlow, cipherATrend
    case decisionSchema

    public var help: String {
        switch self {
        case .bot: return "the bot's name"
        case .symbol: return "the instance's symbol, e.g. BTC-USDT"
        case .interval: return "the candle interval, e.g. 1h"
        case .time: return "the closed candle's time, ISO 8601 UTC"
        case .candles: return "the last N candles (param candles), one per line: time open high low close volume"
        case .close, .open, .high, .low: return "the closed candle's \(rawValue) price, exact"
        case .volume: return "the closed candle's volume"
        case .position: return "base quantity held: positive long, negative short, 0 flat (exact)"
        case .entryPrice: return "average entry price of the position, or none"
        case .unrealizedPnL: return "open position's PnL at the close, quote currency (exact)"
        case .realizedPnL: return "realized PnL since the instance started (exact)"
        case .equity: return "cash plus position at the close (exact)"
        case .cash: return "cash, quote currency (exact)"
        case .dailyLossPct: return "loss since the day's start, % of equity then"
        case .dailyLossLimitPct: return "the profile's risk.dailyLossLimitPct"
        case .riskHeadroomPct: return "daily loss still allowed before entries are refused, %"
        case .maxPositionPct: return "the profile's risk.maxPositionPct"
        case .positionPct: return "the position's value, % of equity"
        case .ema12, .ema26: return "exponential moving average of closes, \(rawValue.dropFirst(3)) candles"
        case .rsi14: return "RSI (Wilder), 14 candles"
        case .macd, .macdSignal, .macdHistogram: return "MACD 12/26/9: \(rawValue == "macd" ? "line" : rawValue.dropFirst(4).lowercased())"
        case .bbUpper, .bbMiddle, .bbLower: return "Bollinger Bands 20/2: \(rawValue.dropFirst(2).lowercased()) band"
        case .vwap: return "volume-weighted average price since the day's start (UTC)"
        case .cipherBWave1, .cipherBWave2: return "VuManChu Cipher B WaveTrend \(rawValue.hasSuffix("1") ? "wave 1" : "wave 2 (signal)")"
        case .cipherBMoneyFlow: return "VuManChu Cipher B money flow"
        case .cipherATrend: return "VuManChu Cipher A EMA ribbon: +1 bullish, -1 bearish, 0 mixed"
        case .decisionSchema: return "the JSON answer format, as documented (ask the model for exactly this)"
        }
    }

    /// The `{{name}}` references in `text` that are not variables, in order of appearance.
    public static func unknown(in text: String) -> [String] {
        var out: [String] = []
        for name in references(in: text) where PromptVariable(rawValue: name) == nil && !out.contains(name) { out.append(name) }
        return out
    }

    /// Every `{{name}}` in `text` (spaces inside the braces allowed).
    public static func references(in text: String) -> [String] {
        var out: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            out.append(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return out
    }
}

/// The built-in prompt templates `promptTemplate:` names.
public enum PromptTemplates {
    public static let names = ["default", "minimal"]

    public static func text(_ name: String) -> String? {
        switch name {
        case "default": return defaultText
        case "minimal": return minimalText
        default: return nil
        }
    }

    /// The seeds' prompt: market state, position, risk headroom and the full indicator set.
    public static let defaultText = """
        You are the decision step of an automated trading bot ({{bot}}) on {{symbol}}, {{interval}} candles.
        Decide what to do after the candle that closed at {{time}}.

        Recent candles (time open high low close volume):
        {{candles}}

        Position: {{position}} (entry {{entryPrice}}), unrealized PnL {{unrealizedPnL}}, realized PnL {{realizedPnL}}.
        Equity {{equity}}, cash {{cash}}; the position is {{positionPct}}% of equity (at most {{maxPositionPct}}%).
        Daily loss {{dailyLossPct}}% of a {{dailyLossLimitPct}}% limit: {{riskHeadroomPct}}% headroom.

        Indicators: EMA12 {{ema12}}, EMA26 {{ema26}}, RSI14 {{rsi14}}, MACD {{macd}} / signal {{macdSignal}} / histogram {{macdHistogram}},
        Bollinger {{bbLower}} / {{bbMiddle}} / {{bbUpper}}, VWAP {{vwap}},
        Cipher B waves {{cipherBWave1}} / {{cipherBWave2}}, money flow {{cipherBMoneyFlow}}, Cipher A trend {{cipherATrend}}.

        A risk manager checks and may cut or refuse your decision. Answer with JSON only:
        {{decisionSchema}}
        """

    /// For small local models: the last candles and the position, nothing else.
    public static let minimalText = """
        {{symbol}} {{interval}} candles (time open high low close volume):
        {{candles}}
        Position {{position}}, equity {{equity}}. Answer with JSON only: {{decisionSchema}}
        """
}

/// The answer a model must give: documented in docs/trading.md and given to the model as
/// `{{decisionSchema}}`.
public enum DecisionSchema {
    public static let text = #"{"action": "LONG" | "SHORT" | "CLOSE" | "HOLD", "sizePct": number 0-100 (LONG/SHORT: % of equity; CLOSE: % of the position), "stopLossPct": number > 0 (optional), "takeProfitPct": number > 0 (optional), "rationale": "one sentence"}"#
}
