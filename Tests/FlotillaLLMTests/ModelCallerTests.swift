import FlotillaLLM
import FlotillaSpec
import FlotillaTesting
import FlotillaTrading
import Foundation
import Testing

/// The edge, against a loopback fake chat-completions server: what each kind of answer becomes.
@Suite("A model call against a fake chat-completions server", .serialized)
struct ModelCallerTests {
    static func context() -> ModelContext {
        let c = Candle(time: 1_700_000_000, open: 100, high: 102, low: 99, close: 101, volume: 5)
        return ModelContext(candle: c, market: LLMStrategy().market(after: c), position: .zero, entryPrice: nil, unrealizedPnL: .zero,
                            realizedPnL: .zero, equity: 1000, cash: 1000, dailyLossPct: 0, dailyLossLimitPct: 5, maxPositionPct: 25)
    }

    static func caller(_ endpoint: String, timeout: TimeSpan = .seconds(5), apiKey: String? = nil, params: [String: Decimal] = [:],
                       environment: [String: String] = [:], budgets: CallBudgets = CallBudgets()) -> ModelCaller {
        ModelCaller(bot: "b", symbol: "ETH-BTC", interval: "5m",
                    spec: LLMStrategySpec(endpoint: endpoint, model: "fake", prompt: PromptTemplates.defaultText, template: "default", timeout: timeout,
                                          apiKey: apiKey),
                    params: params, transport: ChatCompletionsClient(), budgets: budgets, environment: { environment })
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var answer: FakeChatCompletions.Answer
        var action: TradeAction
        var hold: String?
        var says: String?
        var description: String { name }
    }

    static let cases: [Case] = [
        .init(name: "valid", answer: .decision(#"{"action":"LONG","sizePct":25,"rationale":"up"}"#), action: .long),
        .init(name: "invalid JSON", answer: .invalidJSON, action: .hold, hold: "invalid_json", says: "invalid JSON"),
        .init(name: "wrong schema", answer: .wrongSchema, action: .hold, hold: "wrong_schema", says: "unexpected field"),
        .init(name: "unknown action", answer: .decision(#"{"action":"YOLO","sizePct":25,"rationale":"x"}"#), action: .hold, hold: "unknown_action"),
        .init(name: "size out of range", answer: .decision(#"{"action":"LONG","sizePct":250,"rationale":"x"}"#), action: .hold,
              hold: "size_out_of_range"),
        .init(name: "429", answer: .rateLimited, action: .hold, hold: "http_error", says: "HTTP 429 (rate limited) from the endpoint: Rate limit reached"),
        .init(name: "500", answer: .serverError, action: .hold, hold: "http_error", says: "HTTP 500"),
        .init(name: "slow", answer: .slow(.seconds(30), .decision(#"{"action":"LONG","sizePct":25,"rationale":"late"}"#)), action: .hold,
              hold: "timeout", says: "timed out after 300ms"),
        .init(name: "not a chat completion", answer: .raw(status: 200, body: #"{"object":"list","data":[]}"#), action: .hold, hold: "wrong_schema"),
    ]

    @Test("each kind of answer becomes the decision or a HOLD with its reason", arguments: cases)
    func answers(_ c: Case) async throws {
        let fake = try await FakeChatCompletions.start([c.answer])
        defer { Task { await fake.shutdown() } }
        let call = await Self.caller(fake.endpoint, timeout: TimeSpan(milliseconds: 300)).ask(Self.context(), nowMs: 0)
        #expect(call.strategyDecision.action == c.action)
        #expect(call.hold?.kind == c.hold, "\(call.hold?.description ?? "no hold")")
        if let says = c.says { #expect(call.hold?.description.contains(says) == true, "\(call.hold?.description ?? "")") }
        #expect(call.prompt.contains("ETH-BTC"))
        #expect(fake.requests.count == 1)
        #expect(fake.requests.first?.path == "/v1/chat/completions")
        if c.hold == "timeout" { #expect(call.latencyMs < 30_000, "the late answer was not waited for") }
    }

    @Test("an answer over maxResponseKB is HOLD, not read")
    func tooLarge() async throws {
        let big = String(repeating: "x", count: 4096)
        let fake = try await FakeChatCompletions.start([.decision(#"{"action":"HOLD","rationale":"\#(big)"}"#)])
        defer { Task { await fake.shutdown() } }
        let call = await Self.caller(fake.endpoint, params: ["maxResponseKB": 1]).ask(Self.context(), nowMs: 0)
        #expect(call.hold?.kind == "too_large")
    }

    @Test("nothing listening is HOLD: endpoint unreachable")
    func unreachable() async throws {
        let fake = try await FakeChatCompletions.start([.hold])
        let endpoint = fake.endpoint
        await fake.shutdown()
        let call = await Self.caller(endpoint, timeout: .seconds(1)).ask(Self.context(), nowMs: 0)
        #expect(call.hold?.kind == "unreachable" || call.hold?.kind == "timeout")
    }

    @Test("the key goes in the Authorization header only; an unset variable is HOLD without a call")
    func apiKey() async throws {
        let fake = try await FakeChatCompletions.start([.hold])
        defer { Task { await fake.shutdown() } }
        let secret = "sk-planted-\(UUID().uuidString)"
        let call = await Self.caller(fake.endpoint, apiKey: "env:FLOTILLA_TEST_KEY", environment: ["FLOTILLA_TEST_KEY": secret]).ask(Self.context(), nowMs: 0)
        #expect(call.hold == nil)
        #expect(fake.requests.first?.authorization == "Bearer \(secret)")
        #expect(fake.requests.first?.body.contains(secret) == false)
        #expect(!call.prompt.contains(secret) && !(call.rawAnswer ?? "").contains(secret))

        let unset = await Self.caller(fake.endpoint, apiKey: "env:FLOTILLA_TEST_KEY").ask(Self.context(), nowMs: 0)
        #expect(unset.hold?.kind == "credential")
        #expect(unset.hold?.description.contains("FLOTILLA_TEST_KEY is not set") == true)
        #expect(fake.requests.count == 1, "no call without the key")
    }

    @Test("a spent budget is HOLD without a call")
    func budget() async throws {
        let fake = try await FakeChatCompletions.start([.hold])
        defer { Task { await fake.shutdown() } }
        let caller = Self.caller(fake.endpoint, params: ["maxCallsPerHour": 1])
        _ = await caller.ask(Self.context(), nowMs: 0)
        let second = await caller.ask(Self.context(), nowMs: 1)
        #expect(second.hold?.kind == "budget")
        #expect(fake.requests.count == 1)
    }
}
