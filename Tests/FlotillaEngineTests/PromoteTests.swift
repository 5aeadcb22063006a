import FlotillaEngine
import FlotillaSpec
import Testing

/// `rollout promote` as Argo Rollouts users expect it: it skips the current pause, timed or not,
/// (or resumes after an inconclusive analysis); it never skips a running analysis — `--full` skips
/// every step. `rollout status` shows the time left on a timed pause and the analyses still to run.
@Suite("Promote skips the current pause")
struct PromoteTests {
    static let steps: [DeployStrategy.CanaryStep] = [
        .setCapital(percent: 10), .pause(.minutes(30)), .analysis(template: "default"), .setCapital(percent: 50), .pause(nil),
    ]

    /// Where the canary stands when promote arrives, and what promote does there.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// Observations before the promote (minutes, and an analysis result, if any).
        var before: [(minutes: Int64, analysis: AnalysisPhase?)]
        var promoteAt: Int64
        var command: RolloutCommand = .promote
        /// The effects promote causes (events aside).
        var effects: [RolloutAction]
        var events: [String]
        var phase: RolloutPhase
        var stepsDone: Int
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "on a timed pause (30m, 1 minute in): past it at once, to the analysis", before: [], promoteAt: 1,
             effects: [.runAnalysis(template: "default", candidate: 2, baseline: 1)], events: ["RolloutResumed"], phase: .progressing, stepsDone: 2),
        Case(name: "on a timed pause, 29 minutes in: the same", before: [(29, nil)], promoteAt: 29,
             effects: [.runAnalysis(template: "default", candidate: 2, baseline: 1)], events: ["RolloutResumed"], phase: .progressing, stepsDone: 2),
        Case(name: "during a running analysis: nothing skipped, and it says why", before: [(30, nil)], promoteAt: 31,
             effects: [], events: ["PromoteWaiting"], phase: .progressing, stepsDone: 2),
        Case(name: "after an inconclusive analysis (Paused): past it", before: [(30, nil), (32, .inconclusive)], promoteAt: 40,
             effects: [.setCapital(revision: 2, pct: 50), .setCapital(revision: 1, pct: 50)], events: ["RolloutResumed", "CapitalSet", "RolloutPaused"],
             phase: .paused, stepsDone: 4),
        Case(name: "on the untimed pause (pause: {}): past it, and so promoted", before: [(30, nil), (32, .successful)], promoteAt: 600,
             effects: [.handOverPositions(from: 1, to: 2), .setMode(revision: 2, mode: .live), .setCapital(revision: 2, pct: 100), .stopInstance(revision: 1)],
             events: ["RolloutResumed", "RolloutCompleted"], phase: .completed, stepsDone: 5),
        Case(name: "--full on a timed pause: every step skipped", before: [], promoteAt: 1, command: .promoteFull,
             effects: [.handOverPositions(from: 1, to: 2), .setMode(revision: 2, mode: .live), .setCapital(revision: 2, pct: 100), .stopInstance(revision: 1)],
             events: ["RolloutCompleted"], phase: .completed, stepsDone: 5),
        Case(name: "--full during a running analysis: every step skipped", before: [(30, nil)], promoteAt: 31, command: .promoteFull,
             effects: [.handOverPositions(from: 1, to: 2), .setMode(revision: 2, mode: .live), .setCapital(revision: 2, pct: 100), .stopInstance(revision: 1)],
             events: ["RolloutCompleted"], phase: .completed, stepsDone: 5),
    ]

    @Test("canary", arguments: cases)
    func canary(_ c: Case) {
        var r = CanaryRollout(core: core(deploy(.canary(steps: Self.steps))), steps: Self.steps)
        _ = r.start(now: 0)
        for o in c.before { _ = r.step(RolloutObservation(now: o.minutes * minute, analysis: o.analysis.map { result($0) })) }
        let actions = r.step(RolloutObservation(now: c.promoteAt * minute, command: c.command))
        #expect(effects(actions) == c.effects)
        #expect(eventKinds(actions) == c.events)
        #expect(r.phase == c.phase)
        #expect(r.stepProgress.done == c.stepsDone)
    }

    @Test("a timed pause left alone still waits its whole duration")
    func timedPauseWaits() {
        var r = CanaryRollout(core: core(deploy(.canary(steps: Self.steps))), steps: Self.steps)
        _ = r.start(now: 0)
        #expect(r.step(RolloutObservation(now: 29 * minute)).isEmpty)
        #expect(effects(r.step(RolloutObservation(now: 30 * minute))) == [.runAnalysis(template: "default", candidate: 2, baseline: 1)])
    }

    /// What status shows at each point of the canary: time left on the pause, analyses to run.
    @Test("status: the time left on a timed pause and the analyses still to run")
    func statusFigures() {
        let steps: [DeployStrategy.CanaryStep] = [.setCapital(percent: 10), .pause(.minutes(30)), .analysis(template: "quick"), .setCapital(percent: 50),
                                                  .pause(nil), .analysis(template: "default")]
        var r = Rollout.canary(CanaryRollout(core: core(deploy(.canary(steps: steps))), steps: steps))
        _ = r.start(now: 0)
        #expect(r.pauseRemainingMs(now: 10 * minute) == 20 * minute)
        #expect(r.analysesRemaining == ["quick", "default"])
        _ = r.step(RolloutObservation(now: 30 * minute))
        #expect(r.pauseRemainingMs(now: 31 * minute) == nil, "an analysis runs: no pause")
        #expect(r.analysesRemaining == ["quick", "default"], "the running one first")
        _ = r.step(RolloutObservation(now: 32 * minute, analysis: result(.successful, "quick")))
        #expect(r.phase == .paused)
        #expect(r.pauseRemainingMs(now: 33 * minute) == nil, "an untimed pause has no time left, only a person")
        #expect(r.analysesRemaining == ["default"])
        _ = r.step(RolloutObservation(now: 34 * minute, command: .promoteFull))
        #expect(r.analysesRemaining == [] && r.pauseRemainingMs(now: 35 * minute) == nil)
    }

    @Test("staged: promote ends a stage's timed wait; its analysis still runs")
    func staged() {
        let stages: [DeployStrategy.Stage] = [.init(name: .shadow, duration: .hours(1), analysis: "default"), .init(name: .live, duration: nil, analysis: nil)]
        var r = StagedRollout(core: core(deploy(.staged(stages: stages))), stages: stages)
        _ = r.start(now: 0)
        #expect(r.pauseRemainingMs(now: 15 * minute) == 45 * minute)
        #expect(r.analysesRemaining == ["default"])
        let actions = r.step(RolloutObservation(now: 15 * minute, command: .promote))
        #expect(effects(actions) == [.runAnalysis(template: "default", candidate: 2, baseline: 1)])
        #expect(eventKinds(actions) == ["RolloutResumed"])
        #expect(r.pauseRemainingMs(now: 16 * minute) == nil)
        let waiting = r.step(RolloutObservation(now: 16 * minute, command: .promote))
        #expect(effects(waiting).isEmpty && eventKinds(waiting) == ["PromoteWaiting"], "a running analysis is not skipped")
    }

    @Test("blue-green: promote ends the preview; a manual promotion still waits for its own promote")
    func blueGreen() {
        let config = DeployStrategy.BlueGreen(previewDuration: .hours(1), prePromotionAnalysis: nil, postPromotionAnalysis: nil, autoPromote: false,
                                              scaleDownDelay: .minutes(10))
        var r = BlueGreenRollout(core: core(deploy(.blueGreen(config))), config: config)
        _ = r.start(now: 0)
        #expect(r.pauseRemainingMs(now: 20 * minute) == 40 * minute)
        let ended = r.step(RolloutObservation(now: 20 * minute, command: .promote))
        #expect(effects(ended).isEmpty, "nothing switched yet")
        #expect(r.phase == .paused && r.stage == .awaitingPromotion)
        let switched = r.step(RolloutObservation(now: 21 * minute, command: .promote))
        #expect(effects(switched).first == .handOverPositions(from: 1, to: 2))
    }
}
