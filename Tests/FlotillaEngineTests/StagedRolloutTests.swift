import FlotillaEngine
import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

@Suite("Staged rollouts")
struct StagedRolloutTests {
    static let stages = [
        DeployStrategy.Stage(name: .shadow, duration: .hours(1), analysis: "default"), DeployStrategy.Stage(name: .live, duration: nil, analysis: nil),
    ]

    @Test("shadow for the stage's duration, an analysis gate, then live with the positions handed over")
    func staged() {
        var r = StagedRollout(core: core(deploy(.staged(stages: Self.stages))), stages: Self.stages)
        #expect(effects(r.start(now: 0)) == [.startInstance(revision: 2, mode: .shadow, capitalPct: 0)])
        #expect(r.step(RolloutObservation(now: 59 * minute)).isEmpty)
        #expect(effects(r.step(RolloutObservation(now: 60 * minute))) == [.runAnalysis(template: "default", candidate: 2, baseline: 1)])
        #expect(effects(r.step(RolloutObservation(now: 61 * minute, analysis: result(.successful)))) == [
            .setMode(revision: 2, mode: .live), .setCapital(revision: 2, pct: 100), .handOverPositions(from: 1, to: 2), .stopInstance(revision: 1),
        ])
        #expect(r.phase == .completed)
    }

    @Test("a failed shadow analysis stops the new revision; stable never stopped trading")
    func failed() {
        var r = StagedRollout(core: core(deploy(.staged(stages: Self.stages))), stages: Self.stages)
        _ = r.start(now: 0)
        _ = r.step(RolloutObservation(now: 60 * minute))
        let actions = effects(r.step(RolloutObservation(now: 61 * minute, analysis: result(.failed))))
        #expect(actions == [.setCapital(revision: 1, pct: 100), .setMode(revision: 1, mode: .live), .stopInstance(revision: 2)])
        #expect(r.phase == .aborted)
    }
}
