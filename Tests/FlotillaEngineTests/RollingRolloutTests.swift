import FlotillaEngine
import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

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
