import FlotillaCLI
import FlotillaStore
import FlotillaTesting
import Foundation
import Testing

/// A temporary copy of the shipped project and a way to run `flotilla` in it.
struct Project {
    let dir: URL

    init() throws { dir = try Fixtures.projectCopy() }

    var statePath: String { dir.appendingPathComponent(".flotilla/state.db").path }

    @discardableResult
    func run(_ arguments: String..., interactive: Bool = false, answers: [String] = []) async -> (code: Int32, out: String, err: String) {
        await run(arguments, interactive: interactive, answers: answers)
    }

    @discardableResult
    func run(_ arguments: [String], interactive: Bool = false, answers: [String] = []) async -> (code: Int32, out: String, err: String) {
        let console = Console.capturing(interactive: interactive, answers: answers)
        var args = arguments
        if let first = args.first, first != "schema", first != "strategies" { args += ["--dir", dir.path] }
        let code = await CLI.run(args, console: console)
        return (code, console.output, console.errors)
    }

    func edit(_ file: String, _ old: String, _ new: String) throws {
        let url = dir.appendingPathComponent(file)
        let text = try String(contentsOf: url, encoding: .utf8)
        precondition(text.contains(old))
        try text.replacingOccurrences(of: old, with: new).write(to: url, atomically: true, encoding: .utf8)
    }

    func write(_ file: String, _ text: String) throws {
        try text.write(to: dir.appendingPathComponent(file), atomically: true, encoding: .utf8)
    }
}

@Suite("flotilla validate, plan, apply")
struct CLITests {
    @Test("validate accepts the shipped examples and exits 0")
    func validateExamples() async throws {
        let p = try Project()
        let r = await p.run("validate")
        #expect(r.code == 0)
        #expect(r.out == "Success! 6 bots and 3 profiles are valid.\n")
    }

    @Test("validate prints every problem as file:line:column: field: message and exits 1")
    func validateErrors() async throws {
        let p = try Project()
        try p.edit("bots.d/eth-trend.yaml", "fast: 10, slow: 30", "fast: 10, slowe: 30")
        try p.edit("profiles/moderate.yaml", "stopLossPct: 2", "stopLossPct: 200")
        try p.write("bots.d/empty.yaml", "")
        let r = await p.run("validate")
        #expect(r.code == 1)
        let lines = r.err.split(separator: "\n").map(String.init)
        #expect(lines.contains("bots.d/empty.yaml:1:1: file holds no YAML documents; add a kind: Bot document or delete the file"))
        #expect(lines.contains { $0.hasPrefix("bots.d/eth-trend.yaml:12:55: spec.strategy.params.slowe: unknown field \"slowe\" (did you mean \"slow\"?)") })
        #expect(lines.contains("profiles/moderate.yaml:15:18: spec.risk.stopLossPct: must be from 0 to 100 (got 200)"))
        #expect(lines.last == "Error: 3 problems in 3 files; nothing was changed.")
        let json = await p.run("validate", "-o", "json")
        #expect(json.code == 1)
        let report = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        #expect(report?["valid"] as? Bool == false)
        #expect((report?["diagnostics"] as? [Any])?.count == 3)
    }

    @Test("plan, apply, plan again: No changes")
    func planApplyPlan() async throws {
        let p = try Project()
        let plan = await p.run("plan", "--detailed-exitcode")
        #expect(plan.code == 2)
        #expect(plan.out.contains("Plan: 6 to add, 0 to change, 0 to replace, 0 to delete."))
        #expect(plan.out.contains("Risk: capital 0.00 → 6050.00"))
        #expect(!FileManager.default.fileExists(atPath: p.statePath), "plan never creates the state")

        let apply = await p.run("apply", "--auto-approve")
        #expect(apply.code == 0, "\(apply.err)")
        #expect(apply.out.contains("Apply complete! Bots: 6 added, 0 changed, 0 replaced, 0 deleted. State serial 1."))

        let again = await p.run("plan", "--detailed-exitcode")
        #expect(again.code == 0)
        #expect(again.out.hasPrefix("No changes."))
    }

    @Test("an edit plans as a replace with the bot's deploy strategy, and applying it records revision 2")
    func editRollsOut() async throws {
        let p = try Project()
        await p.run("apply", "--auto-approve")
        try p.edit("bots.d/eth-trend.yaml", "fast: 10", "fast: 12")
        let plan = await p.run("plan")
        #expect(plan.out.contains("-/+ bot \"eth-trend\" {\n      ~ spec.strategy.params.fast: 10 → 12   # forces a new revision"))
        #expect(plan.out.contains("rolled out with canary"))
        let apply = await p.run("apply", "--auto-approve")
        #expect(apply.out.contains("bot \"eth-trend\": revision 2 recorded; it rolls out with canary"))
        let events = await p.run("events", "eth-trend")
        #expect(events.out.contains("RevisionCreated"))
        let store = try StateStore(path: p.statePath)
        #expect(try store.revisions(of: "eth-trend").map(\.number) == [2, 1])
    }

    @Test("apply without --auto-approve needs a terminal, asks, and only 'yes' applies")
    func confirmation() async throws {
        let p = try Project()
        let piped = await p.run("apply")
        #expect(piped.code == 1)
        #expect(piped.err.contains("standard input is not a terminal"))
        let serialAfterRefusal = FileManager.default.fileExists(atPath: p.statePath) ? try StateStore(path: p.statePath).stateSerial() : 0
        #expect(serialAfterRefusal == 0)

        let declined = await p.run("apply", interactive: true, answers: ["no"])
        #expect(declined.code == 1)
        #expect(declined.out.contains("Apply cancelled; nothing was changed."))
        #expect(try StateStore(path: p.statePath).stateSerial() == 0)

        let accepted = await p.run("apply", interactive: true, answers: ["yes"])
        #expect(accepted.code == 0)
        #expect(try StateStore(path: p.statePath).stateSerial() == 1)
    }

    @Test("a saved plan applies exactly, once; a stale one is refused, saying why")
    func savedPlans() async throws {
        let p = try Project()
        let planFile = p.dir.appendingPathComponent("changes.plan").path
        let saved = await p.run("plan", "--out", planFile)
        #expect(saved.out.contains("flotilla apply \(planFile)"))
        try p.edit("bots.d/ltc-rsi.yaml", "quote: 500", "quote: 600")
        let stale = await p.run("apply", planFile)
        #expect(stale.code == 1)
        #expect(stale.err.contains("Saved plan is stale"))
        #expect(stale.err.contains("bots.d/ltc-rsi.yaml changed"))
        #expect(try StateStore(path: p.statePath).stateSerial() == 0, "a stale plan changes nothing")

        try p.edit("bots.d/ltc-rsi.yaml", "quote: 600", "quote: 500")
        let applied = await p.run("apply", planFile)
        #expect(applied.code == 0, "\(applied.err)")
        let twice = await p.run("apply", planFile)
        #expect(twice.code == 1)
        #expect(twice.err.contains("the state serial moved from 0 to 1"))
    }

    @Test("a saved plan edited by hand is refused")
    func tamperedPlan() async throws {
        let p = try Project()
        let planFile = p.dir.appendingPathComponent("changes.plan").path
        await p.run("plan", "--out", planFile)
        let text = try String(contentsOfFile: planFile, encoding: .utf8)
        try text.replacingOccurrences(of: "\"quote\" : 500", with: "\"quote\" : 50000").write(toFile: planFile, atomically: true, encoding: .utf8)
        let r = await p.run("apply", planFile)
        #expect(r.code == 1)
        #expect(r.err.contains("does not match its recorded hash"))
    }

    @Test("a concurrent apply waits for --lock-timeout, then fails naming the holder")
    func lockTimeout() async throws {
        let p = try Project()
        try FileManager.default.createDirectory(at: p.dir.appendingPathComponent(".flotilla"), withIntermediateDirectories: true)
        let store = try StateStore(path: p.statePath)
        let lock = try store.acquireApplyLock(operation: "flotilla apply (other terminal)", timeout: 1)
        let r = await p.run("apply", "--auto-approve", "--lock-timeout", "300ms")
        #expect(r.code == 1)
        #expect(r.err.contains("the state is locked by flotilla apply (other terminal) (pid \(getpid())"))
        try store.releaseApplyLock(lock)
        #expect(await p.run("apply", "--auto-approve").code == 0)
    }

    @Test("selectors and targets narrow plan and apply")
    func selectors() async throws {
        let p = try Project()
        let team = await p.run("plan", "-l", "team=alpha")
        #expect(team.out.contains("Plan: 2 to add"))
        let target = await p.run("apply", "--auto-approve", "--target", "xrp-grid")
        #expect(target.out.contains("Bots: 1 added"))
        let bad = await p.run("plan", "-l", "team")
        #expect(bad.code != 0)
        #expect(bad.err.contains("write a selector as key=value"))
    }

    @Test("removing a bot's file orphans it; --prune deletes it")
    func prune() async throws {
        let p = try Project()
        await p.run("apply", "--auto-approve")
        try FileManager.default.removeItem(at: p.dir.appendingPathComponent("bots.d/dash-macd.yaml"))
        let plan = await p.run("plan", "--detailed-exitcode")
        #expect(plan.code == 0)
        #expect(plan.out.contains("? bot \"dash-macd\""))
        let pruned = await p.run("apply", "--auto-approve", "--prune")
        #expect(pruned.out.contains("bot \"dash-macd\": deleted"))
        #expect(await p.run("plan", "--detailed-exitcode", "--prune").code == 0)
    }

    @Test("plan --json prints the documented shape")
    func planJSON() async throws {
        let p = try Project()
        let r = await p.run("plan", "--json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(object["formatVersion"] as? Int == 1)
        #expect(object["stateSerial"] as? Int == 0)
        let changes = try #require(object["changes"] as? [[String: Any]])
        #expect(changes.count == 6)
        #expect(changes.allSatisfy { $0["action"] as? String == "create" })
        #expect(Set(changes.compactMap { $0["deployStrategy"] as? String }) == ["immediate", "staged", "canary", "blue-green", "rolling"])
        #expect(object["risk"] != nil && object["inputs"] != nil && object["orphans"] != nil)
    }

    @Test("get bot -o yaml --show-sources says where every risk and runtime value came from")
    func showSources() async throws {
        let p = try Project()
        let r = await p.run("get", "bot", "eth-trend", "-o", "yaml", "--show-sources")
        #expect(r.code == 0)
        #expect(r.out.contains("maxPositionPct: 25        # spec"))
        #expect(r.out.contains("stopLossPct: 2            # profile moderate"))
        let table = await p.run("get", "bots")
        #expect(table.out.contains("eth-trend"))
        #expect(table.out.contains("not applied"))
        let missing = await p.run("get", "bot", "eth-trnd")
        #expect(missing.code == 1)
        #expect(missing.err.contains("did you mean \"eth-trend\"?"))
    }

    @Test("a wrong flag or subcommand gets a usage error, not a crash")
    func usageErrors() async throws {
        let p = try Project()
        let r = await p.run("plan", "--detailed-exit-code")
        #expect(r.code == 64)
        #expect(r.err.contains("Unknown option"))
        let lock = await p.run("apply", "--lock-timeout", "forever")
        #expect(lock.err.contains("write a duration"))
    }
}

@Suite("flotilla backtest")
struct BacktestCLITests {
    @Test("backtest runs a shipped example on its bundled data and prints the statistics")
    func example() async throws {
        let p = try Project()
        let r = await p.run("backtest", "-f", p.dir.appendingPathComponent("bots.d/eth-trend.yaml").path)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("Backtest of eth-trend: ma_crossover on ETH-BTC"))
        for label in ["Trades", "Win rate", "Return", "Max drawdown", "Sharpe", "Exposure", "Final equity"] {
            #expect(r.out.contains(label))
        }
    }

    @Test("--json prints the documented report; --from and --to narrow the candles")
    func json() async throws {
        let p = try Project()
        let r = await p.run("backtest", "-f", p.dir.appendingPathComponent("bots.d/ltc-rsi.yaml").path, "--json", "--from", "2018-01-15", "--to", "2018-01-20")
        #expect(r.code == 0, "\(r.err)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        #expect(object["start"] as? String == "2018-01-15T00:00:00Z")
        #expect((object["end"] as? String)?.hasPrefix("2018-01-20T00:00") == true)
        for key in ["trades", "tradeCount", "winRatePct", "returnPct", "maxDrawdownPct", "sharpe", "exposurePct", "finalEquity"] {
            #expect(object[key] != nil, "\(key)")
        }
    }

    @Test("a missing data file or a bad date says what to do")
    func errors() async throws {
        let p = try Project()
        let spec = p.dir.appendingPathComponent("bots.d/eth-trend.yaml").path
        let missing = await p.run("backtest", "-f", spec, "--data", "nowhere.csv")
        #expect(missing.code == 1)
        #expect(missing.err.contains("candle file \"nowhere.csv\" is not in the project"), "\(missing.err)")
        let date = await p.run("backtest", "-f", spec, "--from", "last tuesday")
        #expect(date.err.contains("write a date such as"))
    }
}

// A listener on 0.0.0.0 is never open (up always has an admin token): UpAdminTokenTests.everyInterface.
@Suite("flotilla token")
struct UpListenTests {
    @Test("token create prints the secret once; list never shows it; revoke ends it")
    func tokens() async throws {
        let p = try Project()
        let created = await p.run("token", "create", "--role", "operator", "--description", "ci")
        #expect(created.code == 0)
        let secret = created.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(secret.hasPrefix("flt_"))
        let list = await p.run("token", "list")
        #expect(list.out.contains("operator") && !list.out.contains(secret))
        let store = try StateStore(path: p.statePath)
        let id = try #require(try store.tokens().first?.id)
        #expect(await p.run("token", "revoke", id).code == 0)
        #expect(try store.token(forSecret: secret)?.isValid(at: Date()) == false)
    }
}
