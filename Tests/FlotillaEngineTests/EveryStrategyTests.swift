import FlotillaEngine
import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

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
