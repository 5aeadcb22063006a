@testable import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import Foundation
import Logging
import Testing

@Suite("Alerts: which events raise one, and what alerts.yaml accepts")
struct AlertRuleTests {
    @Test("the events a person should hear about raise an alert; the rest, and a failed delivery, do not", arguments: [
        ("RolloutAborted", AlertTopic.rolloutFailed), ("RolledBack", .rolledBack), ("RolloutPaused", .waitingForPerson),
        ("AnalysisInconclusive", .waitingForPerson), ("StartFailed", .botFailed), ("CrashLoop", .crashLooping),
        ("EmergencyStop", .autoPaused), ("AutoPaused", .autoPaused), ("InvalidEdit", .invalidEdit), ("ApplyFailed", .syncFailed),
        ("GitPullFailed", .pullFailed), ("VenueUnreachable", .venueUnreachable), ("OrderUnknown", .orderUnknown),
        ("AccountShortfall", .accountShortfall), ("AccountBalanced", nil), ("RolloutCompleted", nil), ("Applied", nil), ("AlertFailed", nil), ("GitPulled", nil),
    ] as [(String, AlertTopic?)])
    func topics(kind: String, topic: AlertTopic?) {
        #expect(Alert.kinds[kind] == topic)
    }

    @Test("a retry waits the backoff, doubled each time, never past the longest; the last try has no wait after it")
    func backoff() {
        let retry = AlertRetry(attempts: 5, backoffMs: 1000, maxBackoffMs: 3000)
        #expect((1...5).map { retry.wait(after: $0) } == [1000, 2000, 3000, 3000, nil])
        #expect(AlertRetry.outcome(status: 204) == .delivered)
        #expect(AlertRetry.outcome(status: 500) == .retry("HTTP 500"))
        #expect(AlertRetry.outcome(status: 429) == .retry("HTTP 429"))
        #expect(AlertRetry.outcome(status: 404) == .refused("HTTP 404"))
    }

    @Test("the same alert within the window is sent once; after it, again; another revision is another alert")
    func dedup() {
        var dedup = AlertDedup(windowMs: 60_000)
        let a = Alert(topic: .rolloutFailed, event: "RolloutAborted", bot: "eth", revision: 2, message: "x", time: Date())
        var b = a
        b.revision = 3
        let admitted = [dedup.admit(a.key, nowMs: 0), dedup.admit(a.key, nowMs: 59_000), dedup.admit(b.key, nowMs: 59_000), dedup.admit(a.key, nowMs: 60_000)]
        #expect(admitted == [true, false, true, true])
    }

    static let header = "apiVersion: flotilla/v1\nkind: Alerts\nspec:\n  webhooks:\n"

    @Test("alerts.yaml: what is accepted, and each mistake said with its field — never echoing a URL", arguments: [
        ("    - { name: ops, url: https://alerts.example.com/flotilla }\n", nil),
        ("    - { name: ops, url: env:SLACK_WEBHOOK_URL, on: [rolloutFailed, rolledBack] }\n", nil),
        ("    - { name: local, url: \"http://127.0.0.1:9000/hook\" }\n", nil),
        ("    - { name: ops, url: \"http://alerts.example.com/hook\" }\n", "spec.webhooks[0].url: http is allowed only to this machine"),
        ("    - { name: ops, url: \"https://user:hunter2@alerts.example.com/hook\" }\n", "spec.webhooks[0].url: a URL with a user or password"),
        ("    - { name: ops, url: \"https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX\" }\n", "spec.webhooks[0].url: this URL carries a token"),
        ("    - { name: ops, url: \"https://alerts.example.com/hook?token=hunter2\" }\n", "spec.webhooks[0].url: this URL carries a token"),
        ("    - { name: ops, url: ftp://alerts.example.com/ }\n", "spec.webhooks[0].url: the scheme must be https"),
        ("    - { name: ops, url: env:lower-case }\n", "spec.webhooks[0].url: credential reference"),
        ("    - { name: ops, url: https://a.example.com/x, on: [rolloutFaild] }\n", "spec.webhooks[0].on[0]: unknown alert \"rolloutFaild\" (did you mean \"rolloutFailed\"?)"),
        ("    - { name: ops, url: https://a.example.com/x }\n    - { name: ops, url: https://b.example.com/x }\n", "spec.webhooks[1].name: duplicate webhook name"),
        ("    - { name: ops }\n", "spec.webhooks[0].url: is required"),
        ("    - { name: ops, url: https://a.example.com/x, colour: red }\n", "spec.webhooks[0].colour: unknown field"),
        ("    - { name: ops, url: https://a.example.com/x }\n  retry: { attempts: 0 }\n", "spec.retry.attempts"),
        ("    - { name: ops, url: https://a.example.com/x }\n  timeout: 5\n", "spec.timeout: expected a duration"),
    ] as [(String, String?)])
    func file(webhooks: String, problem: String?) {
        let result = AlertsFile.decode(Array((Self.header + webhooks).utf8), file: "alerts.yaml")
        switch result {
        case .success(let spec):
            #expect(problem == nil)
            #expect(!spec.webhooks.isEmpty)
        case .failure(let failure):
            let text = failure.description
            #expect(problem.map { text.contains($0) } == true, "\(text)")
            #expect(text.contains("alerts.yaml:"), "names the file and line")
            for secret in ["hunter2", "XXXXXXXXXXXXXXXXXXXXXXXX", "alerts.example.com/hook"] { #expect(!text.contains(secret)) }
        }
    }

    @Test("the committed schema is the one the loader describes")
    func schema() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let committed = try String(contentsOf: root.appendingPathComponent("schemas/alerts.schema.json"), encoding: .utf8)
        #expect(committed == JSONSchemas.alerts(), "run: swift run flotilla schema alerts > schemas/alerts.schema.json")
    }
}

@Suite("Alerts are delivered to a loopback receiver: retried, de-duplicated, never blocking", .serialized)
struct AlertDeliveryTests {
    struct Setup {
        var store: StateStore
        var file: URL

        init(_ yaml: String) throws {
            store = try StateStore.inMemory()
            let dir = try Fixtures.temporaryDirectory()
            file = AlertsFile.url(root: dir)
            try yaml.write(to: file, atomically: true, encoding: .utf8)
        }

        func sender(environment: [String: String] = [:]) -> AlertSender {
            AlertSender(store: store, file: file, logger: Logger(label: "test"), pollInterval: .milliseconds(20), environment: { environment[$0] })
        }

        func failures() throws -> [StoreEvent] { try store.events(limit: 1000).filter { $0.kind == "AlertFailed" } }
    }

    static func yaml(_ hooks: String, retry: String = "{ attempts: 3, backoff: 50ms, maxBackoff: 100ms }", timeout: String = "2s") -> String {
        "apiVersion: flotilla/v1\nkind: Alerts\nspec:\n  dedupWindow: 10m\n  timeout: \(timeout)\n  retry: \(retry)\n  webhooks:\n" + hooks
    }

    /// Runs `sender` while `body` runs.
    func running(_ sender: AlertSender, _ body: () async throws -> Void) async throws {
        let task = Task { try await sender.run() }
        defer { task.cancel() }
        try await Task.sleep(for: .milliseconds(100))
        try await body()
        task.cancel()
        _ = try? await task.value
    }

    func eventually(seconds: Int = 10, _ condition: () throws -> Bool) async throws -> Bool {
        for _ in 0..<(seconds * 50) {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try condition()
    }

    @Test("a failed rollout is POSTed as JSON with a Slack-compatible text; an event that is no alert is not sent")
    func delivers() async throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let s = try Setup(Self.yaml("    - { name: ops, url: \"\(receiver.url)\" }\n"))
        try await running(s.sender()) {
            try s.store.recordEvent(bot: "eth-trend", kind: "RolloutCompleted", revision: 2, message: "done")
            try s.store.recordEvent(bot: "eth-trend", kind: "RolloutAborted", revision: 3, message: "analysis default failed: drawdown 12% > 5%")
            #expect(try await eventually { receiver.bodies.count == 1 })
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(receiver.bodies.count == 1)
        let body = try JSONSerialization.jsonObject(with: Data(try #require(receiver.bodies.first).utf8)) as? [String: Any]
        let text = try #require(body?["text"] as? String)
        #expect(text.contains("rollout failed") && text.contains("eth-trend") && text.contains("revision 3") && text.contains("drawdown 12%"))
        #expect(body?["topic"] as? String == "rolloutFailed")
        #expect(try s.failures().isEmpty)
    }

    @Test("a receiver answering 500 is tried again after the backoff and the alert arrives; the same alert again is not resent")
    func retriesAndDedups() async throws {
        let receiver = try WebhookReceiver(answers: [.status(500), .status(503)])
        defer { receiver.stop() }
        let s = try Setup(Self.yaml("    - { name: ops, url: \"\(receiver.url)\" }\n"))
        try await running(s.sender()) {
            try s.store.recordEvent(bot: "eth-trend", kind: "CrashLoop", revision: 2, message: "restarted 5 times in 10m")
            #expect(try await eventually { receiver.bodies.count == 3 })
            // The crash loop said again (the watchdog notes it each time): one alert per window.
            try s.store.recordEvent(bot: "eth-trend", kind: "CrashLoop", revision: 2, message: "restarted 6 times in 10m")
            try await Task.sleep(for: .milliseconds(400))
        }
        #expect(receiver.bodies.count == 3, "two refusals and the delivery; the repeat within the window is not sent")
        #expect(try s.failures().isEmpty)
    }

    @Test("a receiver that hangs costs only its own alerts: the other webhook is served, the hung one's alert fails as an event")
    func hangingReceiver() async throws {
        let hanging = try WebhookReceiver(answers: [.hang, .hang])
        let healthy = try WebhookReceiver()
        defer { hanging.stop(); healthy.stop() }
        let s = try Setup(Self.yaml("    - { name: stuck, url: \"\(hanging.url)\" }\n    - { name: ops, url: \"\(healthy.url)\" }\n",
                                    retry: "{ attempts: 2, backoff: 50ms }", timeout: "300ms"))
        try await running(s.sender()) {
            try s.store.recordEvent(bot: "a", kind: "StartFailed", revision: 1, message: "no data")
            #expect(try await eventually { healthy.bodies.count == 1 })
            #expect(try s.failures().isEmpty, "the healthy webhook did not wait for the hung one")
            #expect(try await eventually { try s.failures().count == 1 })
        }
        let failure = try #require(try s.failures().first)
        #expect(failure.message.contains("webhook stuck") && failure.message.contains("after 2 tries") && failure.message.contains("no answer"))
        #expect(!failure.message.contains("127.0.0.1"), "the URL is never in an event")
    }

    @Test("a URL given by reference is read from the environment; a missing variable is a failed delivery naming it, not a crash")
    func reference() async throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let s = try Setup(Self.yaml("    - { name: ops, url: env:FLOTILLA_TEST_HOOK }\n    - { name: unset, url: env:FLOTILLA_UNSET_HOOK }\n"))
        try await running(s.sender(environment: ["FLOTILLA_TEST_HOOK": receiver.url])) {
            try s.store.recordEvent(bot: nil, kind: "GitPullFailed", message: "git pull failed: diverged")
            let both = try await eventually {
                let failed = try s.failures().count
                return receiver.bodies.count == 1 && failed == 1
            }
            #expect(both)
        }
        #expect(try s.failures().first?.message.contains("env:FLOTILLA_UNSET_HOOK is not set") == true)
    }

    @Test("an invalid edit of alerts.yaml keeps the webhooks that stood, and is itself an alert sent with them")
    func invalidAlertsFile() async throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let s = try Setup(Self.yaml("    - { name: ops, url: \"\(receiver.url)\" }\n"))
        try await running(s.sender()) {
            try "apiVersion: flotilla/v1\nkind: Alerts\nspec: { webhooks: [ { name: ops } ] }\n".write(to: s.file, atomically: true, encoding: .utf8)
            #expect(try await eventually { receiver.bodies.count == 1 })
        }
        #expect(receiver.bodies.first?.contains("invalidEdit") == true)
        #expect(try s.store.events(limit: 100).contains { $0.kind == "InvalidEdit" && $0.message.contains("spec.webhooks[0].url") })
    }
}
