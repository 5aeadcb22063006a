import FlotillaCLI
import FlotillaStore
import FlotillaTesting
import Foundation
import Testing

@Suite("GitOps at the command line: commits in rollout history and get bot, -o env, drift in plan and status, up --git-pull's flags")
struct GitOpsCLITests {
    @Test("apply in a git work tree records the commit; rollout history and get bot show it, dirty once a spec is edited")
    func commitShown() async throws {
        let p = try Project()
        let head = try GitRepositories.initialize(p.dir)
        #expect(await p.run("apply", "--auto-approve").code == 0)
        let history = await p.run("rollout", "history", "eth-trend")
        #expect(history.out.contains("COMMIT"))
        #expect(history.out.contains(String(head.prefix(12))))
        #expect(!history.out.contains("(dirty)"))
        try p.edit("bots.d/eth-trend.yaml", "fast: 10", "fast: 12")
        #expect(await p.run("apply", "--auto-approve").code == 0)
        let again = await p.run("rollout", "history", "eth-trend")
        #expect(again.out.contains("\(head.prefix(12)) (dirty)"))
        let get = await p.run("get", "bot", "eth-trend")
        #expect(get.out.contains("revision 2: applied at commit \(head.prefix(12)) (dirty)"))
    }

    @Test("get bot NAME -o env exports the resolved configuration as lines a shell can source")
    func envExport() async throws {
        let p = try Project()
        #expect(await p.run("apply", "--auto-approve").code == 0)
        let r = await p.run("get", "bot", "eth-trend", "-o", "env")
        #expect(r.code == 0)
        #expect(r.out.contains("FLOTILLA_BOT='eth-trend'\n"))
        #expect(r.out.contains("FLOTILLA_REVISION='1'\n"))
        #expect(r.out.contains("FLOTILLA_COMMIT=''\n"), "not a git work tree: no commit")
        #expect(r.out.contains("FLOTILLA_SPEC_STRATEGY_PARAMS_FAST='10'\n"))
        #expect(r.out.split(separator: "\n").allSatisfy { $0.range(of: "^FLOTILLA_[A-Z0-9_]+='", options: .regularExpression) != nil })
        let all = await p.run("get", "bots", "-o", "env")
        #expect(all.code != 0 && all.err.contains("-o env exports one bot"))
    }

    @Test("a pause through the CLI shows as drift in plan and status, apart from the config changes")
    func driftShown() async throws {
        let p = try Project()
        #expect(await p.run("apply", "--auto-approve").code == 0)
        #expect(await p.run("bot", "pause", "eth-trend").code == 0)
        let plan = await p.run("plan")
        #expect(plan.out.contains("No changes."))
        #expect(plan.out.contains("Drift (changed outside the files, not by an apply):"))
        #expect(plan.out.contains("eth-trend: paused (the files say running) — drift: report"))
        let status = await p.run("status")
        #expect(status.out.contains("eth-trend: paused (the files say running)"))
    }

    @Test("up --git-pull and --branch refuse what they cannot do", arguments: [
        (["--git-pull", "500ms"], "--git-pull 500ms: write a duration of at least 1s"),
        (["--branch", "main"], "--branch main: only with --git-pull"),
        (["--git-pull", "1m", "--branch", "a..b"], "not a branch name git accepts"),
        (["--git-pull", "1m", "--no-watch"], "cannot go with --no-watch"),
    ])
    func gitPullFlags(flags: [String], message: String) async throws {
        let p = try Project()
        let r = await p.run(["up"] + flags)
        #expect(r.code == 64)
        #expect(r.err.contains(message))
    }

    @Test("flotilla schema alerts prints the committed schema")
    func alertsSchema() async throws {
        let p = try Project()
        let r = await p.run("schema", "alerts")
        #expect(r.code == 0)
        #expect(r.out.contains("\"title\" : \"Flotilla Alerts\"") || r.out.contains("\"title\": \"Flotilla Alerts\""))
    }
}
