import FlotillaEngine
import FlotillaPlan
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import Foundation
import Testing

/// `spec.suspend` and `spec.drift`, as the reconciler and the reports see them.
@Suite("Suspend freezes a bot's reconciliation; drift is shown, and corrected where the bot says so", .serialized)
struct SuspendDriftTests {
    static func yaml(_ extra: String, _ replacements: [String: String] = [:]) -> String {
        var all = replacements
        all["{ pause: 30m }"] = "{ pause: {} }"
        all["  profile: moderate\n"] = "  profile: moderate\n" + extra
        return Fixtures.botYAML(all)
    }

    func update(_ h: FleetHarness, _ yaml: String) throws {
        let bot = try #require(try Fixtures.resolve(yaml).first)
        let lock = try h.store.acquireApplyLock(operation: "test", timeout: 1)
        defer { try? h.store.releaseApplyLock(lock) }
        _ = try h.store.apply([.update(bot)], expectedSerial: try h.store.stateSerial(), lock: lock)
    }

    @Test("suspend: a new revision takes no rollout step while suspended, the bot keeps running; lifted, the rollout starts")
    func suspend() async throws {
        let h = try FleetHarness()
        try h.apply(Self.yaml(""))
        try await h.fleet.reconcile(nowMs: 1_000)
        #expect(try h.instances().map(\.revision) == [1])

        try h.apply(Self.yaml("  suspend: true\n", ["fast: 10": "fast: 12"]))
        try await h.fleet.reconcile(nowMs: 2_000)
        try await h.fleet.reconcile(nowMs: 3_000)
        let frozen = try h.instances()
        #expect(frozen.map(\.revision) == [1], "no canary while suspended")
        #expect(frozen.map(\.phase) == [.running], "not stopped")
        #expect(try !h.store.events(bot: "test-bot").contains { $0.kind == "RolloutStarted" && $0.revision == 2 })

        try update(h, Self.yaml("", ["fast: 10": "fast: 12"]))
        try await h.fleet.reconcile(nowMs: 4_000)
        #expect(try h.instances().map(\.revision).sorted() == [1, 2], "lifted: the canary starts")
    }

    @Test("a pause made outside the files is drift: reported, corrected, or left alone while suspended", arguments: [
        ("", BotControl.paused, false),
        ("  drift: report\n", .paused, false),
        ("  drift: correct\n", .running, true),
        ("  drift: correct\n  suspend: true\n", .paused, false),
    ])
    func drift(extra: String, after: BotControl, corrected: Bool) async throws {
        let h = try FleetHarness()
        try h.apply(Self.yaml(extra))
        try await h.fleet.reconcile(nowMs: 1_000)
        try h.store.setBotControl(bot: "test-bot", to: .paused)
        let spec = try #require(try Fixtures.resolve(Self.yaml(extra)).first)
        let report = try DriftReport.read([spec], store: h.store)
        #expect(report.drifted.map(\.bot) == ["test-bot"])
        #expect(report.text.contains("test-bot: paused (the files say running)"))
        try await h.fleet.reconcile(nowMs: 2_000)
        #expect(try h.store.botControls()["test-bot"] ?? .running == after)
        #expect(try h.store.events(bot: "test-bot").contains { $0.kind == "DriftCorrected" } == corrected)
        if corrected { #expect(try DriftReport.read([spec], store: h.store).drifted.isEmpty) }
    }

    @Test("the report names the policy and says what ends the drift; suspended bots are listed on their own")
    func reportText() throws {
        let specs = [
            try #require(try Fixtures.resolve(Self.yaml("", ["name: test-bot": "name: a"])).first),
            try #require(try Fixtures.resolve(Self.yaml("  drift: correct\n", ["name: test-bot": "name: b"])).first),
            try #require(try Fixtures.resolve(Self.yaml("  suspend: true\n", ["name: test-bot": "name: c"])).first),
        ]
        let report = DriftReport.of(specs, controls: ["a": .stopped, "b": .paused])
        #expect(report.text.contains("a: stopped (the files say running) — drift: report — shown only; flotilla bot start a ends it"))
        #expect(report.text.contains("b: paused (the files say running) — drift: correct — the reconciler sets it back to running"))
        #expect(report.text.contains("Suspended (spec.suspend: true — no rollout steps, no reverts; the bot keeps running): c"))
        #expect(DriftReport.of(specs, controls: [:]).drifted.isEmpty)
    }

    @Test("suspend and drift change in place, and a spec that leaves them out keeps its hash", arguments: [
        ("  suspend: false\n", true), ("  drift: report\n", true), ("  suspend: true\n", false), ("  drift: correct\n", false),
    ])
    func hashes(extra: String, sameHash: Bool) throws {
        let plain = try #require(try Fixtures.resolve(Self.yaml("")).first)
        let with = try #require(try Fixtures.resolve(Self.yaml(extra)).first)
        #expect((plain.specHash == with.specHash) == sameHash)
        #expect(plain.revisionHash == with.revisionHash, "never a new revision")
    }

    @Test("a drift policy that is not report or correct is refused with its field and a hint")
    func badPolicy() {
        #expect(throws: ValidationFailure.self) { try Fixtures.resolve(Self.yaml("  drift: corect\n")) }
        do {
            _ = try Fixtures.resolve(Self.yaml("  drift: corect\n"))
        } catch {
            #expect("\(error)".contains("spec.drift: unknown drift policy \"corect\""))
        }
    }
}
