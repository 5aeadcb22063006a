import FlotillaEngine
import FlotillaSpec
import FlotillaTesting
import FlotillaTrading
import Foundation
import Testing

/// Rules across bots (`fleet-policy.yaml`): exposure per symbol and per asset, on an account or
/// fleet-wide; conflicting positions under each policy; concentration. An order that would pass a
/// rule is refused with the rule and the bots that hold the exposure.
@Suite("Fleet policy")
struct FleetPolicyTests {
    struct Held: Sendable {
        var instance: String
        var bot: String
        var account = "paper/main"
        var symbol = "BTC-USDT"
        var position: String
        var mark = "50000"
        var equity = "10000"
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var policy: FleetPolicySpec
        var held: [Held]
        /// The entry: of instance `c` (which must be in `held`).
        var side: Side = .buy
        var notional: String
        var quantity = "0"
        /// nil: allowed; else a part of the refusal.
        var refused: String?
        var warning: String?
        var testDescription: String { name }
    }

    typealias Rule = FleetPolicySpec.ExposureRule
    static func policy(_ rules: [Rule] = [], conflicts: FleetPolicySpec.ConflictPolicy = .allow, concentration: Decimal? = nil) -> FleetPolicySpec {
        FleetPolicySpec(exposure: rules, conflicts: conflicts, maxSymbolPctOfEquity: concentration)
    }
    static let btcLimit = Rule(path: "spec.exposure[0]", subject: .symbol("BTC-USDT"), maxNotional: 20000)
    static let c = Held(instance: "c", bot: "c", position: "0")

    static let cases: [Case] = [
        Case(name: "two bots under the symbol's limit", policy: policy([btcLimit]),
             held: [Held(instance: "a", bot: "a", position: "0.2"), c], notional: "9999.99999999"),
        Case(name: "two bots over the symbol's limit: refused, naming the rule and the holder", policy: policy([btcLimit]),
             held: [Held(instance: "a", bot: "a", position: "0.2"), c], notional: "10000.00000001",
             refused: "fleet policy: exposure to BTC-USDT fleet-wide would be 20000.00000001 USDT, over its limit 20000 (fleet-policy.yaml spec.exposure[0].maxNotional); held by a 10000 USDT"),
        Case(name: "three bots: the two that hold it are named, largest first", policy: policy([btcLimit]),
             held: [Held(instance: "a", bot: "a", position: "0.16"), Held(instance: "b", bot: "b", position: "-0.18"), c], notional: "3000.00000001",
             refused: "held by b 9000 USDT, a 8000 USDT"),
        Case(name: "three bots under: shorts count by their size", policy: policy([btcLimit]),
             held: [Held(instance: "a", bot: "a", position: "0.16"), Held(instance: "b", bot: "b", position: "-0.18"), c], notional: "3000"),
        Case(name: "an account's rule ignores the other accounts", policy: policy([Rule(path: "spec.exposure[0]", subject: .symbol("BTC-USDT"), account: "desk", maxNotional: 10000)]),
             held: [Held(instance: "a", bot: "a", account: "paper/other", position: "0.3"), Held(instance: "c", bot: "c", account: "paper/desk", position: "0")],
             notional: "9000"),
        Case(name: "an account's rule counts its own bots", policy: policy([Rule(path: "spec.exposure[0]", subject: .symbol("BTC-USDT"), account: "desk", maxNotional: 10000)]),
             held: [Held(instance: "a", bot: "a", account: "paper/desk", position: "0.1"), Held(instance: "c", bot: "c", account: "paper/desk", position: "0")],
             notional: "5001", refused: "exposure to BTC-USDT on account desk would be 10001 USDT"),
        Case(name: "a share of the equity of the bots in scope", policy: policy([Rule(path: "spec.exposure[0]", subject: .symbol("BTC-USDT"), maxPctOfEquity: 50)]),
             held: [Held(instance: "a", bot: "a", position: "0.12"), c], notional: "4000.00000001",
             refused: "over 50% of the bots' equity 20000"),
        Case(name: "an asset's quantity across its symbols, whatever their quote", policy: policy([Rule(path: "spec.exposure[0]", subject: .asset("BTC"), maxQuantity: 1)]),
             held: [Held(instance: "a", bot: "a", position: "0.6"), Held(instance: "b", bot: "b", symbol: "BTC-USDC", position: "0.3"), c],
             notional: "10000", quantity: "0.10000001", refused: "fleet policy: BTC held fleet-wide would be 1.00000001, over its limit 1 (fleet-policy.yaml spec.exposure[0].maxQuantity); held by a 0.6 BTC, b 0.3 BTC"),
        Case(name: "an asset's notional counts its symbols of the order's quote only", policy: policy([Rule(path: "spec.exposure[0]", subject: .asset("BTC"), maxNotional: 20000)]),
             held: [Held(instance: "a", bot: "a", position: "0.2"), Held(instance: "b", bot: "b", symbol: "BTC-USDC", position: "0.3"), c], notional: "10000"),
        Case(name: "conflict under block: the opposite side is refused", policy: policy(conflicts: .block),
             held: [Held(instance: "a", bot: "a", position: "-0.1"), c], notional: "100",
             refused: "fleet policy: conflicting positions on BTC-USDT (account main): this order goes long while a 5000 USDT holds the other side (spec.conflicts: block)"),
        Case(name: "conflict under warn: allowed, with a warning", policy: policy(conflicts: .warn),
             held: [Held(instance: "a", bot: "a", position: "-0.1"), c], notional: "100",
             warning: "conflicting positions on BTC-USDT (account main): this order goes long while a 5000 USDT holds the other side"),
        Case(name: "conflict under allow: nothing", policy: policy(conflicts: .allow),
             held: [Held(instance: "a", bot: "a", position: "-0.1"), c], notional: "100"),
        Case(name: "the same side is no conflict", policy: policy(conflicts: .block),
             held: [Held(instance: "a", bot: "a", position: "0.1"), c], notional: "100"),
        Case(name: "another account is no conflict", policy: policy(conflicts: .block),
             held: [Held(instance: "a", bot: "a", account: "binance/bn", position: "-0.1"), c], notional: "100"),
        Case(name: "a bot's own other instance (its canary) is no conflict", policy: policy(conflicts: .block),
             held: [Held(instance: "c-canary", bot: "c", position: "-0.1"), c], notional: "100"),
        Case(name: "concentration: one symbol's share of the account's equity", policy: policy(concentration: 50),
             held: [Held(instance: "a", bot: "a", position: "0.12"), c], notional: "4000.00000001",
             refused: "fleet policy: BTC-USDT would take 10000.00000001 USDT of account main's equity 20000, over the 50% one symbol may (fleet-policy.yaml spec.concentration.maxSymbolPctOfEquity)"),
        Case(name: "concentration under", policy: policy(concentration: 50),
             held: [Held(instance: "a", bot: "a", position: "0.12"), c], notional: "4000"),
    ]

    static func book(_ c: Case) throws -> FleetExposure {
        var book = try FleetExposure(policy: c.policy)
        for h in c.held {
            book.update(h.instance, FleetExposure.Holding(
                bot: h.bot, account: h.account, symbol: try #require(Symbol(h.symbol)), position: try #require(Fixed(parsing: h.position)),
                mark: try #require(Fixed(parsing: h.mark)), equity: try #require(Fixed(parsing: h.equity))))
        }
        return book
    }

    @Test("an entry is checked against every rule across bots", arguments: cases)
    func rules(_ c: Case) throws {
        let book = try Self.book(c)
        let verdict = book.check(FleetExposure.Entry(instance: "c", side: c.side, notional: try #require(Fixed(parsing: c.notional)),
                                                     quantity: try #require(Fixed(parsing: c.quantity))))
        if let refused = c.refused {
            #expect(verdict.refusal?.contains(refused) == true, "\(verdict.refusal ?? "allowed")")
        } else {
            #expect(verdict.refusal == nil)
        }
        #expect(verdict.warning == c.warning)
    }

    @Test("a holding that changes or leaves moves the sums exactly")
    func updates() throws {
        var book = try Self.book(Self.cases[1])
        let entry = FleetExposure.Entry(instance: "c", side: .buy, notional: Fixed(10_001), quantity: .zero)
        #expect(book.check(entry).refusal != nil)
        book.update("a", nil)
        #expect(book.check(entry).refusal == nil, "a left: only c's own position counts")
        book.update("a", FleetExposure.Holding(bot: "a", account: "paper/main", symbol: Symbol("BTC-USDT")!, position: Fixed(parsing: "0.2")!,
                                               mark: Fixed(parsing: "49995")!, equity: Fixed(10_000)))
        #expect(book.check(entry).refusal == nil, "marked at 49995: 9999 + 10001 = 20000, at the limit")
        #expect(book.check(FleetExposure.Entry(instance: "c", side: .buy, notional: Fixed(parsing: "10001.00000001")!, quantity: .zero)).refusal != nil)
        #expect(book.count == 2)
    }
}

/// The rules across bots in a running fleet: two bots that decide alike on one symbol, and a
/// limit that leaves room for one of them.
@Suite("Fleet policy in a running fleet", .serialized)
struct FleetPolicyFleetTests {
    static func yaml(_ name: String) -> String {
        Fixtures.botYAML(name: name, ["strategy: canary": "strategy: immediate", "    canary:\n      steps: [ { setCapital: 10% }, { pause: 30m }, { analysis: default } ]\n": ""])
    }

    @Test("an entry that would take the fleet past a symbol's limit is refused, naming the rule and the bot that holds it; without the file both trade")
    func exposureLimit() async throws {
        for limited in [true, false] {
            let h = try FleetHarness()
            try h.apply(Self.yaml("alpha"))
            try h.apply(Self.yaml("beta"))
            let file = h.dir.appendingPathComponent("fleet-policy.yaml")
            if limited {
                // Each bot enters with 25 % of 1000 BTC: room for one.
                try """
                    apiVersion: flotilla/v1
                    kind: FleetPolicy
                    metadata: { name: fleet }
                    spec:
                      exposure:
                        - { symbol: ETH-BTC, maxNotional: 300 }
                    """.write(to: file, atomically: true, encoding: .utf8)
            }
            await h.fleet.follow(policy: file)
            try await h.fleet.reconcile(nowMs: 0)
            var now: Int64 = 0
            var both = false
            while now < 1_500_000 {
                now += 5_000
                try await h.fleet.tick(nowMs: now)
                let holding = try h.instances().filter { (try? h.metrics($0).position) != .zero }
                if holding.count == 2 { both = true }
                let refusedYet = try h.store.events(limit: 1000).contains { $0.kind == "OrderRefused" }
                if both || (limited && refusedYet) { break }
            }
            let refused = try h.store.events(limit: 1000).filter { $0.kind == "OrderRefused" }
            if limited {
                #expect(!both, "the limit left room for one bot's position")
                let message = try #require(refused.first?.message)
                #expect(message.contains("fleet policy: exposure to ETH-BTC fleet-wide would be"), "\(message)")
                #expect(message.contains("over its limit 300 (fleet-policy.yaml spec.exposure[0].maxNotional); held by "), "\(message)")
                #expect(message.contains("alpha") || message.contains("beta"))
                #expect(try h.store.events(limit: 1000).contains { $0.kind == "PolicyApplied" })
            } else {
                #expect(both, "without a policy both bots hold a position")
                #expect(refused.isEmpty)
            }
        }
    }
}
