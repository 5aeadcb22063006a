import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Testing

/// Capital is conserved through every transition of every deploy strategy: between two reconcile
/// passes only trading moves a bot's money (Σ live equity + reserve); a reconcile pass — a start,
/// a capital step, a promotion, an abort, a revert, a scale-down, an undo, a supersede — moves it
/// between accounts and never creates or destroys any.
@Suite("No deploy-strategy transition creates or destroys money", .serialized)
struct CapitalInvariantTests {
    /// A fleet driven pass by pass: each pass trades (tick), then reconciles, and checks that the
    /// reconcile pass kept the bot's equity exactly and the capital ledger balanced.
    final class Drive {
        let h: FleetHarness
        var now: Int64 = 0
        var passes = 0
        let bot: String
        let capital: Fixed

        init(bot: String = "test-bot", capital: Fixed = 1000) throws {
            h = try FleetHarness()
            self.bot = bot
            self.capital = capital
        }

        func apply(_ yaml: String) throws { try h.apply(yaml) }

        func pass(_ label: String, after ms: Int64 = 30_000, command: BotCommandKind? = nil, argument: Int? = nil) async throws {
            now += ms
            try await h.fleet.tick(nowMs: now)
            let before = await h.fleet.equityLedger(bot: bot)
            if let command { try h.store.sendCommand(bot: bot, command, argument: argument) }
            try await h.fleet.reconcile(nowMs: now)
            passes += 1
            // At the same prices as before the pass: instances pace their candles on their own.
            let after = try #require(await h.fleet.equityLedger(bot: bot, at: before?.marks), "\(label): the bot has a rollout")
            if let before {
                #expect(after.total == before.total, "\(label): equity \(before.total) → \(after.total) across a transition (\(before) → \(after))")
            } else {
                #expect(after.total == capital, "\(label): the first revision starts with the capital")
            }
            #expect(after.reserve.units >= 0, "\(label): the reserve never goes negative")
            let ledger = try #require(try Fleet.capitalLedger(bot: bot, store: h.store))
            #expect(ledger.accounted == ledger.capital, "\(label): capital ledger \(ledger.accounted) ≠ \(ledger.capital)")
        }

        var phase: RolloutPhase? { (try? RolloutStatus.load(bot: bot, store: h.store))?.phase }
        func events() throws -> Set<String> { Set(try h.store.events(bot: bot, limit: 1000).map(\.kind)) }
        func revisions() throws -> [Int] { try h.instances().map(\.revision).sorted() }
    }

    @Test("immediate: switch, undo, switch again")
    func immediate() async throws {
        let d = try Drive()
        try d.apply(StrategyBots.yaml(.immediate))
        try await d.pass("first revision")
        try await d.pass("trading")
        try d.apply(StrategyBots.yaml(.immediate, fast: 12))
        try await d.pass("switch to 2")
        #expect(try d.revisions() == [2])
        try await d.pass("trading on 2")
        try await d.pass("undo to 1", command: .undo, argument: 1)
        #expect(try d.revisions() == [1])
        try d.apply(StrategyBots.yaml(.immediate, fast: 14))
        try await d.pass("switch to 3")
        #expect(try d.revisions() == [3])
    }

    @Test("staged: shadow, live; abort, retry; supersede mid-shadow")
    func staged() async throws {
        let d = try Drive()
        try d.apply(StrategyBots.yaml(.staged))
        try await d.pass("first revision")
        try d.apply(StrategyBots.yaml(.staged, fast: 12))
        try await d.pass("2 enters shadow")
        #expect(try d.revisions() == [1, 2])
        try await d.pass("shadow")
        try await d.pass("2 goes live", after: 40_000)
        #expect(d.phase == .completed)
        #expect(try d.revisions() == [2])
        try d.apply(StrategyBots.yaml(.staged, fast: 14))
        try await d.pass("3 enters shadow")
        try await d.pass("abort 3", command: .abort)
        #expect(d.phase == .aborted)
        try await d.pass("retry 3", command: .retry)
        #expect(try d.revisions() == [2, 3])
        try d.apply(StrategyBots.yaml(.staged, fast: 16))
        try await d.pass("4 supersedes 3")
        #expect(try d.revisions() == [2, 4])
        try await d.pass("4 goes live", after: 70_000)
        #expect(try d.revisions() == [4])
        #expect(try d.events().isSuperset(of: ["RolloutCompleted", "RolloutAborted", "RolloutSuperseded"]))
    }

    @Test("canary: capital steps, promotion; abort; supersede mid-canary; promote in full")
    func canary() async throws {
        let d = try Drive()
        try d.apply(StrategyBots.yaml(.canary))
        try await d.pass("first revision")
        try d.apply(StrategyBots.yaml(.canary, fast: 12))
        try await d.pass("canary 10 %")
        try await d.pass("pause")
        try await d.pass("canary 50 %", after: 40_000)
        #expect(d.phase == .paused)
        try await d.pass("promote past pause", command: .promote)
        #expect(d.phase == .completed)
        #expect(try d.revisions() == [2])
        try d.apply(StrategyBots.yaml(.canary, fast: 14))
        try await d.pass("canary of 3")
        try await d.pass("abort 3", command: .abort)
        #expect(try d.revisions() == [2])
        try d.apply(StrategyBots.yaml(.canary, fast: 16))
        try await d.pass("canary of 4")
        try await d.pass("50 % of 4", after: 70_000)
        try d.apply(StrategyBots.yaml(.canary, fast: 18))
        try await d.pass("5 supersedes 4 at 50 %")
        #expect(try d.revisions() == [2, 5])
        try await d.pass("promote 5 in full", command: .promoteFull)
        #expect(try d.revisions() == [5])
        #expect(try d.events().isSuperset(of: ["RolloutCompleted", "RolloutAborted", "RolloutSuperseded", "CapitalSet"]))
    }

    @Test("blue-green: preview, promotion, post-promotion revert; retry, promotion, scale-down; supersede")
    func blueGreen() async throws {
        let d = try Drive()
        try d.apply(StrategyBots.yaml(.blueGreen))
        try await d.pass("first revision")
        try d.apply(StrategyBots.yaml(.blueGreen, fast: 12))
        try await d.pass("green shadows blue")
        try await d.pass("preview: the pre-promotion analysis starts", after: 70_000)
        try await d.pass("the analysis passes", after: 70_000)
        #expect(d.phase == .paused)
        try await d.pass("promote: green live, blue warm in shadow", command: .promote)
        let switched = try d.h.instances()
        #expect(switched.first { $0.revision == 2 }?.mode == .live && switched.first { $0.revision == 1 }?.mode == .shadow)
        try await d.pass("green trades")
        try await d.pass("revert after the switch", command: .abort)
        #expect(d.phase == .aborted)
        #expect(try d.h.instances().map(\.mode) == [.live])
        try await d.pass("retry", command: .retry)
        try await d.pass("preview again", after: 70_000)
        try await d.pass("the analysis passes again", after: 70_000)
        try await d.pass("promote again", command: .promote)
        try await d.pass("blue warm")
        try await d.pass("scale blue down", after: 130_000)
        #expect(d.phase == .completed)
        #expect(try d.revisions() == [2])
        let equity = try d.h.instances().map { try d.h.metrics($0).equity }
        #expect(equity != [.zero], "green holds the capital (the example's equity 0)")
        try d.apply(StrategyBots.yaml(.blueGreen, fast: 14))
        try await d.pass("green 3")
        try d.apply(StrategyBots.yaml(.blueGreen, fast: 16))
        try await d.pass("4 supersedes 3")
        #expect(try d.events().isSuperset(of: ["RolloutPromoted", "RolloutAborted", "RolloutCompleted", "RolloutSuperseded"]))
    }

    @Test("rolling, with surge and in place: batches, abort mid-way, retry to the end", arguments: [StrategyBots.Kind.rolling, .rollingInPlace])
    func rolling(kind: StrategyBots.Kind) async throws {
        let d = try Drive()
        try d.apply(StrategyBots.yaml(kind))
        try await d.pass("first revision")
        try d.apply(StrategyBots.yaml(kind, fast: 12))
        try await d.pass("first batch")
        try await d.pass("first batch replaced", after: 70_000)
        try await d.pass("abort mid-way", command: .abort)
        #expect(d.phase == .aborted)
        #expect(try d.revisions() == [1, 1])
        try await d.pass("retry", command: .retry)
        try await d.pass("batch 1", after: 70_000)
        try await d.pass("batch 2", after: 70_000)
        #expect(d.phase == .completed)
        #expect(try d.revisions() == [2, 2])
        #expect(try d.events().isSuperset(of: ["BatchReplaced", "RolloutAborted", "RolloutCompleted"]))
    }

    @Test("the example xrp-grid: after its blue-green rollout completes, green holds the 800 (not 0) and blue gave it all back")
    func exampleGrid() async throws {
        let text = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("bots.d/xrp-grid.yaml"), encoding: .utf8)
        let d = try Drive(bot: "xrp-grid", capital: 800)
        try d.apply(text)
        try await d.pass("blue")
        try await d.pass("blue trades its grid", after: 300_000)
        try d.apply(text.replacingOccurrences(of: "levels: 12", with: "levels: 10"))
        try await d.pass("green shadows blue")
        try await d.pass("green's grid simulates", after: 300_000)
        try await d.pass("promote: green live, blue warm", command: .promoteFull)
        try await d.pass("green trades", after: 300_000)
        try await d.pass("blue scaled down after 10 minutes", after: 660_000)
        #expect(d.phase == .completed)
        let green = try d.h.instances()
        #expect(green.map(\.revision) == [2])
        let ledger = try #require(await d.h.fleet.equityLedger(bot: "xrp-grid"))
        let equity = try d.h.metrics(green[0]).equity
        #expect(equity > 700, "green trades the bot's capital (the issue saw equity 0)")
        #expect(ledger.reserve.units >= 0 && ledger.reserve < Fixed(1), "nothing is left behind in the reserve but rounding")
    }
}
