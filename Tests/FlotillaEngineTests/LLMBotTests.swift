import FlotillaEngine
import FlotillaLLM
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Testing

/// A bot whose strategy is `kind: llm` on `endpoint`, otherwise `Fixtures.botYAML`.
func llmBotYAML(name: String = "test-bot", endpoint: String, timeout: String = "2s", extra: String = "", deploy: String? = nil) -> String {
    var replacements = [
        "strategy: { kind: ma_crossover, params: { fast: 10, slow: 30 } }":
            "strategy: { kind: llm, params: { endpoint: \"\(endpoint)\", model: fake, timeout: \(timeout), candles: 5\(extra) } }",
    ]
    if let deploy { replacements["    strategy: canary\n    canary:\n      steps: [ { setCapital: 10% }, { pause: 30m }, { analysis: default } ]\n"] = deploy }
    return Fixtures.botYAML(name: name, replacements)
}

/// Ticks the fleet (fleet time 500 ms a step: a 5m candle at 600×) until `done`, letting model
/// calls finish between ticks; at most `steps` ticks.
func tickUntil(_ h: FleetHarness, from start: Int64, steps: Int = 400, _ done: () throws -> Bool) async throws -> Int64 {
    var now = start
    for _ in 0..<steps {
        if try done() { return now }
        now += 500
        try await h.fleet.tick(nowMs: now)
        try await Task.sleep(for: .milliseconds(15))
    }
    return now
}

@Suite("llm bots: decisions from a model, through the risk manager, recorded and replayed", .serialized)
struct LLMBotTests {
    @Test("the model's decisions are acted on through the risk manager, and every call is recorded")
    func decisionsThroughRisk() async throws {
        let fake = try await FakeChatCompletions.start([
            .decision(#"{"action":"LONG","sizePct":90,"rationale":"strong trend"}"#),  // the risk manager cuts it to maxPositionPct 25
            .hold, .hold,
            .decision(#"{"action":"CLOSE","sizePct":100,"rationale":"take profit"}"#),
            .hold,
        ])
        defer { Task { await fake.shutdown() } }
        let h = try FleetHarness()
        try h.apply(llmBotYAML(endpoint: fake.endpoint))
        try await h.fleet.reconcile(nowMs: 1_000)
        _ = try await tickUntil(h, from: 1_000) { try h.store.modelCalls(bot: "test-bot").count >= 6 }
        let calls = try h.store.modelCalls(bot: "test-bot")
        #expect(calls.count >= 6)
        #expect(calls[0].action == "LONG" && calls[0].decision?.contains(#""sizePct":90"#) == true)
        #expect(calls[0].prompt.contains("ETH-BTC") && calls[0].prompt.contains("Answer with JSON only"))
        #expect(calls[0].promptTokens == 120 && calls[0].completionTokens == 30)
        #expect(calls[3].action == "CLOSE")
        #expect(Set(calls.map(\.revision)) == [1])
        #expect(Array(calls.map(\.candleTime)) == calls.map(\.candleTime).sorted(), "one call a candle, in order")
        #expect(fake.requests.allSatisfy { $0.authorization == nil }, "no key named, none sent")
        let instance = try #require(try h.instances().first)
        let metrics = try h.metrics(instance)
        #expect(metrics.buys == 1 && metrics.sells == 1, "entered once, closed once")
        #expect(metrics.model?.calls ?? 0 >= 5, "the candles decided on so far")
        #expect(metrics.model?.tokens ?? 0 >= 5 * 150)
    }

    @Test("a decision the risk manager refuses stays refused: a SHORT on a long-only bot never shorts")
    func riskStillApplies() async throws {
        let fake = try await FakeChatCompletions.start([.decision(#"{"action":"SHORT","sizePct":50,"rationale":"down"}"#)])
        defer { Task { await fake.shutdown() } }
        let h = try FleetHarness()
        try h.apply(llmBotYAML(endpoint: fake.endpoint))
        try await h.fleet.reconcile(nowMs: 1_000)
        _ = try await tickUntil(h, from: 1_000) { try h.store.modelCalls(bot: "test-bot").count >= 4 }
        let metrics = try h.metrics(try #require(try h.instances().first))
        #expect(metrics.sells == 0 && metrics.position == .zero, "long-only: a SHORT signal is never a short")
    }

    @Test("a slow endpoint holds back only its own bot: the other bot's candles go on")
    func slowEndpointIsolated() async throws {
        let slow = try await FakeChatCompletions.start([.slow(.seconds(900), .hold)])
        let fast = try await FakeChatCompletions.start([.hold])
        defer { Task { await slow.shutdown(); await fast.shutdown() } }
        let h = try FleetHarness()
        try h.apply(llmBotYAML(name: "slow-bot", endpoint: slow.endpoint, timeout: "10m"))
        try h.apply(llmBotYAML(name: "fast-bot", endpoint: fast.endpoint))
        try await h.fleet.reconcile(nowMs: 1_000)
        _ = try await tickUntil(h, from: 1_000, steps: 200) { try h.store.modelCalls(bot: "fast-bot").count >= 20 }
        #expect(try h.store.modelCalls(bot: "fast-bot").count >= 20)
        #expect(try h.store.modelCalls(bot: "slow-bot").isEmpty, "its first call is still waiting")
        let slowBot = try #require(try h.instances().first { $0.bot == "slow-bot" })
        #expect(slowBot.candlesSeen == 0)
    }

    @Test("over its calls per hour the bot HOLDs, with an event; the record says why")
    func budgetHolds() async throws {
        let fake = try await FakeChatCompletions.start([.hold])
        defer { Task { await fake.shutdown() } }
        let h = try FleetHarness()
        try h.apply(llmBotYAML(endpoint: fake.endpoint, extra: ", maxCallsPerHour: 3"))
        try await h.fleet.reconcile(nowMs: 1_000)
        _ = try await tickUntil(h, from: 1_000) { try h.store.modelCalls(bot: "test-bot").count >= 5 }
        let calls = try h.store.modelCalls(bot: "test-bot")
        #expect(calls.prefix(3).allSatisfy { $0.holdKind == nil })
        #expect(calls.dropFirst(3).allSatisfy { $0.holdKind == "budget" && $0.holdReason?.contains("maxCallsPerHour: 3") == true })
        #expect(fake.requests.count == 3, "a refused call is not made")
        #expect(try h.store.events(bot: "test-bot").contains { $0.kind == "ModelBudgetExhausted" })
    }

    @Test("replaying the recorded decisions gives exactly the trades the bot made")
    func replayIdenticalTrades() async throws {
        let fake = try await FakeChatCompletions.start([
            .decision(#"{"action":"LONG","sizePct":20,"stopLossPct":1.5,"rationale":"a"}"#), .hold, .hold,
            .decision(#"{"action":"CLOSE","sizePct":50,"rationale":"half"}"#), .invalidJSON, .rateLimited,
            .decision(#"{"action":"CLOSE","rationale":"rest"}"#), .hold,
            .decision(#"{"action":"LONG","sizePct":10,"takeProfitPct":0.5,"rationale":"b"}"#), .serverError, .wrongSchema, .hold,
        ])
        defer { Task { await fake.shutdown() } }
        let h = try FleetHarness()
        try h.apply(llmBotYAML(endpoint: fake.endpoint))
        try await h.fleet.reconcile(nowMs: 1_000)
        _ = try await tickUntil(h, from: 1_000) { try h.store.modelCalls(bot: "test-bot").count >= 30 }
        // Stop asking: the instance's state as of the candles it decided on.
        let instance = try #require(try h.instances().first)
        let live = try h.metrics(instance)
        let records = try h.store.modelCalls(bot: "test-bot")
        #expect(live.buys >= 2 && live.sells >= 2, "the run traded: two entries, two closes")
        #expect(Set(records.compactMap(\.holdKind)).isSuperset(of: ["invalid_json", "http_error", "wrong_schema"]))

        let bot = try #require(try Fixtures.resolve(llmBotYAML(endpoint: fake.endpoint)).first)
        let all = try CandleCSV.read(path: try #require(BundledData.path("ETH_BTC-5m.csv")))
        let candles = Array(all.prefix(instance.candlesSeen))
        let venue = PaperVenue(cash: 1000, rules: VenueRules(lotSize: Fixed(units: 1), tickSize: Fixed(units: 1), makerFee: TradingBridge.defaultFee,
                                                            takerFee: TradingBridge.defaultFee, allowShort: false))
        let (decisions, _) = try ModelBacktest.recorded(h.store, bot: "test-bot", revision: nil, symbol: "ETH-BTC")
        let replay = try TradingBridge.backtest(bot, candles: candles, venue: venue, recorded: decisions)
        #expect(replay.openPosition == live.position)
        #expect(replay.finalEquity == live.equity)
        let again = try TradingBridge.backtest(bot, candles: candles, venue: venue, recorded: decisions)
        #expect(again.finalEquity == replay.finalEquity && again.trades.count == replay.trades.count, "a replay is deterministic")
        let coverage = ModelBacktest.coverage(candles: candles, records: records)
        #expect(coverage.missing == candles.count - coverage.recorded)
    }

    @Test("a restarted instance takes the recorded decision for a candle instead of asking again")
    func restartReusesRecord() async throws {
        let fake = try await FakeChatCompletions.start([.hold])
        defer { Task { await fake.shutdown() } }
        let h = try FleetHarness()
        try h.apply(llmBotYAML(endpoint: fake.endpoint))
        let spec = try #require(try Fixtures.resolve(llmBotYAML(endpoint: fake.endpoint)).first)
        let candles = try CandleCSV.read(path: try #require(BundledData.path("ETH_BTC-5m.csv")))
        // A record for the first candle, as an earlier incarnation left it.
        try h.store.recordModelCall(ModelCallRecord(
            bot: "test-bot", revision: 1, symbol: "ETH-BTC", candleTime: candles[0].time, instance: "test-bot/r1/ETH-BTC#0", calledAt: 0,
            prompt: "p", rawAnswer: nil, action: "LONG", decision: #"{"action":"LONG","sizePct":10,"rationale":"recorded"}"#,
            holdKind: nil, holdReason: nil, latencyMs: 5, promptTokens: 1, completionTokens: 1, tokensEstimated: false))
        _ = spec
        try await h.fleet.reconcile(nowMs: 1_000)
        _ = try await tickUntil(h, from: 1_000) { try h.store.modelCalls(bot: "test-bot").count >= 3 }
        let calls = try h.store.modelCalls(bot: "test-bot")
        #expect(calls[0].instance == "test-bot/r1/ETH-BTC#0", "the earlier record stands")
        // (The fake may already hold a request whose record is not written yet: count records, not requests.)
        #expect(calls.filter { $0.candleTime == candles[0].time }.count == 1, "the recorded candle was not asked again")
        #expect(try h.metrics(try #require(try h.instances().first)).model?.reused == 1)
    }
}

@Suite("The llm-canary example rolls out against a rule-based stable", .serialized)
struct LLMCanaryExampleTests {
    static func example(endpoint: String) throws -> String {
        let text = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("examples/bots.d/llm-canary.yaml"), encoding: .utf8)
        return text.replacingOccurrences(of: "http://127.0.0.1:11434/v1", with: endpoint).replacingOccurrences(of: "speed: 1 }", with: "speed: 600 }")
    }

    @Test("the llm revision starts as a 10 % canary beside the rule-based stable, asks only for its own candles, and is promoted")
    func canary() async throws {
        let fake = try await FakeChatCompletions.start([
            .decision(#"{"action":"LONG","sizePct":50,"rationale":"canary entry"}"#), .hold, .serverError, .hold,
            .decision(#"{"action":"CLOSE","rationale":"out"}"#), .hold,
        ])
        defer { Task { await fake.shutdown() } }
        let llm = try Self.example(endpoint: fake.endpoint)
        #expect(llm.contains("kind: llm"))
        let start = try #require(llm.range(of: "  strategy:\n    kind: llm\n")).lowerBound
        let end = try #require(llm.range(of: "  capital:")).lowerBound
        let stable = llm.replacingCharacters(in: start..<end, with: "  strategy: { kind: ma_crossover, params: { fast: 10, slow: 30 } }\n")
        #expect(stable.contains("ma_crossover") && !stable.contains("    kind: llm"))

        let h = try FleetHarness()
        try h.apply(stable)
        try await h.fleet.reconcile(nowMs: 1_000)
        #expect(try h.instances().map(\.revision) == [1])
        try h.apply(llm)
        try await h.fleet.reconcile(nowMs: 2_000)
        let split = try h.instances()
        #expect(split.map(\.revision).sorted() == [1, 2])
        #expect(split.first { $0.revision == 2 }?.capitalPct == "10")
        #expect(try RolloutStatus.load(bot: "llm-canary", store: h.store)?.candidate == 2)

        let now = try await tickUntil(h, from: 2_000) { try h.store.modelCalls(bot: "llm-canary").count >= 8 }
        let calls = try h.store.modelCalls(bot: "llm-canary")
        #expect(calls.count >= 8)
        #expect(Set(calls.map(\.revision)) == [2], "only the llm revision asks the model")
        #expect(calls.contains { $0.holdKind == "http_error" })
        let canary = try #require(try h.instances().first { $0.revision == 2 })
        #expect(try h.metrics(canary).buys >= 1, "the canary traded on the model's decision")
        #expect(try h.metrics(canary).model?.holds["http_error"] == 1)

        try h.store.sendCommand(bot: "llm-canary", .promoteFull)
        try await h.fleet.reconcile(nowMs: now + 1_000)
        let after = try h.instances()
        #expect(after.map(\.revision) == [2])
        #expect(after.first?.capitalPct == "100")
        #expect(try RolloutStatus.load(bot: "llm-canary", store: h.store)?.phase == .completed)
        let ledger = try #require(try Fleet.capitalLedger(bot: "llm-canary", store: h.store))
        #expect(ledger.accounted == ledger.capital, "nothing lost, nothing doubled")
    }
}
