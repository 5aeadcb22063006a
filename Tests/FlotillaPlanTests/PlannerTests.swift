import FlotillaPlan
import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

/// The state as the store would return it after applying `bots`.
func applied(_ bots: [ResolvedBot], revision: Int = 1) -> [AppliedBot] {
    bots.map { AppliedBot(name: $0.name, specHash: $0.specHash, revision: revision, revisionHash: $0.revisionHash, file: $0.file, spec: $0) }
}

func bot(_ replacements: [String: String] = [:], name: String = "test-bot") throws -> ResolvedBot {
    try #require(try Fixtures.resolve(Fixtures.botYAML(name: name, replacements)).first)
}

@Suite("Planner")
struct PlannerTests {
    struct FieldCase: Sendable, CustomTestStringConvertible {
        var field: String
        var replacements: [String: String]
        var action: BotChange.Action
        var changedPath: String
        var testDescription: String { "\(field) → \(action.rawValue)" }
    }

    /// One row per field class: what changing it does to a running bot.
    static let fieldCases: [FieldCase] = [
        .init(field: "labels", replacements: ["team: alpha": "team: beta"], action: .update, changedPath: "metadata.labels.team"),
        .init(field: "capital", replacements: ["quote: 1000": "quote: 1500"], action: .update, changedPath: "spec.capital.quote"),
        .init(field: "replay speed", replacements: ["speed: 600": "speed: 60"], action: .update, changedPath: "spec.market.source.speed"),
        .init(field: "deploy settings", replacements: ["{ pause: 30m }": "{ pause: 1h }"], action: .update, changedPath: "spec.deploy.canary.steps[1]"),
        .init(field: "strategy parameter", replacements: ["fast: 10": "fast: 12"], action: .replace, changedPath: "spec.strategy.params.fast"),
        .init(field: "strategy kind", replacements: ["kind: ma_crossover, params: { fast: 10, slow: 30 }": "kind: momentum"], action: .replace, changedPath: "spec.strategy.kind"),
        .init(field: "market symbol", replacements: ["symbol: ETH-BTC": "symbol: LTC-BTC"], action: .replace, changedPath: "spec.market.symbols"),
        .init(field: "market interval", replacements: ["interval: 5m": "interval: 15m"], action: .replace, changedPath: "spec.market.interval"),
        .init(field: "venue account", replacements: ["account: main": "account: second"], action: .replace, changedPath: "spec.venue.account"),
        .init(field: "risk override", replacements: ["maxPositionPct: 25": "maxPositionPct: 30"], action: .replace, changedPath: "spec.risk.maxPositionPct"),
        .init(field: "runtime override", replacements: ["risk: { maxPositionPct: 25 }": "risk: { maxPositionPct: 25 }\n  runtime: { retryAttempts: 5 }"], action: .replace, changedPath: "spec.runtime.retryAttempts"),
        .init(field: "profile switch", replacements: ["profile: moderate": "profile: aggressive"], action: .replace, changedPath: "spec.risk.stopLossPct"),
    ]

    @Test("changing a field updates in place or makes a new revision, by the field's class", arguments: fieldCases)
    func fieldClasses(_ row: FieldCase) throws {
        let before = try bot()
        let after = try bot(row.replacements)
        let plan = Planner.plan(desired: [after], actual: applied([before]), stateSerial: 4)
        let change = try #require(plan.changes.first)
        #expect(plan.changes.count == 1)
        #expect(change.action == row.action)
        #expect(change.fields.contains { $0.path == row.changedPath }, "\(change.fields.map(\.path))")
        #expect(change.revisionBefore == 1)
        #expect(change.revisionAfter == (row.action == .update ? 1 : nil))
        #expect(change.deployStrategy == "canary")
    }

    @Test("a field diff shows the old and the new value")
    func fieldDiff() throws {
        let plan = Planner.plan(desired: [try bot(["fast: 10": "fast: 12"])], actual: applied([try bot()]), stateSerial: 1)
        #expect(plan.changes[0].fields == [FieldDiff(path: "spec.strategy.params.fast", old: "10", new: "12", forces: .replace)])
    }

    @Test("a new bot is created; an identical one is a no-op")
    func createAndNoop() throws {
        let a = try bot(name: "a"), b = try bot(name: "b")
        let plan = Planner.plan(desired: [a, b], actual: applied([a]), stateSerial: 2)
        #expect(plan.changes.map(\.name) == ["b"])
        #expect(plan.changes[0].action == .create)
        #expect(plan.changes[0].revisionAfter == 1)
        #expect(plan.unchanged == 1)
        #expect(plan.summary == Plan.Summary(add: 1))
        let none = Planner.plan(desired: [a, b], actual: applied([a, b]), stateSerial: 3)
        #expect(!none.hasChanges)
        #expect(PlanText.render(none).hasPrefix("No changes."))
    }

    @Test("a bot gone from the files is orphaned, and deleted only with prune")
    func orphanAndPrune() throws {
        let a = try bot(name: "a"), gone = try bot(name: "gone")
        let plan = Planner.plan(desired: [a], actual: applied([a, gone]), stateSerial: 2)
        #expect(!plan.hasChanges)
        #expect(plan.orphans == ["gone"])
        #expect(PlanText.render(plan).contains("? bot \"gone\""))
        let pruned = Planner.plan(desired: [a], actual: applied([a, gone]), stateSerial: 2, options: PlanOptions(prune: true))
        #expect(pruned.changes.map(\.action) == [.delete])
        #expect(pruned.summary == Plan.Summary(delete: 1))
        #expect(pruned.risk.before.capital == 2000 && pruned.risk.after.capital == 1000)
    }

    @Test("selectors and targets narrow the plan")
    func scope() throws {
        let alpha = try bot(name: "a"), beta = try bot(["team: alpha": "team: beta"], name: "b")
        let byLabel = Planner.plan(desired: [alpha, beta], actual: [], stateSerial: 0, options: PlanOptions(selector: ["team": "beta"]))
        #expect(byLabel.changes.map(\.name) == ["b"])
        let byTarget = Planner.plan(desired: [alpha, beta], actual: [], stateSerial: 0, options: PlanOptions(targets: ["a"]))
        #expect(byTarget.changes.map(\.name) == ["a"])
        let orphanOutOfScope = Planner.plan(
            desired: [], actual: applied([alpha, beta]), stateSerial: 0, options: PlanOptions(prune: true, selector: ["team": "alpha"]))
        #expect(orphanOutOfScope.changes.map(\.name) == ["a"])
    }

    @Test("the risk delta sums capital, exposure and loss limits before and after, exactly")
    func riskDelta() throws {
        // capital 1000, maxPositionPct 25, leverage 1, moderate limits 5/15/30 %
        let before = try bot()
        let after = try bot(["quote: 1000": "quote: 2000", "maxPositionPct: 25": "maxPositionPct: 10"])
        let plan = Planner.plan(desired: [after], actual: applied([before]), stateSerial: 1)
        #expect(plan.risk.before.capital == 1000)
        #expect(plan.risk.after.capital == 2000)
        #expect(plan.risk.before.maxExposure == 250)
        #expect(plan.risk.after.maxExposure == 200)
        #expect(plan.risk.before.dailyLossLimit == 50)
        #expect(plan.risk.after.monthlyLossLimit == 600)
        #expect(PlanText.riskLine(plan.risk) == "Risk: capital 1000.00 → 2000.00 · max exposure 250.00 → 200.00 · loss limits day 50.00 → 100.00 · week 150.00 → 300.00 · month 300.00 → 600.00")
    }

    @Test("the text output reads like Terraform's")
    func textOutput() throws {
        let a = try bot(name: "a"), b = try bot(name: "b"), c = try bot(name: "c")
        let plan = Planner.plan(
            desired: [try bot(name: "new"), try bot(["team: alpha": "team: beta"], name: "a"), try bot(["fast: 10": "fast: 11"], name: "b"), c],
            actual: applied([a, b, c, try bot(name: "old")]), stateSerial: 7, options: PlanOptions(prune: true))
        let text = PlanText.render(plan)
        #expect(text.contains("  + bot \"new\" {"))
        #expect(text.contains("  ~ bot \"a\" {\n      ~ metadata.labels.team: alpha → beta\n    }"))
        #expect(text.contains("-/+ bot \"b\" {\n      ~ spec.strategy.params.fast: 10 → 11   # forces a new revision\n    }"))
        #expect(text.contains("rolled out with canary"))
        #expect(text.contains("  - bot \"old\" {"))
        #expect(text.hasSuffix("Plan: 1 to add, 1 to change, 1 to replace, 1 to delete.\n"))
    }

    @Test("a plan survives a JSON round trip with its specs and hashes")
    func jsonRoundTrip() throws {
        let plan = Planner.plan(desired: [try bot()], actual: [], stateSerial: 3, inputs: ["bots.d/x.yaml": "abc"])
        let data = try SavedPlan.encoder().encode(plan)
        let back = try JSONDecoder().decode(Plan.self, from: data)
        #expect(back.stateSerial == 3 && back.inputs == ["bots.d/x.yaml": "abc"])
        #expect(back.changes[0].desired == plan.changes[0].desired)
        #expect(back.changes[0].specHashAfter == plan.changes[0].desired?.specHash)
    }

    @Test("a saved plan is stale when the serial moved or any input changed, appeared or vanished")
    func staleness() {
        let plan = Plan(
            formatVersion: 1, stateSerial: 5, inputs: ["a.yaml": "1", "b.yaml": "2"], options: PlanOptions(), changes: [], orphans: [],
            unchanged: 0, risk: RiskDelta())
        #expect(SavedPlan.staleReasons(plan, stateSerial: 5, inputs: ["a.yaml": "1", "b.yaml": "2"]).isEmpty)
        #expect(SavedPlan.staleReasons(plan, stateSerial: 6, inputs: ["a.yaml": "1", "b.yaml": "2"]) == [
            "the state serial moved from 5 to 6 (another apply ran since)"
        ])
        #expect(SavedPlan.staleReasons(plan, stateSerial: 5, inputs: ["a.yaml": "9", "c.yaml": "3"]) == [
            "a.yaml changed", "b.yaml was removed", "c.yaml was added",
        ])
    }
}
