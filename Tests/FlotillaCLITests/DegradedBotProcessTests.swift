import FlotillaCLI
import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import Foundation
import Logging
import Testing

/// Finding 5 against a real `flotilla up`: a bot whose new revision replays a file that doesn't
/// exist is that bot's problem — the others keep trading, a restart starts, the bot is Degraded
/// with its reason, and restoring the file heals it.
@Suite("A bad bot is Degraded alone, in a real flotilla up", .serialized, .heavy)
struct DegradedBotProcessTests {
    static let deploys = [
        "steady": "    strategy: canary\n    canary: { steps: [ { setCapital: 20% }, { pause: {} } ] }\n",
        "fragile-immediate": "    strategy: immediate\n",
        "fragile-canary": "    strategy: canary\n    canary: { steps: [ { setCapital: 20% }, { pause: {} } ] }\n",
    ]

    static func yaml(_ name: String, replay: String, fast: Int = 5) -> String {
        """
        apiVersion: flotilla/v1
        kind: Bot
        metadata: { name: \(name) }
        spec:
          profile: aggressive
          market: { symbol: ETH-BTC, interval: 5m, source: { replay: \(replay), speed: 600 } }
          strategy: { kind: ma_crossover, params: { fast: \(fast), slow: 20 } }
          capital: { quote: 1000 }
          deploy:
        \(deploys[name]!)
        """
    }

    static func project() throws -> URL {
        let dir = try Fixtures.temporaryDirectory()
        try FileManager.default.copyItem(at: Fixtures.repositoryRoot.appendingPathComponent("profiles"), to: dir.appendingPathComponent("profiles"))
        let bots = dir.appendingPathComponent("bots.d")
        try FileManager.default.createDirectory(at: bots, withIntermediateDirectories: true)
        for name in deploys.keys {
            try yaml(name, replay: "ETH_BTC-5m.csv").write(to: bots.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8)
        }
        return dir
    }

    static func up(_ dir: URL) throws -> Process {
        let process = Process()
        process.executableURL = try flotillaExecutable()
        process.arguments = ["up", "--dir", dir.path, "--listen", "127.0.0.1:0"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test("a revision replaying a missing file: old instances keep trading, a SIGKILLed up starts again with the bot Degraded, restoring the file heals it")
    func missingReplayFile() async throws {
        let dir = try Self.project()
        let statePath = dir.appendingPathComponent(".flotilla/state.db").path
        // One connection for the whole test, opened once up has made the store (opening the
        // store runs its migrator, a write that competes with up's).
        var opened: StateStore?
        func store() throws -> StateStore {
            if let opened { return opened }
            let s = try StateStore(path: statePath)
            opened = s
            return s
        }
        func running(_ bot: String) throws -> [InstanceState] { try store().runtimeInstances(bot: bot).filter { $0.phase == .running } }
        func seen(_ bot: String) throws -> Int { try running(bot).map(\.candlesSeen).reduce(0, +) }

        var process = try Self.up(dir)
        defer { if process.isRunning { process.terminate() } }
        #expect(try await waitUntil(60) { try Self.deploys.keys.allSatisfy { try running($0).count == 1 && seen($0) > 0 } }, "three bots trade")

        // Both fragile bots get a revision replaying a file that doesn't exist. Saved in the file
        // (what a person does) and, should validation refuse the edit, written into the store as
        // an older flotilla (or another writer) would have: the engine must cope either way.
        for name in ["fragile-immediate", "fragile-canary"] {
            let text = Self.yaml(name, replay: "NOSUCH-5m.csv", fast: 7)
            try text.write(to: dir.appendingPathComponent("bots.d/\(name).yaml"), atomically: true, encoding: .utf8)
        }
        try await Task.sleep(for: .seconds(3))
        for name in ["fragile-immediate", "fragile-canary"] where try store().desiredBot(named: name)?.revision != 2 {
            let spec = try #require(try SpecLoader.load(sources: Fixtures.shippedProfiles() + [
                SpecSource(name: "bots.d/\(name).yaml", text: Self.yaml(name, replay: "NOSUCH-5m.csv", fast: 7), kind: .bot),
            ]).bots.first)
            let s = try store()
            let lock = try s.acquireApplyLock(operation: "test", timeout: 10)
            defer { try? s.releaseApplyLock(lock) }
            _ = try s.apply([.replace(spec)], expectedSerial: try s.stateSerial(), lock: lock)
        }

        func failedOver(_ name: String) throws -> Bool {
            guard let status = try RolloutStatus.load(bot: name, store: store()) else { return false }
            return status.candidate == 2 && status.phase == .aborted && status.message.contains("NOSUCH-5m.csv")
        }
        #expect(try await waitUntil(60) { try failedOver("fragile-immediate") && failedOver("fragile-canary") }, "both rollouts abort with the reason")
        for name in ["fragile-immediate", "fragile-canary"] {
            let old = try running(name)
            #expect(old.map(\.revision) == [1] && old.first?.capitalPct == "100", "\(name): the old revision still trades with all its capital")
            let ledger = try #require(try Fleet.capitalLedger(bot: name, store: store()))
            #expect(ledger.accounted == ledger.capital)
        }
        let steadyBefore = try seen("steady")
        #expect(try await waitUntil(60) { try seen("steady") > steadyBefore }, "the healthy bot keeps trading")
        let fragileBefore = try seen("fragile-immediate")
        #expect(try await waitUntil(30) { try seen("fragile-immediate") > fragileBefore }, "so does the fragile bot's old revision")

        // kill -9, then start again: up starts, and the bot is Degraded with its reason.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        process = try Self.up(dir)
        #expect(try await waitUntil(60) {
            let degraded = try RolloutStatus.load(bot: "fragile-immediate", store: store())?.degraded?.reason.contains("NOSUCH-5m.csv") == true
            let recovered = try store().events(limit: 200).contains { $0.kind == "Recovered" }
            return degraded && recovered
        }, "a later up starts and says why the bot is degraded")
        #expect(process.isRunning, "up did not exit")
        let afterRestart = try seen("steady")
        #expect(try await waitUntil(30) { try seen("steady") > afterRestart }, "the fleet runs after the restart")
        // The CLI reads it from the store (`rollout status` exits 1: the rollout aborted).
        let console = Console.capturing(interactive: false, answers: [])
        #expect(await CLI.run(["rollout", "status", "fragile-immediate", "--dir", dir.path], console: console) == 1)
        #expect(console.output.contains("Degraded:") && console.output.contains("NOSUCH-5m.csv"), "rollout status says why: \(console.output)")

        // The file appears: the next attempt (backoff ≤ 30 s) rolls the revision out.
        let candles = Fixtures.bundledCandles("ETH_BTC-5m.csv")
        for target in [dir.appendingPathComponent("bots.d/NOSUCH-5m.csv"), dir.appendingPathComponent("NOSUCH-5m.csv")] {
            try FileManager.default.copyItem(at: candles, to: target)
        }
        #expect(try await waitUntil(90) {
            guard let status = try RolloutStatus.load(bot: "fragile-immediate", store: store()) else { return false }
            let revisions = try running("fragile-immediate").map(\.revision)
            return status.phase == .completed && status.candidate == 2 && status.degraded == nil && revisions == [2]
        }, "restoring the file heals the immediate bot")
        #expect(try await waitUntil(90) {
            guard let status = try RolloutStatus.load(bot: "fragile-canary", store: store()) else { return false }
            let revisions = try Set(running("fragile-canary").map(\.revision))
            return status.degraded == nil && revisions == [1, 2]
        }, "and the canary resumes its rollout")
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test("get bots shows a degraded bot's reason in its HEALTH column")
    func getBotsShowsReason() async throws {
        let dir = try Self.project()
        let console = Console.capturing(interactive: false, answers: [])
        #expect(await CLI.run(["apply", "--auto-approve", "--dir", dir.path], console: console) == 0)
        let store = try StateStore(path: dir.appendingPathComponent(".flotilla/state.db").path)
        let fleet = Fleet(store: store, dataDirectory: dir.appendingPathComponent("bots.d").path, logger: Logger(label: "test"))
        try await fleet.recover(nowMs: 0)
        try await fleet.reconcile(nowMs: 0)
        // A revision whose data is gone (written as an older flotilla, or another writer, would).
        let spec = try #require(try SpecLoader.load(sources: Fixtures.shippedProfiles() + [
            SpecSource(name: "bots.d/fragile-immediate.yaml", text: Self.yaml("fragile-immediate", replay: "NOSUCH-5m.csv", fast: 7), kind: .bot),
        ]).bots.first)
        let lock = try store.acquireApplyLock(operation: "test", timeout: 10)
        _ = try store.apply([.replace(spec)], expectedSerial: try store.stateSerial(), lock: lock)
        try store.releaseApplyLock(lock)
        try await fleet.reconcile(nowMs: 1_000)
        let table = Console.capturing(interactive: false, answers: [])
        #expect(await CLI.run(["get", "bots", "--dir", dir.path], console: table) == 0)
        let rows = table.output.split(separator: "\n")
        #expect(rows.contains { $0.hasPrefix("fragile-immediate") && $0.contains("degraded: ") && $0.contains("NOSUCH-5m.csv") }, "\(table.output)")
        #expect(rows.contains { $0.hasPrefix("steady") && !$0.contains("degraded") })
    }
}
