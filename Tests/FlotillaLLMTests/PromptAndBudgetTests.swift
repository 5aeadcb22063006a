import FlotillaLLM
import FlotillaSpec
import FlotillaTrading
import Foundation
import Testing

@Suite("Prompts are rendered from the market state, budgets bound the calls")
struct PromptAndBudgetTests {
    static func candle(_ i: Int, close: Int) -> Candle {
        Candle(time: 1_700_000_000 + Int64(i) * 3600, open: Fixed(close - 1), high: Fixed(close + 2), low: Fixed(close - 2), close: Fixed(close), volume: 10)
    }

    static func context(after candles: Int) -> ModelContext {
        var strategy = LLMStrategy(window: 3)
        for i in 0..<(candles - 1) { _ = strategy.decide(candle(i, close: 100 + i), position: PositionView()) }
        let last = candle(candles - 1, close: 100 + candles - 1)
        return ModelContext(candle: last, market: strategy.market(after: last), position: Fixed(parsing: "0.5")!, entryPrice: Fixed(100),
                            unrealizedPnL: Fixed(parsing: "12.5")!, realizedPnL: .zero, equity: Fixed(1000), cash: Fixed(900),
                            dailyLossPct: 1.25, dailyLossLimitPct: 5, maxPositionPct: 50)
    }

    @Test("every variable of the template is filled in; money exactly, indicators once warmed up")
    func rendering() {
        let renderer = PromptRenderer(bot: "llm-canary", symbol: "BTC-USDT", interval: "1h")
        let text = renderer.render("{{bot}} {{symbol}} {{interval}} close={{close}} pos={{ position }} entry={{entryPrice}} "
                                   + "upnl={{unrealizedPnL}} headroom={{riskHeadroomPct}} rsi={{rsi14}} ema26={{ema26}}\n{{candles}}", Self.context(after: 40))
        #expect(text.hasPrefix("llm-canary BTC-USDT 1h close=139 pos=0.5 entry=100 upnl=12.5 headroom=3.75 rsi=100 ema26="))
        #expect(!text.contains("ema26=n/a"))
        #expect(text.split(separator: "\n").count == 4, "the last 3 candles, one a line")
        #expect(text.hasSuffix("2023-11-16T13:13:20Z 138 141 137 139 10"))
    }

    @Test("an indicator still warming up prints n/a")
    func warmingUp() {
        let text = PromptRenderer(bot: "b", symbol: "s", interval: "1h").render("{{ema26}} {{macd}} {{cipherATrend}}", Self.context(after: 2))
        #expect(text == "n/a n/a 0")
    }

    @Test("the built-in templates use only documented variables, and the default uses the whole indicator set")
    func builtIns() {
        for name in PromptTemplates.names { #expect(PromptVariable.unknown(in: PromptTemplates.text(name)!) == []) }
        let used = Set(PromptVariable.references(in: PromptTemplates.defaultText))
        for v in [PromptVariable.ema12, .rsi14, .macd, .bbUpper, .vwap, .cipherBWave1, .cipherATrend, .riskHeadroomPct, .decisionSchema] {
            #expect(used.contains(v.rawValue))
        }
        #expect(PromptVariable.unknown(in: "{{close}} {{clsoe}} {{ rsi }}") == ["clsoe", "rsi"])
    }

    @Test("the request carries the model, the prompt, temperature and max_tokens")
    func requestBody() throws {
        let body = ChatCompletionsRequest.body(model: "gpt-4o-mini", prompt: "say \"hi\"\n", temperature: Decimal(string: "0.2")!, maxTokens: 300)
        let value = try JSONValue.parse(body)
        #expect(value["model"]?.string == "gpt-4o-mini")
        #expect(value["temperature"] == .number("0.2"))
        #expect(value["max_tokens"] == .number("300"))
        guard case .array(let messages)? = value["messages"] else { Issue.record("no messages"); return }
        #expect(messages.first?["content"]?.string == "say \"hi\"\n")
    }

    @Test("calls per hour per bot: the next call in the hour is refused, the hour after it is not")
    func botBudget() {
        let budgets = CallBudgets()
        func admit(_ at: Int64) -> String? {
            budgets.admit(bot: "a", maxCallsPerHour: 2, endpoint: "https://x", endpointMaxCallsPerHour: 100, dailyTokens: 0, nowMs: at)
        }
        #expect(admit(0) == nil)
        #expect(admit(1000) == nil)
        #expect(admit(2000)?.contains("maxCallsPerHour: 2") == true)
        #expect(admit(3_600_001) == nil, "the first call left the window")
    }

    @Test("calls per hour per endpoint count every bot, the smallest limit named wins")
    func endpointBudget() {
        let budgets = CallBudgets()
        #expect(budgets.admit(bot: "a", maxCallsPerHour: 10, endpoint: "https://x", endpointMaxCallsPerHour: 2, dailyTokens: 0, nowMs: 0) == nil)
        #expect(budgets.admit(bot: "b", maxCallsPerHour: 10, endpoint: "https://x", endpointMaxCallsPerHour: 50, dailyTokens: 0, nowMs: 1) == nil)
        #expect(budgets.admit(bot: "c", maxCallsPerHour: 10, endpoint: "https://x", endpointMaxCallsPerHour: 50, dailyTokens: 0, nowMs: 2)?
            .contains("https://x") == true)
        #expect(budgets.admit(bot: "c", maxCallsPerHour: 10, endpoint: "https://y", endpointMaxCallsPerHour: 50, dailyTokens: 0, nowMs: 3) == nil)
    }

    @Test("tokens per UTC day: once spent, calls are refused until the next day")
    func tokenBudget() {
        let budgets = CallBudgets()
        func admit(_ at: Int64) -> String? {
            budgets.admit(bot: "a", maxCallsPerHour: 1000, endpoint: "e", endpointMaxCallsPerHour: 1000, dailyTokens: 1000, nowMs: at)
        }
        #expect(admit(10) == nil)
        budgets.spend(bot: "a", tokens: 1200, nowMs: 10)
        #expect(admit(20)?.contains("1200 of 1000 tokens") == true)
        #expect(admit(86_400_000 + 5) == nil)
        #expect(budgets.tokensToday(bot: "a", nowMs: 86_400_000 + 5) == 0)
    }
}
