import FlotillaPlan
import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

/// A plan marks every bot that would trade real money, so nobody applies one by accident.
@Suite("Plans mark real money")
struct RealMoneyTests {
    static func specs(mode: String, bots: [(name: String, venue: String)]) throws -> [ResolvedBot] {
        let account = SpecSource(name: "accounts/bn.yaml", text: """
            apiVersion: flotilla/v1
            kind: Account
            metadata: { name: bn }
            spec:
              venue: binance
              mode: \(mode)
              liveEnabled: true
              credentials: { apiKey: env:K, secretKey: env:S }
            """, kind: .account)
        let sources = try Fixtures.shippedProfiles() + [account] + bots.map { b in
            SpecSource(name: "bots.d/\(b.name).yaml",
                       text: Fixtures.botYAML(name: b.name, ["venue: { kind: paper, account: main }": "venue: \(b.venue)"]
                           .merging(b.venue.contains("binance") ? [Fixtures.replayMarket: "market: { symbol: BTC-USDT, interval: 5m, source: { live: binance } }"] : [:]) { a, _ in a }),
                       kind: .bot)
        }
        return try SpecLoader.load(sources: sources).bots
    }

    @Test("bots on a live account are named in the plan and marked in their block; testnet and paper bots are not real money")
    func marked() throws {
        let bots = try Self.specs(mode: "live", bots: [("live-one", "{ kind: binance, account: bn }"), ("paper-one", "{ kind: paper }")])
        let plan = Planner.plan(desired: bots, actual: [], stateSerial: 0)
        #expect(plan.realMoneyBots == ["live-one"])
        // plan --json names them too, and a saved plan still reads back.
        let json = try SavedPlan.encoder().encode(plan)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["realMoney"] as? [String] == ["live-one"])
        #expect(try JSONDecoder().decode(Plan.self, from: json).realMoneyBots == ["live-one"])
        let text = PlanText.render(plan)
        #expect(text.contains("  # REAL MONEY: orders go to binance account bn (mode live)\n  + bot \"live-one\" {"))
        #expect(text.contains("REAL MONEY: 1 bot in this plan will trade real money on a live exchange account: live-one."))
        #expect(!text.contains("REAL MONEY: orders go to binance account bn (mode live)\n  + bot \"paper-one\""))

        let testnet = try Self.specs(mode: "testnet", bots: [("test-one", "{ kind: binance, account: bn }")])
        let testPlan = Planner.plan(desired: testnet, actual: [], stateSerial: 0)
        #expect(testPlan.realMoneyBots.isEmpty)
        #expect(PlanText.render(testPlan).contains("# play money: orders go to binance account bn (mode testnet)"))
        #expect(!PlanText.render(testPlan).contains("REAL MONEY"))
    }

    @Test("an account turned live shows as a new revision of each bot on it, marked real money")
    func accountGoingLive() throws {
        let before = try Self.specs(mode: "testnet", bots: [("b", "{ kind: binance, account: bn }")])
        let after = try Self.specs(mode: "live", bots: [("b", "{ kind: binance, account: bn }")])
        let plan = Planner.plan(desired: after, actual: applied(before), stateSerial: 1)
        #expect(plan.changes.map(\.action) == [.replace])
        #expect(plan.changes[0].fields.contains { $0.path == "spec.venue.mode" && $0.old == "testnet" && $0.new == "live" })
        #expect(plan.realMoneyBots == ["b"])
    }
}
