import FlotillaEngine
import FlotillaSpec
import Testing

@Suite("Canary rollouts")
struct CanaryRolloutTests {
    static let steps: [DeployStrategy.CanaryStep] = [
        .setCapital(percent: 10), .pause(.minutes(30)), .analysis(template: "default"), .setCapital(percent: 50), .pause(nil),
    ]

    func canary(autoRollback: Bool = true, deadline: TimeSpan = .hours(1)) -> CanaryRollout {
        CanaryRollout(core: core(deploy(.canary(steps: Self.steps), deadline: deadline, autoRollback: autoRollback)), steps: Self.steps)
    }

    @Test("a canary walks its steps, pauses for a person, and promotion moves all capital and positions to it")
    func promote() {
        var r = canary()
        let start = r.start(now: 0)
        #expect(effects(start) == [
            .startInstance(revision: 2, mode: .live, capitalPct: 0), .setCapital(revision: 2, pct: 10), .setCapital(revision: 1, pct: 90),
        ])
        #expect(r.step(RolloutObservation(now: 29 * minute)).isEmpty, "still pausing")
        #expect(effects(r.step(RolloutObservation(now: 30 * minute))) == [.runAnalysis(template: "default", candidate: 2, baseline: 1)])
        let afterAnalysis = r.step(RolloutObservation(now: 35 * minute, analysis: result(.successful)))
        #expect(effects(afterAnalysis) == [.setCapital(revision: 2, pct: 50), .setCapital(revision: 1, pct: 50)])
        #expect(r.phase == .paused)
        #expect(r.step(RolloutObservation(now: 10 * 60 * minute)).isEmpty, "an indefinite pause does not time out")
        let promoted = r.step(RolloutObservation(now: 11 * 60 * minute, command: .promote))
        #expect(effects(promoted) == [
            .handOverPositions(from: 1, to: 2), .setMode(revision: 2, mode: .live), .setCapital(revision: 2, pct: 100), .stopInstance(revision: 1),
        ])
        #expect(r.phase == .completed)
        #expect(eventKinds(promoted).contains("RolloutCompleted"))
    }

    @Test("promote --full skips the remaining steps and analyses")
    func fullPromote() {
        var r = canary()
        _ = r.start(now: 0)
        let actions = r.step(RolloutObservation(now: minute, command: .promoteFull))
        #expect(effects(actions).first == .handOverPositions(from: 1, to: 2))
        #expect(r.phase == .completed)
    }

    @Test("abort returns the canary's capital and positions to stable; retry starts again from step 1")
    func abortAndRetry() {
        var r = canary()
        _ = r.start(now: 0)
        let aborted = r.step(RolloutObservation(now: minute, command: .abort))
        #expect(effects(aborted) == [
            .handOverPositions(from: 2, to: 1), .setCapital(revision: 1, pct: 100), .setMode(revision: 1, mode: .live), .stopInstance(revision: 2),
        ])
        #expect(r.phase == .aborted)
        #expect(r.phase.isHealthy == false)
        let retried = r.step(RolloutObservation(now: 2 * minute, command: .retry))
        #expect(effects(retried).prefix(2) == [.startInstance(revision: 2, mode: .live, capitalPct: 0), .setCapital(revision: 2, pct: 10)])
        #expect(r.phase == .progressing)
    }

    @Test("a failed analysis rolls back automatically; without autoRollback the rollout is degraded")
    func failedAnalysis() {
        var r = canary()
        _ = r.start(now: 0)
        _ = r.step(RolloutObservation(now: 30 * minute))
        let failed = r.step(RolloutObservation(now: 31 * minute, analysis: result(.failed)))
        #expect(effects(failed).first == .handOverPositions(from: 2, to: 1))
        #expect(r.phase == .aborted)
        #expect(r.core.message.contains("analysis default failed"))

        var manual = canary(autoRollback: false)
        _ = manual.start(now: 0)
        _ = manual.step(RolloutObservation(now: 30 * minute))
        #expect(effects(manual.step(RolloutObservation(now: 31 * minute, analysis: result(.failed)))).isEmpty)
        #expect(manual.phase == .degraded)
    }

    @Test("an inconclusive analysis pauses for a person; promote continues past it")
    func inconclusive() {
        var r = canary()
        _ = r.start(now: 0)
        _ = r.step(RolloutObservation(now: 30 * minute))
        #expect(effects(r.step(RolloutObservation(now: 31 * minute, analysis: result(.inconclusive)))).isEmpty)
        #expect(r.phase == .paused)
        let resumed = r.step(RolloutObservation(now: 40 * minute, command: .promote))
        #expect(effects(resumed) == [.setCapital(revision: 2, pct: 50), .setCapital(revision: 1, pct: 50)])
    }

    @Test("no progress within the deadline rolls back; pauses do not count against it")
    func deadline() {
        var r = canary(deadline: .minutes(10))
        _ = r.start(now: 0)
        #expect(r.step(RolloutObservation(now: 25 * minute)).isEmpty, "a 30m pause outlasts a 10m deadline legitimately")
        _ = r.step(RolloutObservation(now: 30 * minute))  // analysis requested
        #expect(r.step(RolloutObservation(now: 39 * minute)).isEmpty)
        let timedOut = r.step(RolloutObservation(now: 41 * minute))
        #expect(r.phase == .aborted)
        #expect(eventKinds(timedOut) == ["RolloutAborted"])
        #expect(r.core.message.contains("progress deadline"))
    }

    @Test("a canary failing its health checks is rolled back")
    func healthFailure() {
        var r = canary()
        _ = r.start(now: 0)
        _ = r.step(RolloutObservation(now: minute, unhealthy: [2]))
        #expect(r.phase == .aborted)
        #expect(r.core.message == "revision 2 failed its health checks")
        var other = canary()
        _ = other.start(now: 0)
        _ = other.step(RolloutObservation(now: minute, unhealthy: [1]))
        #expect(other.phase == .progressing, "stable's health is the watchdog's business, not the rollout's")
    }

    @Test("a bot's first revision starts with all the capital")
    func firstRevision() {
        var r = CanaryRollout(core: core(deploy(.canary(steps: Self.steps)), stable: nil, candidate: 1), steps: Self.steps)
        #expect(effects(r.start(now: 0)) == [.startInstance(revision: 1, mode: .live, capitalPct: 100)])
        #expect(r.phase == .completed)
    }

    @Test("a rollout survives a restart: encoded mid-pause, decoded, it continues from the same step")
    func resumesAfterRestart() throws {
        var r = canary()
        _ = r.start(now: 0)
        let data = try JSONEncoder().encode(Rollout.canary(r))
        var restored = try JSONDecoder().decode(Rollout.self, from: data)
        #expect(restored.stepDescription == Rollout.canary(r).stepDescription)
        #expect(effects(restored.step(RolloutObservation(now: 30 * minute))) == [.runAnalysis(template: "default", candidate: 2, baseline: 1)])
    }
}

import Foundation
