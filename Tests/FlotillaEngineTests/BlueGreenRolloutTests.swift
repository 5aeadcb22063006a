import FlotillaEngine
import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

@Suite("Blue-green rollouts")
struct BlueGreenRolloutTests {
    static let config = DeployStrategy.BlueGreen(
        previewDuration: .minutes(45), prePromotionAnalysis: "default", postPromotionAnalysis: "default", autoPromote: true,
        scaleDownDelay: .minutes(10))

    func blueGreen(_ config: DeployStrategy.BlueGreen = Self.config) -> BlueGreenRollout {
        BlueGreenRollout(core: core(deploy(.blueGreen(config))), config: config)
    }

    @Test("green shadows blue, passes the pre-promotion analysis, takes over atomically; blue stays warm, then stops")
    func promote() {
        var r = blueGreen()
        #expect(effects(r.start(now: 0)) == [.startInstance(revision: 2, mode: .shadow, capitalPct: 0)])
        #expect(r.step(RolloutObservation(now: 44 * minute)).isEmpty)
        #expect(effects(r.step(RolloutObservation(now: 45 * minute))) == [.runAnalysis(template: "default", candidate: 2, baseline: 1)])
        let switched = r.step(RolloutObservation(now: 50 * minute, analysis: result(.successful)))
        #expect(effects(switched) == [
            .handOverPositions(from: 1, to: 2), .setMode(revision: 2, mode: .live), .setCapital(revision: 2, pct: 100),
            .setCapital(revision: 1, pct: 0), .setMode(revision: 1, mode: .shadow), .runAnalysis(template: "default", candidate: 2, baseline: 1),
        ])
        _ = r.step(RolloutObservation(now: 55 * minute, analysis: result(.successful)))
        #expect(r.phase == .progressing, "blue stays warm for the scale-down delay")
        #expect(effects(r.step(RolloutObservation(now: 60 * minute))) == [.stopInstance(revision: 1)])
        #expect(r.phase == .completed)
    }

    @Test("a failed post-promotion analysis reverts to blue at once, with green's positions")
    func postPromotionRevert() {
        var r = blueGreen()
        _ = r.start(now: 0)
        _ = r.step(RolloutObservation(now: 45 * minute))
        _ = r.step(RolloutObservation(now: 46 * minute, analysis: result(.successful)))
        let reverted = r.step(RolloutObservation(now: 48 * minute, analysis: result(.failed)))
        #expect(effects(reverted) == [
            .handOverPositions(from: 2, to: 1), .setCapital(revision: 1, pct: 100), .setMode(revision: 1, mode: .live), .stopInstance(revision: 2),
        ])
        #expect(r.phase == .aborted)
    }

    @Test("a failed pre-promotion analysis stops green, which never traded")
    func prePromotionFailure() {
        var r = blueGreen()
        _ = r.start(now: 0)
        _ = r.step(RolloutObservation(now: 45 * minute))
        let actions = r.step(RolloutObservation(now: 46 * minute, analysis: result(.failed)))
        #expect(!effects(actions).contains(.handOverPositions(from: 2, to: 1)))
        #expect(effects(actions).contains(.stopInstance(revision: 2)))
        #expect(r.phase == .aborted)
    }

    @Test("without auto-promotion, green waits for a person")
    func manualPromotion() {
        var config = Self.config
        config.autoPromote = false
        config.prePromotionAnalysis = nil
        var r = blueGreen(config)
        _ = r.start(now: 0)
        _ = r.step(RolloutObservation(now: 45 * minute))
        #expect(r.phase == .paused)
        let promoted = r.step(RolloutObservation(now: 90 * minute, command: .promote))
        #expect(effects(promoted).first == .handOverPositions(from: 1, to: 2))
    }
}
