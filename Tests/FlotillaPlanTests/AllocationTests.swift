import FlotillaPlan
import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

/// Accounts hold the money; bots hold allocations. A plan whose bots are allocated more than
/// their account holds fails, naming the account, its balance and the bots; a plan that fits
/// shows each account's allocation before → after.
@Suite("Account allocations")
struct AllocationTests {
    struct Bot: Sendable {
        var name: String
        var capital: String
        var venue = "{ kind: paper, account: desk }"
        var symbol = "ETH-BTC"
    }

    static func sources(balance: String, account: String = "desk", bots: [Bot]) throws -> [SpecSource] {
        let file = SpecSource(name: "accounts/\(account).yaml", text: """
            apiVersion: flotilla/v1
            kind: Account
            metadata: { name: \(account) }
            spec:
              venue: paper
              balance: \(balance)
            """, kind: .account)
        return try Fixtures.shippedProfiles() + [file] + bots.map { b in
            SpecSource(name: "bots.d/\(b.name).yaml", text: Fixtures.botYAML(name: b.name, [
                "venue: { kind: paper, account: main }": "venue: \(b.venue)",
                "capital: { quote: 1000 }": "capital: { quote: \(b.capital) }",
                "symbol: ETH-BTC": "symbol: \(b.symbol)",
            ]), kind: .bot)
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var balance: String
        var account = "desk"
        var bots: [Bot]
        /// nil: the files validate; else a part of the one error, on the account's balance.
        var error: String?
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "under: two bots within the balance", balance: "{ BTC: 10 }",
             bots: [Bot(name: "a", capital: "4"), Bot(name: "b", capital: "5.5")]),
        Case(name: "exactly the balance is allowed", balance: "{ BTC: 10 }",
             bots: [Bot(name: "a", capital: "4"), Bot(name: "b", capital: "6")]),
        Case(name: "over by one satoshi", balance: "{ BTC: 10 }",
             bots: [Bot(name: "a", capital: "4"), Bot(name: "b", capital: "6.00000001")],
             error: "account desk holds 10 BTC, but its bots are allocated 10.00000001 BTC (b 6.00000001, a 4): lower their spec.capital.quote or raise spec.balance.BTC"),
        Case(name: "three bots over, largest first", balance: "{ BTC: 10 }",
             bots: [Bot(name: "a", capital: "3"), Bot(name: "b", capital: "5"), Bot(name: "c", capital: "3")],
             error: "allocated 11 BTC (b 5, a 3, c 3)"),
        Case(name: "an asset the account does not hold", balance: "{ USDT: 100000 }",
             bots: [Bot(name: "a", capital: "1")], error: "account desk holds no BTC, but its bots are allocated 1 BTC (a 1)"),
        Case(name: "each asset counts on its own", balance: "{ BTC: 1, USDT: 1000 }",
             bots: [Bot(name: "a", capital: "1"), Bot(name: "b", capital: "1000", symbol: "BTC-USDT")]),
        Case(name: "a bot on another paper ledger is not on the account", balance: "{ BTC: 1 }",
             bots: [Bot(name: "a", capital: "1"), Bot(name: "b", capital: "50", venue: "{ kind: paper, account: other }")]),
        Case(name: "main: every paper bot that names no account is on it", balance: "{ BTC: 1 }", account: "main",
             bots: [Bot(name: "a", capital: "0.6", venue: "{ kind: paper }"), Bot(name: "b", capital: "0.6", venue: "{ kind: paper }")],
             error: "account main holds 1 BTC, but its bots are allocated 1.2 BTC"),
    ]

    @Test("the bots on an account may be allocated at most what it holds", arguments: cases)
    func allocation(_ c: Case) throws {
        let sources = try Self.sources(balance: c.balance, account: c.account, bots: c.bots)
        do {
            let specs = try SpecLoader.load(sources: sources)
            #expect(c.error == nil, "expected an error containing \(c.error ?? "")")
            #expect(specs.accounts[c.account]?.venue == .paper)
        } catch {
            let diagnostics = error.diagnostics
            #expect(diagnostics.count == 1, "\(diagnostics)")
            let d = try #require(diagnostics.first)
            let expected = try #require(c.error, "unexpected: \(d)")
            #expect(d.file == "accounts/\(c.account).yaml")
            #expect(d.path.hasPrefix("spec.balance."))
            #expect(d.mark.line == 6, "points at the balance")
            #expect(d.message.contains(expected), "\(d.message)")
        }
    }

    @Test("plan shows each account's allocation before → after, in text and JSON")
    func riskDelta() throws {
        let before = try SpecLoader.load(sources: try Self.sources(balance: "{ BTC: 10 }", bots: [Bot(name: "a", capital: "3")])).bots
        let specs = try SpecLoader.load(sources: try Self.sources(balance: "{ BTC: 10 }", bots: [Bot(name: "a", capital: "3"), Bot(name: "b", capital: "2.5")]))
        let plan = Planner.plan(desired: specs.bots, actual: applied(before), stateSerial: 1, accounts: specs.accounts)
        #expect(plan.risk.accounts == [AccountAllocation(account: "desk", venue: "paper", asset: "BTC", balance: 10, before: 3, after: 5.5)])
        #expect(PlanText.render(plan).contains("Account paper/desk: BTC 3.00 → 5.50 allocated of 10.00\n"))
        let json = try SavedPlan.encoder().encode(plan)
        #expect(try JSONDecoder().decode(Plan.self, from: json).risk.accounts == plan.risk.accounts)

        // No declared account: no account lines, and plans saved before accounts still read.
        let plain = Planner.plan(desired: specs.bots, actual: [], stateSerial: 1)
        #expect(plain.risk.accounts == nil)
        #expect(!PlanText.render(plain).contains("Account "))
    }

    @Test("an orphan keeps its allocation: plan marks an account it over-allocates")
    func orphanOverAllocates() throws {
        let old = try SpecLoader.load(sources: try Self.sources(balance: "{ BTC: 10 }", bots: [Bot(name: "gone", capital: "6")])).bots
        let specs = try SpecLoader.load(sources: try Self.sources(balance: "{ BTC: 10 }", bots: [Bot(name: "new", capital: "6")]))
        let plan = Planner.plan(desired: specs.bots, actual: applied(old), stateSerial: 1, accounts: specs.accounts)
        #expect(plan.orphans == ["gone"])
        #expect(plan.risk.accounts?.first?.overAllocated == true)
        #expect(PlanText.render(plan).contains("Account paper/desk: BTC 6.00 → 12.00 allocated of 10.00 — OVER-ALLOCATED by 2.00"))
    }

    @Test("plan warns when the allocations alone could breach a fleet policy's exposure limit")
    func policyWarning() throws {
        let specs = try SpecLoader.load(sources: try Self.sources(balance: "{ BTC: 10000 }", bots: [Bot(name: "a", capital: "1000"), Bot(name: "b", capital: "600")]))
        // Each bot's largest position: capital × maxPositionPct 25 % × leverage 1.
        let policy = FleetPolicySpec(exposure: [
            .init(path: "spec.exposure[0]", subject: .symbol("ETH-BTC"), maxNotional: 300),
            .init(path: "spec.exposure[1]", subject: .asset("ETH"), account: "elsewhere", maxNotional: 1),
            .init(path: "spec.exposure[2]", subject: .asset("ETH"), maxNotional: 400),
        ])
        let plan = Planner.plan(desired: specs.bots, actual: [], stateSerial: 0, policy: policy)
        #expect(plan.risk.policyWarnings == [
            "fleet-policy.yaml spec.exposure[0] (ETH-BTC fleet-wide, maxNotional 300): the bots' allocations alone could reach 400 BTC at their largest positions (a 250, b 150); entries past the limit will be refused",
        ])
        #expect(PlanText.render(plan).contains("Warning: fleet-policy.yaml spec.exposure[0] (ETH-BTC fleet-wide"))
        #expect(Planner.plan(desired: specs.bots, actual: [], stateSerial: 0).risk.policyWarnings == nil)
    }
}
