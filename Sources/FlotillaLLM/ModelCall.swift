import FlotillaSpec
import FlotillaTrading
import FlotillaVenues
import Foundation

/// One model call as it is recorded: what was asked, what came back, what it decided (or why it
/// is HOLD), how long it took and what it cost in tokens. Keyed by (bot, revision, symbol,
/// candle time); `flotilla backtest` replays the decisions by candle.
public struct ModelCall: Sendable, Equatable {
    public var candleTime: Int64
    /// When the call started, wall ms.
    public var calledAt: Int64
    public var prompt: String
    /// The endpoint's body as text (at most maxResponseKB), nil when nothing came back.
    public var rawAnswer: String?
    public var decision: ModelDecision?
    public var hold: HoldReason?
    public var latencyMs: Int64
    public var tokens: TokenUsage

    public init(candleTime: Int64, calledAt: Int64, prompt: String, rawAnswer: String?, decision: ModelDecision?, hold: HoldReason?,
                latencyMs: Int64, tokens: TokenUsage) {
        self.candleTime = candleTime
        self.calledAt = calledAt
        self.prompt = prompt
        self.rawAnswer = rawAnswer
        self.decision = decision
        self.hold = hold
        self.latencyMs = latencyMs
        self.tokens = tokens
    }

    /// What the strategy is handed: the model's decision, or HOLD with the reason.
    public var strategyDecision: Decision {
        if let decision, hold == nil { return decision.decision }
        return Decision(.hold, rationale: "HOLD: \(hold?.description ?? "no decision")")
    }
}

/// One bot's way to its model: the spec's endpoint, model, prompt and budgets, a transport, and
/// the fleet's shared budgets. `ask` never throws and never outlives the bot's timeout.
public struct ModelCaller: Sendable {
    public let bot: String
    public let spec: LLMStrategySpec
    public let temperature: Decimal
    public let maxTokens: Int
    public let maxCallsPerHour: Int
    public let endpointMaxCallsPerHour: Int
    public let dailyTokenBudget: Int
    public let maxResponseBytes: Int
    public let renderer: PromptRenderer
    let transport: any ChatCompletionsTransport
    let budgets: CallBudgets
    let environment: @Sendable () -> [String: String]

    public init(bot: String, symbol: String, interval: String, spec: LLMStrategySpec, params: [String: Decimal],
                transport: any ChatCompletionsTransport, budgets: CallBudgets,
                environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment }) {
        func int(_ name: String, _ fallback: Int) -> Int { params[name].map { NSDecimalNumber(decimal: $0).intValue } ?? fallback }
        self.bot = bot
        self.spec = spec
        temperature = params["temperature"] ?? 0
        maxTokens = int("maxTokens", 300)
        maxCallsPerHour = int("maxCallsPerHour", 60)
        endpointMaxCallsPerHour = int("endpointMaxCallsPerHour", 3600)
        dailyTokenBudget = int("dailyTokenBudget", 200_000)
        maxResponseBytes = int("maxResponseKB", 64) * 1024
        renderer = PromptRenderer(bot: bot, symbol: symbol, interval: interval)
        self.transport = transport
        self.budgets = budgets
        self.environment = environment
    }

    /// The prompt for `context`: pure.
    public func prompt(_ context: ModelContext) -> String { renderer.render(spec.prompt, context) }

    /// Asks the model about `context`'s candle. `nowMs` is the wall clock (budgets); latency is
    /// measured on the monotonic clock.
    public func ask(_ context: ModelContext, nowMs: Int64) async -> ModelCall {
        let prompt = self.prompt(context)
        var call = ModelCall(candleTime: context.candle.time, calledAt: nowMs, prompt: prompt, rawAnswer: nil, decision: nil, hold: nil,
                             latencyMs: 0, tokens: TokenUsage(prompt: 0, completion: 0))
        if let spent = budgets.admit(bot: bot, maxCallsPerHour: maxCallsPerHour, endpoint: spec.endpointKey,
                                     endpointMaxCallsPerHour: endpointMaxCallsPerHour, dailyTokens: dailyTokenBudget, nowMs: nowMs) {
            call.hold = .budget(spent)
            return call
        }
        var key: Secret?
        if let reference = spec.apiKey {
            do { key = try SecretReference(parsing: reference).resolve(environment: environment()) } catch {
                call.hold = .credential(error.description)
                return call
            }
        }
        let body = ChatCompletionsRequest.body(model: spec.model, prompt: prompt, temperature: temperature, maxTokens: maxTokens)
        let started = ContinuousClock.now
        let reply = await transport.post(url: spec.chatCompletionsURL, body: body, apiKey: key, timeout: spec.timeout, maxBytes: maxResponseBytes)
        let elapsed = ContinuousClock.now - started
        call.latencyMs = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        switch reply {
        case .timedOut:
            call.hold = .timedOut(spec.timeout)
        case .tooLarge:
            call.hold = .tooLarge(limitBytes: maxResponseBytes)
        case .unreachable(let message):
            call.hold = .unreachable(key?.redact(message) ?? message)
        case .answered(let status, let bytes):
            let text = String(decoding: bytes, as: UTF8.self)
            call.rawAnswer = key?.redact(text) ?? text
            guard (200..<300).contains(status) else {
                let detail = ModelAnswer.errorMessage(bytes).map { key?.redact($0) ?? $0 } ?? ""
                call.hold = .http(status: status, detail: detail)
                break
            }
            switch ModelAnswer.envelope(bytes) {
            case .failure(let reason):
                call.hold = reason
                call.tokens = TokenUsage.estimate(prompt: prompt, answer: text)
            case .success(let (content, usage)):
                call.tokens = usage ?? TokenUsage.estimate(prompt: prompt, answer: content)
                switch ModelAnswer.decision(content: content) {
                case .success(let d): call.decision = d
                case .failure(let reason): call.hold = reason
                }
            }
        }
        if call.tokens.total > 0 { budgets.spend(bot: bot, tokens: call.tokens.total, nowMs: nowMs) }
        return call
    }
}

extension ModelAnswer {
    /// `error.message` of an OpenAI-style error body, at most 200 characters.
    static func errorMessage(_ body: [UInt8]) -> String? {
        guard let value = try? JSONValue.parse(body) else { return nil }
        let message = value["error"]?["message"]?.string ?? value["error"]?.string ?? value["message"]?.string
        return message.map { String($0.prefix(200)) }
    }
}
