import FlotillaSpec
import FlotillaTrading
import Foundation

/// Why a model call ended in HOLD rather than the model's decision. Each case says what happened
/// in words a person reading `flotilla bot events` or the call record understands.
public enum HoldReason: Error, Sendable, Equatable, CustomStringConvertible {
    /// The endpoint's answer, or the model's content, is not JSON.
    case invalidJSON(String)
    /// JSON, but not the decision schema (a missing or extra field, a wrong type).
    case wrongSchema(String)
    case unknownAction(String)
    case sizeOutOfRange(String)
    case timedOut(TimeSpan)
    /// The endpoint answered with an HTTP error (429 rate limited, 500, …).
    case http(status: Int, detail: String)
    /// No answer: refused connection, DNS, TLS, a reset.
    case unreachable(String)
    case tooLarge(limitBytes: Int)
    /// A budget (calls per hour per bot or per endpoint, tokens per day) is spent.
    case budget(String)
    /// The API key reference could not be resolved (variable unset, file missing).
    case credential(String)

    /// A short name for the record and the metrics' `reason` label.
    public var kind: String {
        switch self {
        case .invalidJSON: "invalid_json"
        case .wrongSchema: "wrong_schema"
        case .unknownAction: "unknown_action"
        case .sizeOutOfRange: "size_out_of_range"
        case .timedOut: "timeout"
        case .http: "http_error"
        case .unreachable: "unreachable"
        case .tooLarge: "too_large"
        case .budget: "budget"
        case .credential: "credential"
        }
    }

    public var description: String {
        switch self {
        case .invalidJSON(let m): "invalid JSON: \(m)"
        case .wrongSchema(let m): "not the decision schema: \(m)"
        case .unknownAction(let a): "unknown action \"\(a.prefix(40))\"; expected LONG, SHORT, CLOSE or HOLD"
        case .sizeOutOfRange(let m): "size out of range: \(m)"
        case .timedOut(let t): "timed out after \(t)"
        case .http(let status, let detail): "HTTP \(status)\(status == 429 ? " (rate limited)" : "") from the endpoint" + (detail.isEmpty ? "" : ": \(detail)")
        case .unreachable(let m): "endpoint unreachable: \(m)"
        case .tooLarge(let limit): "answer larger than \(limit / 1024) KiB (param maxResponseKB)"
        case .budget(let m): "budget exhausted: \(m)"
        case .credential(let m): "API key: \(m)"
        }
    }
}

/// A decision the model gave in the documented schema, sizes exact.
public struct ModelDecision: Sendable, Equatable {
    public var action: TradeAction
    public var sizePct: Fixed?
    public var stopLossPct: Fixed?
    public var takeProfitPct: Fixed?
    public var rationale: String

    public init(action: TradeAction, sizePct: Fixed? = nil, stopLossPct: Fixed? = nil, takeProfitPct: Fixed? = nil, rationale: String) {
        self.action = action
        self.sizePct = sizePct
        self.stopLossPct = stopLossPct
        self.takeProfitPct = takeProfitPct
        self.rationale = rationale
    }

    /// The strategy's decision the risk manager evaluates (its percentages are Double there; the
    /// exact values are what the record keeps).
    public var decision: Decision {
        Decision(action, sizePct: sizePct?.double, stopLossPct: stopLossPct?.double, takeProfitPct: takeProfitPct?.double,
                 rationale: "model: " + rationale)
    }

    /// The decision as the call record keeps it: `{"action":"LONG","sizePct":"25",…}`.
    public var recordText: String {
        var pairs: [(String, JSONValue)] = [("action", .string(action.rawValue))]
        if let sizePct { pairs.append(("sizePct", .number(sizePct.description))) }
        if let stopLossPct { pairs.append(("stopLossPct", .number(stopLossPct.description))) }
        if let takeProfitPct { pairs.append(("takeProfitPct", .number(takeProfitPct.description))) }
        pairs.append(("rationale", .string(rationale)))
        return JSONValue.object(pairs).text
    }

    /// Reads a record's decision back (replay).
    public init?(recordText: String) {
        guard let value = try? JSONValue.parse(recordText), case .success(let d) = ModelAnswer.decision(from: value) else { return nil }
        self = d
    }
}

/// Token counts an endpoint reported (`usage`), or estimated from the text when it reported none.
public struct TokenUsage: Sendable, Equatable {
    public var prompt: Int
    public var completion: Int
    public var estimated: Bool

    public init(prompt: Int, completion: Int, estimated: Bool = false) {
        self.prompt = prompt
        self.completion = completion
        self.estimated = estimated
    }

    public var total: Int { prompt + completion }

    /// About four bytes a token: what budgets count when the endpoint reports no usage.
    public static func estimate(prompt: String, answer: String) -> TokenUsage {
        TokenUsage(prompt: (prompt.utf8.count + 3) / 4, completion: (answer.utf8.count + 3) / 4, estimated: true)
    }
}

/// Reading a chat-completions answer: the envelope (`choices[0].message.content`, `usage`), then
/// the decision in the content. Pure; anything but a valid decision is a `HoldReason`.
public enum ModelAnswer {
    public static let fields: Set<String> = ["action", "sizePct", "stopLossPct", "takeProfitPct", "rationale"]
    public static let maxRationale = 500

    /// The content the model wrote and the token counts, from the endpoint's response body.
    public static func envelope(_ body: [UInt8]) -> Result<(content: String, usage: TokenUsage?), HoldReason> {
        let value: JSONValue
        do { value = try JSONValue.parse(body) } catch { return .failure(.invalidJSON("the endpoint's answer: \(error)")) }
        guard case .object = value else { return .failure(.wrongSchema("the endpoint's answer is \(value.typeName), not a chat completion")) }
        if let error = value["error"] {
            let message = error["message"]?.string ?? error.string ?? "an error without a message"
            return .failure(.http(status: 200, detail: String(message.prefix(200))))
        }
        guard case .array(let choices)? = value["choices"], let first = choices.first,
            let content = first["message"]?["content"]?.string
        else { return .failure(.wrongSchema("no choices[0].message.content in the endpoint's answer")) }
        var usage: TokenUsage?
        if let u = value["usage"], case .number(let p)? = u["prompt_tokens"], case .number(let c)? = u["completion_tokens"],
            let pi = Int(p), let ci = Int(c), pi >= 0, ci >= 0
        {
            usage = TokenUsage(prompt: pi, completion: ci)
        }
        return .success((content, usage))
    }

    /// The decision in a model's content: one JSON object of the documented schema, optionally
    /// inside a Markdown code fence.
    public static func decision(content: String) -> Result<ModelDecision, HoldReason> {
        let text = unfenced(content)
        guard !text.isEmpty else { return .failure(.invalidJSON("the model's answer is empty")) }
        let value: JSONValue
        do { value = try JSONValue.parse(text) } catch {
            return .failure(.invalidJSON("\(error) in the model's answer \"\(text.prefix(60))\(text.count > 60 ? "…" : "")\""))
        }
        return decision(from: value)
    }

    static func decision(from value: JSONValue) -> Result<ModelDecision, HoldReason> {
        guard case .object(let pairs) = value else { return .failure(.wrongSchema("the answer is \(value.typeName), not an object")) }
        if let extra = pairs.map { $0.0 }.first(where: { !fields.contains($0) }) {
            return .failure(.wrongSchema("unexpected field \"\(extra.prefix(40))\"; the fields are action, sizePct, stopLossPct, takeProfitPct, rationale"))
        }
        guard let actionValue = value["action"] else { return .failure(.wrongSchema("no action")) }
        guard let actionText = actionValue.string else { return .failure(.wrongSchema("action is \(actionValue.typeName), not a string")) }
        guard let action = TradeAction(rawValue: actionText) else { return .failure(.unknownAction(actionText)) }
        guard let rationaleValue = value["rationale"] else { return .failure(.wrongSchema("no rationale")) }
        guard let rationale = rationaleValue.string else { return .failure(.wrongSchema("rationale is \(rationaleValue.typeName), not a string")) }

        func percent(_ name: String, min: Fixed, inclusiveMin: Bool, max: Fixed) -> Result<Fixed?, HoldReason> {
            guard let v = value[name], v != .null else { return .success(nil) }
            guard case .number(let text) = v else { return .failure(.wrongSchema("\(name) is \(v.typeName), not a number")) }
            guard let exact = Fixed(parsing: text) else {
                return .failure(.sizeOutOfRange("\(name) \(text.prefix(30)) is not a percentage with at most 8 decimal places"))
            }
            let low = inclusiveMin ? exact < min : exact <= min
            if low || exact > max {
                return .failure(.sizeOutOfRange("\(name) \(exact) is outside \(inclusiveMin ? "" : "above ")\(min)…\(max)"))
            }
            return .success(exact)
        }
        let hundred = Fixed(units: 100 * Fixed.scale)
        let size: Fixed?, stop: Fixed?, take: Fixed?
        switch percent("sizePct", min: .zero, inclusiveMin: action == .hold, max: hundred) {
        case .failure(let r): return .failure(r)
        case .success(let v): size = v
        }
        switch percent("stopLossPct", min: .zero, inclusiveMin: false, max: hundred) {
        case .failure(let r): return .failure(r)
        case .success(let v): stop = v
        }
        switch percent("takeProfitPct", min: .zero, inclusiveMin: false, max: Fixed(units: 1000 * Fixed.scale)) {
        case .failure(let r): return .failure(r)
        case .success(let v): take = v
        }
        if (action == .long || action == .short) && size == nil {
            return .failure(.wrongSchema("\(action.rawValue) needs sizePct (% of equity, above 0 up to 100)"))
        }
        let trimmed = rationale.trimmingCharacters(in: .whitespacesAndNewlines)
        return .success(ModelDecision(action: action, sizePct: size, stopLossPct: stop, takeProfitPct: take,
                                      rationale: String(trimmed.prefix(maxRationale))))
    }

    /// The text inside a ```json … ``` fence, or the text itself, trimmed.
    static func unfenced(_ content: String) -> String {
        var text = content.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("```"), text.hasSuffix("```"), text.count >= 6 else { return text }
        text = String(text.dropFirst(3).dropLast(3))
        if let newline = text.firstIndex(of: "\n"), text[..<newline].allSatisfy({ $0.isLetter }) { text = String(text[text.index(after: newline)...]) }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
