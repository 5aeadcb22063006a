import FlotillaCLI
import FlotillaSpec
import FlotillaStore
import Foundation
import Testing

@Suite("flotilla profile")
struct ProfileCommandTests {
    @Test("list, show and diff read the profiles")
    func read() async throws {
        let p = try Project()
        var r = await p.run("profile", "list")
        #expect(r.code == 0 && r.out.contains("conservative") && r.out.contains("aggressive"), "\(r.err)")
        r = await p.run("profile", "show", "moderate")
        #expect(r.code == 0 && r.out.contains("risk.maxPositionPct"))
        r = await p.run("profile", "diff", "conservative", "aggressive")
        #expect(r.code == 0 && r.out.contains("CONSERVATIVE") && r.out.contains("risk.maxLeverage"), "\(r.out)")
        r = await p.run("profile", "show", "moderat")
        #expect(r.code == 1 && r.err.contains("did you mean \"moderate\""), "\(r.err)")
    }

    @Test("switch shows a plan, refuses to run unattended without --auto-approve, and --dry-run changes nothing")
    func switchIsAPlanFirst() async throws {
        let p = try Project()
        #expect(await p.run("apply", "--auto-approve").code == 0)
        let before = try String(contentsOf: p.dir.appendingPathComponent("bots.d/eth-trend.yaml"), encoding: .utf8)
        var r = await p.run("profile", "switch", "aggressive", "--target", "eth-trend")
        #expect(r.code == 1 && r.err.contains("--auto-approve"))
        r = await p.run("profile", "switch", "aggressive", "--target", "eth-trend", "--dry-run")
        #expect(r.code == 0 && r.out.contains("eth-trend"), "\(r.err)")
        #expect(try String(contentsOf: p.dir.appendingPathComponent("bots.d/eth-trend.yaml"), encoding: .utf8) == before)
        r = await p.run("profile", "switch", "aggressive", "--target", "eth-trend", interactive: true, answers: ["no"])
        #expect(r.code == 1 && r.out.contains("nothing was changed"))
        #expect(try StateStore(path: p.statePath).stateSerial() == 1)
    }

    @Test("switch edits the selected bots' files after backing them up, and records new revisions")
    func switchApplies() async throws {
        let p = try Project()
        #expect(await p.run("apply", "--auto-approve").code == 0)
        let r = await p.run("profile", "switch", "aggressive", "-l", "team=alpha", "--auto-approve")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("Apply complete!") && r.out.contains(".flotilla/backups/"), "\(r.out)")
        let specs = try SpecLoader.load(ProjectLayout(root: p.dir))
        for bot in specs.bots {
            #expect((bot.profile == "aggressive") == (bot.labels["team"] == "alpha" || bot.profile == "aggressive"))
        }
        let store = try StateStore(path: p.statePath)
        for bot in specs.bots where bot.labels["team"] == "alpha" {
            #expect(try store.desiredBot(named: bot.name)?.spec?.profile == "aggressive")
        }
        // A second switch to the same profile has nothing to do.
        let again = await p.run("profile", "switch", "aggressive", "-l", "team=alpha", "--auto-approve")
        #expect(again.code == 0 && !again.out.contains("Apply complete!"), "\(again.out)")
    }
}
