@testable import FlotillaEngine
import FlotillaSpec
@testable import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Logging
import Testing

/// The fleet kill switch (`flotilla halt`): a plain halt freezes trading, `--reduce-only` lets
/// positions close, working entry orders are cancelled, and a halted fleet stays halted across
/// kills and graceful restarts.
@Suite("The fleet kill switch halts trading, with or without reduce-only, across restarts", .serialized)
struct FleetHaltTests {
    /// Trades often on a volatile market, every entry protected by a stop-loss and a take-profit.
    static let bot: SyntheticBotFixture = {
        var bot = SyntheticBotFixture(seed: 77, strategy: "kind: rsi, params: { period: 5, oversold: 40, overbought: 60 }")
        bot.volatilityPct = "2"
        bot.risk = "emergencyStopLossPct: 50, maxPositionPct: 90, riskPerTradePct: 5, stopLossPct: 3, takeProfitPct: 3"
        return bot
    }()

    static func halt(_ fleet: RestartableFleet, _ mode: FleetHaltMode, reason: String = "test") throws {
        _ = try FleetHaltControls(store: fleet.store, requestedBy: "test").halt(FleetHaltRequest(mode: mode, reason: reason))
    }

    static func openEntries(_ fleet: RestartableFleet) throws -> [Order] {
        let venue = try fleet.venue()
        return venue.openOrderIds.compactMap { venue.orders[$0] }.filter { !venue.onlyReduces($0) }
    }

    /// Ticks candle by candle until `condition` holds for the stored state; returns the candle.
    static func advance(_ fleet: RestartableFleet, from start: Int, until condition: (RestartableFleet) throws -> Bool) async throws -> Int {
        var seen = start
        while seen < 3_000 {
            seen += 1
            try await fleet.tick(through: seen)
            if try condition(fleet) { return seen }
        }
        Issue.record("the condition never held on this market")
        return seen
    }

    /// A position with its stop-loss and take-profit working.
    static func protected(_ f: RestartableFleet) throws -> Bool {
        try !f.venue().position.isZero && f.working("-stop").count == 1 && f.working("-take").count == 1
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var mode: FleetHaltMode
        /// Protective orders working right after the halt.
        var protectionKept: Bool
        /// Exits (sells, for this long-only bot) may fill while halted.
        var exitsAllowed: Bool
        var testDescription: String { mode.rawValue }
    }

    @Test("an open position under a halt: reduce-only keeps its stop-loss and take-profit and lets it close; a plain halt freezes it — no order, no fill, no stop — until resume-all puts its protection back",
          arguments: [Case(mode: .reduceOnly, protectionKept: true, exitsAllowed: true), Case(mode: .halt, protectionKept: false, exitsAllowed: false)])
    func openPosition(_ c: Case) async throws {
        let fleet = try await RestartableFleet(Self.bot)
        let at = try await Self.advance(fleet, from: 0, until: Self.protected)
        try Self.halt(fleet, c.mode)
        try await fleet.fleet.reconcile(nowMs: Int64(at) * 1000)
        #expect(try fleet.working("-stop").count == (c.protectionKept ? 1 : 0))
        #expect(try fleet.working("-take").count == (c.protectionKept ? 1 : 0))
        #expect(try Self.openEntries(fleet).isEmpty)
        let position = try fleet.venue().position
        let fills = try fleet.fills()

        try await fleet.tick(through: at + 400)
        let after = try fleet.fills()[fills.count...]
        #expect(after.allSatisfy { $0.side == .sell }, "no entry or add under any halt")
        if c.exitsAllowed {
            #expect(!after.isEmpty, "the position closed through its stop-loss, take-profit or an exit")
            #expect(try fleet.venue().position.isZero)
            let trader = try TraderState<AnyStrategy>(json: try #require(try fleet.stored().traderJSON))
            #expect(trader.rejections > 0, "entries the strategy wanted were refused")
        } else {
            #expect(after.isEmpty, "a plain halt places and fills nothing, not even a stop-loss")
            #expect(try fleet.venue().position == position)
            #expect(try fleet.venue().openOrderIds.isEmpty)
        }
        #expect(try fleet.stored().phase == .running, "the bot keeps observing candles")
        #expect(try fleet.stored().candlesSeen == at + 400)

        let lifted = try FleetHaltControls(store: fleet.store, requestedBy: "test").resumeAll()
        #expect(lifted.halts.isEmpty && lifted.halted.isEmpty)
        try await fleet.fleet.reconcile(nowMs: Int64(at + 400) * 1000)
        if !c.exitsAllowed {
            #expect(try Self.protected(fleet), "resume-all places the suspended stop-loss and take-profit again")
        }
        let kinds = try fleet.store.events(limit: 1000).map(\.kind)
        #expect(kinds.contains("FleetHalted") && kinds.contains("FleetResumed") && kinds.contains("HaltApplied") && kinds.contains("HaltLifted"))
    }

    @Test("a working entry order is cancelled by either halt and never fills", arguments: FleetHaltMode.allCases)
    func workingEntryCancelled(_ mode: FleetHaltMode) async throws {
        let fleet = try await RestartableFleet(Self.bot)
        let at = try await Self.advance(fleet, from: 0) { try !Self.openEntries($0).isEmpty }
        let entry = try #require(try Self.openEntries(fleet).first)
        try Self.halt(fleet, mode)
        try await fleet.fleet.reconcile(nowMs: Int64(at) * 1000)
        #expect(try fleet.venue().order(clientOrderId: entry.clientOrderId)?.status == .cancelled)
        try await fleet.tick(through: at + 200)
        #expect(try !fleet.fills().contains { $0.clientOrderId == entry.clientOrderId })
        #expect(try fleet.fills().allSatisfy { $0.side == .sell || $0.time < Int64(at) * 300_000 }, "no buy after the halt")
        let event = try #require(try fleet.store.events(bot: fleet.bot.name, limit: 100).first { $0.kind == "HaltApplied" })
        #expect(event.message.contains("1 working order(s) cancelled"), "\(event.message)")
    }

    @Test("a halted fleet comes back halted: after kill -9 and after a graceful stop, before its first candle", arguments: [true, false])
    func survivesRestart(kill: Bool) async throws {
        var fleet = try await RestartableFleet(Self.bot)
        let at = try await Self.advance(fleet, from: 0, until: Self.protected)
        try Self.halt(fleet, .halt, reason: "exchange incident")
        try await fleet.fleet.reconcile(nowMs: Int64(at) * 1000)
        let fills = try fleet.fills().count
        if kill { try await fleet.kill() } else { try await fleet.stopAndStart() }
        // Recovery holds it before any candle: nothing is placed again, nothing fills.
        #expect(try fleet.working("-stop").isEmpty && fleet.working("-take").isEmpty)
        try await fleet.tick(through: at + 300)
        #expect(try fleet.fills().count == fills)
        #expect(try fleet.venue().openOrderIds.isEmpty)
        let view = try #require(try BotView.one(fleet.bot.name, store: fleet.store))
        #expect(view.halt?.mode == .halt && view.halt?.reason == "exchange incident")
    }

    @Test("a plain halt holds a paused bot too: its emergency stop does not close the position")
    func pausedAndHalted() async throws {
        var tight = Self.bot
        tight.risk = "emergencyStopLossPct: 3, maxPositionPct: 90, riskPerTradePct: 5, stopLossPct: 3, takeProfitPct: 3"
        let fleet = try await RestartableFleet(tight)
        let at = try await Self.advance(fleet, from: 0, until: Self.protected)
        try fleet.store.setBotControl(bot: fleet.bot.name, to: .paused)
        try Self.halt(fleet, .halt)
        try await fleet.fleet.reconcile(nowMs: Int64(at) * 1000)
        let fills = try fleet.fills().count, position = try fleet.venue().position
        try await fleet.tick(through: at + 1_500)
        #expect(try fleet.fills().count == fills, "nothing filled")
        #expect(try fleet.venue().position == position)
        #expect(try fleet.store.eventCounts(prefix: "EmergencyStop")["EmergencyStop"] == nil, "the emergency stop did not fire")
    }

    @Test("a halt row this version cannot read holds every bot reduce-only, says why, and resume-all lifts it")
    func unreadableRow() async throws {
        let fleet = try await RestartableFleet(Self.bot)
        try await fleet.store.writer.write { db in
            try db.execute(sql: """
                INSERT INTO fleet_halts (scope, cause, mode, selector_json, reason, requested_by, since)
                VALUES ('selector:', 'person', 'freeze-v9', 'not json', 'from the future', 'ops', 0)
                """)
        }
        let stored = try fleet.store.fleetHalts()
        #expect(stored.halts.map(\.mode) == [.reduceOnly] && stored.halts.first?.selector == [:])
        #expect(stored.problems.count == 1 && stored.problems[0].contains("cannot be read"))
        try await fleet.fleet.reconcile(nowMs: 1000)
        #expect(fleet.fleet.haltProblems.all == stored.problems)
        #expect(try fleet.store.events(limit: 100).contains { $0.kind == "HaltUnreadable" })
        #expect(try BotView.one(fleet.bot.name, store: fleet.store)?.halt?.mode == .reduceOnly)
        let lifted = try FleetHaltControls(store: fleet.store, requestedBy: "test").resumeAll()
        #expect(lifted.halts.isEmpty)
        #expect(try fleet.store.fleetHalts() == StoredHalts())
    }
}

@Suite("Which bots a halt covers, and what a second halt or a resume-all does")
struct FleetHaltScopeTests {
    static func store(_ bots: [(name: String, team: String)]) throws -> StateStore {
        let store = try StateStore.inMemory()
        let lock = try store.acquireApplyLock(operation: "test", timeout: 1)
        defer { try? store.releaseApplyLock(lock) }
        var changes: [StateChange] = []
        for bot in bots {
            let yaml = Fixtures.botYAML(name: bot.name, ["team: alpha": "team: \(bot.team)"])
            changes.append(.create(try #require(try Fixtures.resolve(yaml).first)))
        }
        _ = try store.apply(changes, expectedSerial: try store.stateSerial(), lock: lock)
        return store
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var halts: [(FleetHaltMode, [String: String])]
        /// Bot → the mode it is held in (absent: not halted).
        var expected: [String: FleetHaltMode]
    }

    static let cases: [Case] = [
        Case(testDescription: "every bot", halts: [(.halt, [:])], expected: ["a1": .halt, "a2": .halt, "b1": .halt]),
        Case(testDescription: "a selector covers only its bots", halts: [(.reduceOnly, ["team": "alpha"])], expected: ["a1": .reduceOnly, "a2": .reduceOnly]),
        Case(testDescription: "a selector nothing matches halts nothing now", halts: [(.halt, ["team": "gamma"])], expected: [:]),
        Case(testDescription: "two selectors add up", halts: [(.halt, ["team": "alpha"]), (.reduceOnly, ["team": "beta"])],
             expected: ["a1": .halt, "a2": .halt, "b1": .reduceOnly]),
        Case(testDescription: "the stricter mode holds where halts overlap", halts: [(.reduceOnly, [:]), (.halt, ["team": "beta"])],
             expected: ["a1": .reduceOnly, "a2": .reduceOnly, "b1": .halt]),
        Case(testDescription: "a second halt with the same selector changes its mode", halts: [(.halt, ["team": "alpha"]), (.reduceOnly, ["team": "alpha"])],
             expected: ["a1": .reduceOnly, "a2": .reduceOnly]),
    ]

    @Test("halts cover bots by their labels", arguments: cases)
    func coverage(_ c: Case) throws {
        let store = try Self.store([("a1", "alpha"), ("a2", "alpha"), ("b1", "beta")])
        let controls = FleetHaltControls(store: store, requestedBy: "test")
        var result: FleetHaltResult?
        for (mode, selector) in c.halts { result = try controls.halt(FleetHaltRequest(mode: mode, selector: selector, reason: "r")) }
        #expect(Set(try #require(result).halted) == Set(c.expected.keys))
        let views = try BotView.all(store: store)
        #expect(Dictionary(uniqueKeysWithValues: views.compactMap { v in v.halt.map { (v.name, $0.mode) } }) == c.expected)
        #expect(try store.events(limit: 100).filter { $0.kind == "FleetHalted" }.count == c.halts.count, "every halt, a repeat too, is an event")
    }

    @Test("resume-all -l lifts exactly that halt; another selector is refused, naming the halts in force; without -l every halt goes")
    func resume() throws {
        let store = try Self.store([("a1", "alpha"), ("b1", "beta")])
        let controls = FleetHaltControls(store: store, requestedBy: "test")
        _ = try controls.halt(FleetHaltRequest(mode: .halt, selector: ["team": "alpha"]))
        _ = try controls.halt(FleetHaltRequest(mode: .reduceOnly, selector: ["team": "beta"]))
        #expect(throws: OperationProblem.self) { try controls.resumeAll(selector: ["team": "gamma"]) }
        do {
            _ = try controls.resumeAll(selector: ["team": "gamma"])
        } catch let problem as OperationProblem {
            #expect(problem.kind == .notFound && problem.message.contains("team=alpha") && problem.message.contains("team=beta"))
        }
        let one = try controls.resumeAll(selector: ["team": "alpha"])
        #expect(one.halted == ["b1"])
        let all = try controls.resumeAll()
        #expect(all.halted.isEmpty && all.halts.isEmpty)
        #expect(try store.events(limit: 100).filter { $0.kind == "FleetResumed" }.count == 2)
    }

    @Test("bad input is refused before anything is written", arguments: [
        (["team": "al pha"], nil as String?, "bad_selector"),
        (["": "x"], nil, "bad_selector"),
        ([:], String(repeating: "x", count: 501), "bad_reason"),
        ([:], "two\nlines", "bad_reason"),
    ] as [([String: String], String?, String)])
    func badInput(selector: [String: String], reason: String?, code: String) throws {
        let store = try Self.store([("a1", "alpha")])
        do {
            _ = try FleetHaltControls(store: store, requestedBy: "test").halt(FleetHaltRequest(mode: .halt, selector: selector, reason: reason))
            Issue.record("accepted")
        } catch let problem as OperationProblem {
            #expect(problem.code == code && problem.kind == .invalid)
        }
        #expect(try store.fleetHalts().halts.isEmpty)
    }
}

@Suite("The kill switch raises an alert", .serialized)
struct FleetHaltAlertTests {
    @Test("a halt, a change of its mode and a resume each reach the loopback webhook as a kill switch alert")
    func killSwitchAlerts() async throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let store = try FleetHaltScopeTests.store([("a1", "alpha")])
        let dir = try Fixtures.temporaryDirectory()
        let file = AlertsFile.url(root: dir)
        try "apiVersion: flotilla/v1\nkind: Alerts\nspec:\n  webhooks:\n    - { name: ops, url: \"\(receiver.url)\", on: [killSwitch] }\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let sender = AlertSender(store: store, file: file, logger: Logger(label: "test"), pollInterval: .milliseconds(20), environment: { _ in nil })
        let task = Task { try await sender.run() }
        defer { task.cancel() }
        try await Task.sleep(for: .milliseconds(100))
        let controls = FleetHaltControls(store: store, requestedBy: "ops")
        _ = try controls.halt(FleetHaltRequest(mode: .halt, reason: "exchange incident"))
        _ = try controls.halt(FleetHaltRequest(mode: .reduceOnly, reason: "exchange incident"))
        _ = try controls.resumeAll()
        for _ in 0..<500 where receiver.bodies.count < 3 { try await Task.sleep(for: .milliseconds(20)) }
        task.cancel()
        #expect(receiver.bodies.count == 3, "\(receiver.bodies)")
        let topics = try receiver.bodies.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(topics.allSatisfy { $0["topic"] as? String == "killSwitch" })
        #expect(topics.map { $0["event"] as? String } == ["FleetHalted", "FleetHalted", "FleetResumed"])
        let text = try #require(topics.first?["text"] as? String)
        #expect(text.contains("kill switch") && text.contains("exchange incident"), "\(text)")
    }
}
