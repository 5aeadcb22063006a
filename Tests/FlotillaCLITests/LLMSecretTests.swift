import FlotillaCLI
import FlotillaEngine
import FlotillaStore
import FlotillaTesting
import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing

/// Every log line, kept (to grep them for a planted secret).
struct CollectingLogHandler: LogHandler {
    let lines: NIOLockedValueBox<[String]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.withLockedValue { $0.append("\(event.level) \(event.message) \(self.metadata.merging(event.metadata ?? [:]) { $1 })") }
    }
}

@Suite("An llm bot's API key never leaves its reference", .serialized)
struct LLMSecretTests {
    @Test("a planted key is sent to the endpoint and found nowhere else: plan, apply, store rows, events, logs, views, backtest")
    func plantedSecret() async throws {
        let secret = "sk-planted-\(UUID().uuidString)"
        let p = try Project()
        let keyFile = p.dir.appendingPathComponent("openai.key")
        try (secret + "\n").write(to: keyFile, atomically: true, encoding: .utf8)
        let fake = try await FakeChatCompletions.start([
            .decision(#"{"action":"LONG","sizePct":20,"rationale":"up"}"#), .hold, .rateLimited, .invalidJSON,
            .raw(status: 401, body: #"{"error":{"message":"Incorrect API key provided: \#(secret)"}}"#), .hold,
        ])
        defer { Task { await fake.shutdown() } }
        let yaml = Fixtures.botYAML(name: "llm-secret", [
            "strategy: { kind: ma_crossover, params: { fast: 10, slow: 30 } }":
                "strategy: { kind: llm, params: { endpoint: \"\(fake.endpoint)\", model: fake, timeout: 2s, apiKey: \"file:\(keyFile.path)\" } }",
        ])
        try p.write("bots.d/llm-secret.yaml", yaml)
        var outputs: [String] = []
        for args in [["validate"], ["plan"], ["apply", "--auto-approve"]] {
            let r = await p.run(args)
            #expect(r.code == 0, "\(args): \(r.err)")
            outputs += [r.out, r.err]
        }

        let store = try StateStore(path: p.statePath)
        let lines = NIOLockedValueBox<[String]>([])
        let fleet = Fleet(store: store, dataDirectory: p.dir.path, logger: Logger(label: "t") { _ in CollectingLogHandler(lines: lines) })
        try await fleet.reconcile(nowMs: 1_000)
        var now: Int64 = 1_000
        for _ in 0..<300 where try store.modelCalls(bot: "llm-secret").count < 6 {
            now += 500
            try await fleet.tick(nowMs: now)
            try await Task.sleep(for: .milliseconds(15))
        }
        let calls = try store.modelCalls(bot: "llm-secret")
        #expect(calls.count >= 6)
        #expect(fake.requests.allSatisfy { $0.authorization == "Bearer \(secret)" }, "the key is sent, as a bearer token")
        #expect(calls.contains { $0.holdKind == "http_error" && $0.holdReason?.contains("‹secret›") == true }, "an error echoing the key is redacted")
        try await fleet.shutdown()

        for args in [["get", "bots", "-o", "json"], ["get", "bots", "-o", "yaml"], ["status"], ["events"],
                     ["backtest", "-f", "bots.d/llm-secret.yaml"]] {
            let r = await p.run(args)
            outputs += [r.out, r.err]
        }
        for (i, text) in outputs.enumerated() { #expect(!text.contains(secret), "CLI output \(i) holds the key: \(text.prefix(200))") }
        for call in calls {
            for field in [call.prompt, call.rawAnswer ?? "", call.decision ?? "", call.holdReason ?? ""] { #expect(!field.contains(secret)) }
        }
        for event in try store.events(bot: "llm-secret", limit: 1000) { #expect(!event.message.contains(secret)) }
        #expect(lines.withLockedValue { $0 }.allSatisfy { !$0.contains(secret) }, "no log line holds the key")
        // Every byte the store wrote: the database and its write-ahead log.
        for suffix in ["", "-wal", "-shm"] {
            let path = p.statePath + suffix
            guard let bytes = FileManager.default.contents(atPath: path) else { continue }
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(path) holds the key")
        }
    }
}
