@testable import FlotillaEngine
import FlotillaTrading
import Foundation
import Testing

/// A bot's capital accounting as a value: no move creates or destroys money.
@Suite("The capital ledger")
struct CapitalLedgerTests {
    func account(_ id: String, share: Decimal, equity: Int, cash: Int? = nil) -> CapitalLedger.Account {
        .init(id: id, share: share, equity: Fixed(equity), cash: Fixed(cash ?? equity))
    }

    struct Rebalance: Sendable, CustomTestStringConvertible {
        var name: String
        var reserve: Int
        /// id, share %, equity, cash
        var accounts: [(String, Int, Int, Int)]
        var moves: [String: Int]
        var reserveAfter: Int
        var testDescription: String { name }
    }

    @Test("rebalancing brings each live account to its share of the bot's equity", arguments: [
        Rebalance(name: "a first instance draws the whole reserve", reserve: 1000, accounts: [("a", 100, 0, 0)], moves: ["a": 1000], reserveAfter: 0),
        Rebalance(name: "a canary at 10 % takes its share from stable's excess", reserve: 0, accounts: [("stable", 90, 1000, 1000), ("canary", 10, 0, 0)],
                  moves: ["stable": -100, "canary": 100], reserveAfter: 0),
        Rebalance(name: "an account gives no more cash than it holds (the rest is in its position)", reserve: 0,
                  accounts: [("stable", 50, 1000, 200), ("canary", 50, 0, 0)], moves: ["stable": -200, "canary": 200], reserveAfter: 0),
        Rebalance(name: "shares below 100 % leave the rest in the reserve", reserve: 1000, accounts: [("a", 30, 0, 0), ("b", 20, 0, 0)],
                  moves: ["a": 300, "b": 200], reserveAfter: 500),
        Rebalance(name: "accounts at their share move nothing", reserve: 0, accounts: [("a", 50, 500, 500), ("b", 50, 500, 500)], moves: [:], reserveAfter: 0),
        Rebalance(name: "no live account: nothing moves", reserve: 1000, accounts: [], moves: [:], reserveAfter: 1000),
    ])
    func rebalance(_ c: Rebalance) {
        var ledger = CapitalLedger(reserve: Fixed(c.reserve))
        let accounts = c.accounts.map { account($0.0, share: Decimal($0.1), equity: $0.2, cash: $0.3) }
        let before = accounts.reduce(ledger.reserve) { $0 + $1.equity }
        let moves = ledger.rebalance(accounts)
        #expect(Dictionary(uniqueKeysWithValues: moves.map { ($0.id, $0.amount) }) == c.moves.mapValues { Fixed($0) })
        // Money is conserved: what left the accounts is in the reserve, and the other way round.
        let after = accounts.reduce(ledger.reserve) { total, a in total + a.equity + (moves.first { $0.id == a.id }?.amount ?? .zero) }
        #expect(after == before)
        #expect(ledger.reserve == Fixed(c.reserveAfter))
    }

    @Test("shares that do not divide evenly are rounded down: the reserve keeps the remainder and never goes negative")
    func rounding() {
        var ledger = CapitalLedger(reserve: Fixed(units: 100))
        let moves = ledger.rebalance([account("a", share: Decimal(100) / 3, equity: 0), account("b", share: Decimal(100) / 3, equity: 0),
                                      account("c", share: Decimal(100) / 3, equity: 0)])
        let given = moves.reduce(Fixed.zero) { $0 + $1.amount }
        #expect(given + ledger.reserve == Fixed(units: 100))
        #expect(ledger.reserve.units >= 0)
    }

    @Test("an instance that stops returns its cash; one that leaves live remembers what it earned; the ledger still accounts for the capital")
    func handovers() {
        var ledger = CapitalLedger(reserve: Fixed(0))
        // Two live instances were funded with 600 and 400 of a 1,000 capital.
        var contributions = [Fixed(600), Fixed(400)]
        #expect(ledger.accounted(contributions: contributions) == Fixed(1000))
        // The 400 one made 50 and leaves live for shadow: 450 comes back, 50 of it PnL.
        ledger.leftLive(returning: Fixed(450), contribution: Fixed(400))
        #expect(ledger.reserve == Fixed(450))
        #expect(ledger.returnedPnL == Fixed(50))
        #expect(ledger.accounted(contributions: contributions) == Fixed(1000) + Fixed(400), "its record now shows the shadow account")
        contributions.removeLast()
        #expect(ledger.accounted(contributions: contributions) == Fixed(1000))
        // The 600 one stops with 580: its cash returns to the reserve.
        ledger.stopped(returning: Fixed(580))
        #expect(ledger.reserve == Fixed(1030))
    }

    @Test("an in-place capital change moves the difference into or out of the reserve")
    func capitalChange() {
        var ledger = CapitalLedger(reserve: Fixed(100))
        ledger.capitalChanged(from: Fixed(1000), to: Fixed(1500))
        #expect(ledger.reserve == Fixed(600))
        ledger.capitalChanged(from: Fixed(1500), to: Fixed(900))
        #expect(ledger.reserve == Fixed(0))
    }

    @Test("the envelope persists the ledger in its reserve and returned PnL")
    func envelope() {
        var envelope = RolloutEnvelope(rollout: .undo(bot: "b", current: 1, to: 2), reserve: Fixed(10), analysis: nil)
        #expect(envelope.ledger == CapitalLedger(reserve: Fixed(10)))
        envelope.ledger.leftLive(returning: Fixed(5), contribution: Fixed(3))
        #expect(envelope.reserve == Fixed(15))
        #expect(envelope.returnedPnL == Fixed(2))
    }
}
