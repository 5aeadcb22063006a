@testable import FlotillaEngine
import FlotillaSpec
import FlotillaTesting
import FlotillaTrading
import Testing

/// The reconciler's pure decision for one bot: (envelope, observation) → next envelope and actions.
@Suite("The reconciler's next rollout step")
struct NextRolloutTests {
    /// What the bot's persisted rollout is before the pass.
    enum Given: Sendable {
        /// No rollout yet.
        case nothing
        /// Revision `revision` rolled out and completed (reserve 0, capital 1000).
        case completed(Int)
        /// A canary of revision 2 against 1 started at 0 (10 % at once, then a 30-minute pause).
        case canary
        /// The canary at its analysis step: the analysis opened at 30 minutes.
        case analysing
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var given: Given
        var desired = 2
        var capital = 1000
        var undoTo: Int? = nil
        var minutes: Int64 = 0
        var analysis: AnalysisPhase? = nil
        // Expected:
        var candidate: Int
        var stable: Int?
        var strategy = "canary"
        var effects: [RolloutAction]? = nil
        var events: [String] = []
        var reserve: Int
        var pin: Int? = nil
        /// When the analysis the envelope measures opened (nil: none).
        var analysisOpenedAt: Int64? = nil

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "a bot with no rollout starts its first, its whole capital in the reserve", given: .nothing, desired: 1,
             candidate: 1, stable: nil, effects: [.startInstance(revision: 1, mode: .live, capitalPct: 100)], events: ["RolloutCompleted"], reserve: 1000),
        Case(name: "a new revision starts a rollout from the revision that serves", given: .completed(1),
             candidate: 2, stable: 1, events: ["RolloutStarted"], reserve: 0),
        Case(name: "a completed rollout with nothing observed does nothing", given: .completed(2), minutes: 90,
             candidate: 2, stable: 1, effects: [], reserve: 0),
        Case(name: "an in-place capital change moves the difference into the reserve", given: .completed(2), capital: 1500,
             candidate: 2, stable: 1, effects: [], events: ["CapitalChanged"], reserve: 500),
        Case(name: "a lower capital takes the difference out of the reserve", given: .completed(2), capital: 800,
             candidate: 2, stable: 1, effects: [], events: ["CapitalChanged"], reserve: -200),
        Case(name: "undo pins the desired state and switches back on the fast path", given: .completed(2), undoTo: 1,
             candidate: 1, stable: 2, strategy: "immediate", reserve: 0, pin: 1),
        Case(name: "undo mid-canary abandons it and goes back from stable", given: .canary, undoTo: 1, minutes: 5,
             candidate: 1, stable: 1, strategy: "immediate", events: ["RolloutSuperseded"], reserve: 0, pin: 1),
        Case(name: "the canary's analysis step opens an analysis at now", given: .canary, minutes: 30,
             candidate: 2, stable: 1, effects: [.runAnalysis(template: "default", candidate: 2, baseline: 1)], reserve: 0,
             analysisOpenedAt: 30 * minute),
        Case(name: "a judged analysis is done with: passed, the canary completes", given: .analysing, minutes: 31, analysis: .successful,
             candidate: 2, stable: 1, events: ["RolloutCompleted"], reserve: 0),
        Case(name: "a failed analysis rolls back", given: .analysing, minutes: 31, analysis: .failed,
             candidate: 2, stable: 1, events: ["RolloutAborted"], reserve: 0),
        Case(name: "a newer revision mid-analysis drops the analysis and starts over from stable", given: .analysing, desired: 3, minutes: 31,
             candidate: 3, stable: 1, events: ["RolloutSuperseded", "RolloutStarted"], reserve: 0),
    ]

    static func spec(revision: Int) throws -> ResolvedBot {
        try #require(try Fixtures.resolve(Fixtures.botYAML(["fast: 10": "fast: \(10 + revision)"])).first)
    }

    static func envelope(_ given: Given) throws -> RolloutEnvelope? {
        switch given {
        case .nothing:
            return nil
        case .completed(let revision):
            var rollout = Rollout(bot: try spec(revision: revision), stable: revision > 1 ? revision - 1 : nil, candidate: revision)
            _ = rollout.start(now: 0)
            if revision > 1 { _ = rollout.step(RolloutObservation(now: 0, command: .promoteFull)) }
            return RolloutEnvelope(rollout: rollout, reserve: .zero, analysis: nil, capital: Fixed(1000))
        case .canary:
            var rollout = Rollout(bot: try spec(revision: 2), stable: 1, candidate: 2)
            _ = rollout.start(now: 0)
            return RolloutEnvelope(rollout: rollout, reserve: .zero, analysis: nil, capital: Fixed(1000))
        case .analysing:
            var rollout = Rollout(bot: try spec(revision: 2), stable: 1, candidate: 2)
            _ = rollout.start(now: 0)
            _ = rollout.step(RolloutObservation(now: 30 * minute))
            return RolloutEnvelope(rollout: rollout, reserve: .zero,
                                   analysis: .init(template: "default", candidate: 2, baseline: 1, startedAt: 30 * minute), capital: Fixed(1000))
        }
    }

    @Test("the next step", arguments: cases)
    func next(_ c: Case) throws {
        var observation = RolloutObservation(now: c.minutes * minute)
        observation.analysis = c.analysis.map { result($0) }
        let desired = NextRollout.Desired(revision: c.desired, spec: try Self.spec(revision: c.desired), capital: Fixed(c.capital))
        let next = NextRollout.decide(try Self.envelope(c.given), desired: desired, undoTo: c.undoTo, observation: observation)
        #expect(next.envelope.rollout.core.candidate == c.candidate)
        #expect(next.envelope.rollout.core.stable == c.stable)
        #expect(next.envelope.rollout.strategyName == c.strategy)
        if let expected = c.effects { #expect(effects(next.actions) == expected) }
        for kind in c.events { #expect(eventKinds(next.actions).contains(kind), "\(eventKinds(next.actions))") }
        #expect(next.envelope.reserve == Fixed(c.reserve))
        #expect(next.envelope.capital == Fixed(c.capital))
        #expect(next.pin == c.pin)
        #expect(next.envelope.analysis?.startedAt == c.analysisOpenedAt)
    }

    struct Due: Sendable, CustomTestStringConvertible {
        var name: String
        var desired = 2
        var undoTo: Int? = nil
        var minutes: Int64
        var due: Bool
        var testDescription: String { name }
    }

    @Test("an analysis is judged once its window has passed, only while the rollout steps on", arguments: [
        Due(name: "before the window ends", minutes: 30, due: false),
        Due(name: "when the window ends", minutes: 31, due: true),
        Due(name: "not when an undo replaces the rollout", undoTo: 1, minutes: 40, due: false),
        Due(name: "not when a newer revision replaces it", desired: 3, minutes: 40, due: false),
    ])
    func analysisDue(_ c: Due) throws {
        let envelope = try Self.envelope(.analysing)
        let pending = NextRollout.analysisDue(envelope, desiredRevision: c.desired, undoTo: c.undoTo, now: c.minutes * minute, window: minute)
        #expect((pending != nil) == c.due)
    }
}
