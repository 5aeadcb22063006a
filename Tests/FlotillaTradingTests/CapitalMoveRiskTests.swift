import FlotillaTrading
import Foundation
import Testing

/// Capital moved between a bot's instances is a reallocation, not a gain or a loss.
@Suite("Risk limits and capital moves")
struct CapitalMoveRiskTests {
    struct Move: Sendable, CustomTestStringConvertible {
        var label: String
        var amount: Fixed
        var testDescription: String { label }
    }

    @Test("a capital move is never a drawdown or a loss; a real loss after it still counts",
          arguments: [Move(label: "canary takes 80 % of stable's capital", amount: -800), Move(label: "capital moves in", amount: 500)])
    func moves(_ move: Move) {
        var limits = RiskLimits()
        limits.emergencyStopLossPct = 20
        var risk = RiskManager(limits: limits)
        _ = risk.observe(equity: 1000, at: 0)
        risk.shift(by: move.amount)
        let after = Fixed(1000) + move.amount
        let fired = risk.observe(equity: after, at: 60)
        #expect(!fired, "the move itself is not a drawdown")
        #expect(!risk.halted)
        #expect(risk.lossPct(.day) == 0 && risk.lossPct(.week) == 0)
        // A 25 % loss of what it holds after the move still fires the emergency stop.
        let loss = risk.observe(equity: after.scaled(by: 3, over: 4), at: 120)
        #expect(loss)
    }
}
