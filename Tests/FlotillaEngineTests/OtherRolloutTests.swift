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

@Suite("Rolling rollouts")
struct RollingRolloutTests {
    static let symbols = ["ADA-BTC", "XLM-BTC", "TRX-BTC"]

    @Test("with surge, each symbol's new instance shadows, proves healthy for minHealthyTime, then takes over")
    func surge() {
        let config = DeployStrategy.Rolling(maxUnavailable: 0, maxSurge: 1, minHealthyTime: .minutes(5))
        var r = RollingRollout(core: core(deploy(.rolling(config))), config: config, symbols: Self.symbols)
        #expect(effects(r.start(now: 0)) == [.startInstance(revision: 2, mode: .shadow, capitalPct: 0, symbol: "ADA-BTC")])
        #expect(r.step(RolloutObservation(now: 4 * minute)).isEmpty)
        let next = effects(r.step(RolloutObservation(now: 5 * minute)))
        #expect(next.prefix(2) == [.handOverPositions(from: 1, to: 2, symbol: "ADA-BTC"), .setMode(revision: 2, mode: .live, symbol: "ADA-BTC")])
        #expect(next.last == .startInstance(revision: 2, mode: .shadow, capitalPct: 0, symbol: "XLM-BTC"))
        _ = r.step(RolloutObservation(now: 10 * minute))
        _ = r.step(RolloutObservation(now: 15 * minute))
        #expect(r.phase == .completed)
        #expect(r.replaced == Self.symbols)
    }

    @Test("without surge, maxUnavailable instances are replaced in place (new starts, old stops); a health failure rolls replaced symbols back")
    func unavailableAndRollback() {
        let config = DeployStrategy.Rolling(maxUnavailable: 2, maxSurge: 0, minHealthyTime: .minutes(5))
        var r = RollingRollout(core: core(deploy(.rolling(config))), config: config, symbols: Self.symbols)
        let first = effects(r.start(now: 0))
        #expect(first.prefix(3) == [.startInstance(revision: 2, mode: .live, capitalPct: 100 / Decimal(3), symbol: "ADA-BTC"),
                                    .handOverPositions(from: 1, to: 2, symbol: "ADA-BTC"), .stopInstance(revision: 1, symbol: "ADA-BTC")])
        #expect(first.count == 6, "two symbols at a time")
        let rolledBack = effects(r.step(RolloutObservation(now: 2 * minute, unhealthy: [2])))
        #expect(rolledBack.contains(.handOverPositions(from: 2, to: 1, symbol: "ADA-BTC")))
        #expect(rolledBack.contains(.startInstance(revision: 1, mode: .live, capitalPct: 100 / Decimal(3), symbol: "XLM-BTC")))
        #expect(r.phase == .aborted)
    }
}

@Suite("Analysis")
struct AnalysisTests {
    @Test("a canary whose drawdown is worse than stable's by more than the threshold fails")
    func relativeDrawdown() {
        let template = AnalysisTemplate.builtInDefault
        let stable = TradingMetrics(closedTrades: 10, returnOnCapitalPct: 1, maxDrawdownPct: 2)
        let worse = TradingMetrics(closedTrades: 10, returnOnCapitalPct: 1, maxDrawdownPct: 4.5)
        let r = Analysis.evaluate(template: "default", template, candidate: worse, stable: stable)
        #expect(r.phase == .failed)
        #expect(r.message.contains("maxDrawdown vs stable 2.5"))
        let fine = TradingMetrics(closedTrades: 10, returnOnCapitalPct: 0.5, maxDrawdownPct: 3)
        #expect(Analysis.evaluate(template: "default", template, candidate: fine, stable: stable).phase == .successful)
    }

    @Test("absolute thresholds: error and reject rates")
    func absolute() {
        let bad = TradingMetrics(closedTrades: 5, venueCalls: 100, venueErrors: 9, ordersSubmitted: 10, ordersRejected: 0)
        let r = Analysis.evaluate(template: "default", .builtInDefault, candidate: bad, stable: TradingMetrics(closedTrades: 5))
        #expect(r.phase == .failed)
        #expect(r.measurements.first { $0.metric == "errorRate" }?.passed == false)
        #expect(r.measurements.first { $0.metric == "rejectRate" }?.passed == true)
    }

    @Test("too few trades is Inconclusive")
    func inconclusive() {
        let r = Analysis.evaluate(template: "default", .builtInDefault, candidate: TradingMetrics(closedTrades: 1), stable: nil)
        #expect(r.phase == .inconclusive)
        #expect(r.message.contains("needs 3"))
    }
}

@Suite("Every deploy strategy")
struct EveryStrategyTests {
    static let strategies: [DeployStrategy] = [
        .staged(stages: DeployStrategy.defaultStages), .canary(steps: DeployStrategy.defaultCanarySteps),
        .blueGreen(DeployStrategy.defaultBlueGreen), .rolling(DeployStrategy.defaultRolling),
    ]

    func rollout(_ strategy: DeployStrategy, autoRollback: Bool = true) throws -> Rollout {
        var yaml = Fixtures.botYAML()
        yaml = yaml.replacingOccurrences(of: "  deploy:\n    strategy: canary\n    canary:\n      steps: [ { setCapital: 10% }, { pause: 30m }, { analysis: default } ]\n", with: "")
        let base = try #require(try Fixtures.resolve(yaml).first)
        let bot = ResolvedBot(
            name: base.name, labels: base.labels, profile: base.profile, venue: base.venue,
            market: Market(symbols: ["ETH-BTC", "LTC-BTC"], interval: base.market.interval, source: base.market.source), strategy: base.strategy,
            capital: base.capital, settings: base.settings, sources: base.sources,
            deploy: DeploySpec(strategy: strategy, progressDeadline: .minutes(10), autoRollback: autoRollback), file: base.file)
        return Rollout(bot: bot, stable: 1, candidate: 2)
    }

    @Test("abort rolls back, and retry starts over", arguments: strategies)
    func abortRetry(_ strategy: DeployStrategy) throws {
        var r = try rollout(strategy)
        _ = r.start(now: 0)
        _ = r.step(RolloutObservation(now: minute, command: .abort))
        #expect(r.phase == .aborted)
        _ = r.step(RolloutObservation(now: 2 * minute, command: .retry))
        #expect(r.phase == .progressing || r.phase == .paused)
    }

    @Test("a new revision failing its health checks is rolled back", arguments: strategies)
    func health(_ strategy: DeployStrategy) throws {
        var r = try rollout(strategy)
        _ = r.start(now: 0)
        let actions = r.step(RolloutObservation(now: minute, unhealthy: [2]))
        #expect(r.phase == .aborted)
        #expect(eventKinds(actions).contains("RolloutAborted"))
    }

    @Test("promote --full completes any strategy at once", arguments: [DeployStrategy.canary(steps: DeployStrategy.defaultCanarySteps), .staged(stages: DeployStrategy.defaultStages)])
    func fullPromote(_ strategy: DeployStrategy) throws {
        var r = try rollout(strategy)
        _ = r.start(now: 0)
        _ = r.step(RolloutObservation(now: minute, command: .promoteFull))
        #expect(r.phase == .completed)
    }

    @Test("an analysis that never answers trips the progress deadline: rolled back, or Degraded without autoRollback")
    func deadlineWithoutAutoRollback() throws {
        var r = try rollout(.staged(stages: [.init(name: .shadow, duration: .minutes(1), analysis: "default"), .init(name: .live, duration: nil, analysis: nil)]), autoRollback: false)
        _ = r.start(now: 0)
        _ = r.step(RolloutObservation(now: minute))  // analysis requested
        _ = r.step(RolloutObservation(now: 12 * minute))
        #expect(r.phase == .degraded)
        #expect(!r.phase.isHealthy)
        _ = r.step(RolloutObservation(now: 13 * minute, command: .promote))
        #expect(r.phase == .completed)
    }
}

extension DeployStrategy: CustomTestStringConvertible {
    public var testDescription: String { name.rawValue }
}
