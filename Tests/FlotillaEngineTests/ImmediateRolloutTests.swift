import FlotillaEngine
import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

@Suite("Immediate rollouts")
struct ImmediateRolloutTests {
    @Test("immediate starts the new instance, hands the old one's positions over at the mark, then stops the old one")
    func immediate() {
        var r = ImmediateRollout(core: core(deploy(.immediate)))
        #expect(effects(r.start(now: 0)) == [
            .startInstance(revision: 2, mode: .live, capitalPct: 100), .handOverPositions(from: 1, to: 2), .stopInstance(revision: 1),
        ])
        #expect(r.phase == .completed)
    }

    @Test("undo to an earlier revision takes the fast path: no steps, no analysis")
    func undo() {
        var r = Rollout.undo(bot: "eth-trend", current: 5, to: 3)
        #expect(effects(r.start(now: 0)) == [
            .startInstance(revision: 3, mode: .live, capitalPct: 100), .handOverPositions(from: 5, to: 3), .stopInstance(revision: 5),
        ])
        #expect(r.phase == .completed)
    }

    @Test("a new revision arriving mid-rollout abandons the in-flight one back to stable first")
    func supersede() throws {
        let steps: [DeployStrategy.CanaryStep] = [.setCapital(percent: 20), .pause(nil)]
        var r = Rollout.canary(CanaryRollout(core: core(deploy(.canary(steps: steps))), steps: steps))
        _ = r.start(now: 0)
        let actions = r.supersede(by: 3, now: minute)
        #expect(effects(actions).first == .handOverPositions(from: 2, to: 1))
        #expect(eventKinds(actions) == ["RolloutSuperseded"])
        #expect(r.phase == .aborted)
    }

    @Test("a rollout is built from the bot's deploy strategy")
    func fromSpec() throws {
        let specs = try SpecLoader.load(ProjectLayout(root: Fixtures.repositoryRoot))
        let names = specs.bots.map { Rollout(bot: $0, stable: 1, candidate: 2).strategyName }
        #expect(Set(names) == ["immediate", "staged", "canary", "blue-green", "rolling"])
    }
}
