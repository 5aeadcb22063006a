import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

@Suite("kind: llm specs")
struct LLMSpecTests {
    func bot(_ params: String) -> String {
        Fixtures.botYAML(["strategy: { kind: ma_crossover, params: { fast: 10, slow: 30 } }": "strategy: { kind: llm, params: { \(params) } }"])
    }

    func problems(_ params: String) -> [String] {
        SpecLoader.diagnose(bytes: Array(bot(params).utf8), file: "bots.d/x.yaml", kind: .bot).map(\.description)
    }

    @Test("a valid llm bot resolves with its text parameters and the numeric ones' defaults")
    func valid() throws {
        let resolved = try #require(try Fixtures.resolve(bot("endpoint: https://api.openai.com/v1, model: gpt-4o-mini, apiKey: env:OPENAI_API_KEY, timeout: 15s")).first)
        let llm = try #require(resolved.strategy.llm)
        #expect(resolved.strategy.kind == .llm)
        #expect(llm.chatCompletionsURL == "https://api.openai.com/v1/chat/completions")
        #expect(llm.endpointKey == "https://api.openai.com")
        #expect(llm.template == "default" && llm.prompt == PromptTemplates.defaultText)
        #expect(llm.timeout == .seconds(15) && llm.apiKey == "env:OPENAI_API_KEY")
        #expect(resolved.strategy.params["maxCallsPerHour"] == 60 && resolved.strategy.params["temperature"] == 0)
    }

    @Test("a changed prompt is a new revision; the prompt is shown by digest, the key by its reference")
    func revisions() throws {
        let a = try #require(try Fixtures.resolve(bot("endpoint: https://x.test/v1, model: m, prompt: \"{{close}} then?\"")).first)
        let b = try #require(try Fixtures.resolve(bot("endpoint: https://x.test/v1, model: m, prompt: \"{{close}} now?\"")).first)
        #expect(a.revisionHash != b.revisionHash)
        let fields = a.fields.map { "\($0.path)=\($0.value)" }
        #expect(fields.contains { $0.hasPrefix("spec.strategy.params.prompt=sha256:") })
        let rule = try #require(try Fixtures.resolve(Fixtures.botYAML()).first)
        #expect(!rule.fields.contains { $0.path.hasPrefix("spec.strategy.params.endpoint") }, "other kinds' fields are unchanged")
    }

    @Test("the endpoint a key may travel to: https, or http to this machine only", arguments: [
        ("https://api.openai.com/v1", true), ("http://127.0.0.1:11434/v1", true), ("http://localhost:8080", true), ("http://[::1]:8080/v1", true),
        ("http://10.0.0.5:8000/v1", false), ("http://llm.internal/v1", false), ("ftp://x/v1", false), ("not a url", false),
        ("https://user:pw@api.example.com/v1", false), ("http://127.0.0.1.evil.com/v1", false),
    ])
    func endpoints(_ url: String, _ ok: Bool) {
        #expect((LLMStrategySpec.endpointProblem(url) == nil) == ok, "\(url): \(LLMStrategySpec.endpointProblem(url) ?? "ok")")
    }

    @Test("bad llm params are refused at file:line:col with what to do", arguments: [
        ("endpoint: http://10.1.2.3/v1, model: m", "spec.strategy.params.endpoint: plain http:// is only allowed to a loopback host"),
        ("endpoint: https://x.test/v1, model: m, apiKey: sk-live-0123456789", "spec.strategy.params.apiKey: credential reference: a credential is a reference"),
        ("endpoint: https://x.test/v1, model: m, apiKey: file:keys/openai", "file: takes an absolute path"),
        ("endpoint: https://x.test/v1, model: m, prompt: \"{{clsoe}} and {{rsi}}\"", #"unknown variable {{clsoe}} (did you mean "close"?) (and 1 more)"#),
        ("endpoint: https://x.test/v1, model: m, promptTemplate: fancy", "unknown template \"fancy\""),
        ("endpoint: https://x.test/v1, model: m, timeout: 20m", "spec.strategy.params.timeout"),
        ("endpoint: https://x.test/v1, model: m, maxCallsPerHour: 0", "spec.strategy.params.maxCallsPerHour"),
        ("endpoint: https://x.test/v1, model: m, fast: 3", "unknown field \"fast\""),
        ("model: m", "spec.strategy.params.endpoint: is required"),
    ])
    func refused(_ params: String, _ says: String) {
        let lines = problems(params)
        #expect(lines.contains { $0.contains(says) && $0.hasPrefix("bots.d/x.yaml:") }, "\(lines)")
    }

    @Test("a pasted key is never echoed back")
    func pastedKeyNotEchoed() {
        let key = "sk-live-\(UUID().uuidString)"
        let lines = problems("endpoint: https://x.test/v1, model: m, apiKey: \(key)")
        #expect(!lines.isEmpty && lines.allSatisfy { !$0.contains(key) })
    }
}
