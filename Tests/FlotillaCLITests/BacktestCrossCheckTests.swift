import FlotillaCLI
import FlotillaTesting
import Foundation
import Testing

extension SmaCrossReference: CustomTestStringConvertible {}

/// The path a user runs — `flotilla backtest -f SPEC`: the spec loaded and resolved against the
/// profile, the risk manager sizing the entry (no stop-loss: `maxPositionPct` of equity), the paper
/// venue filling at the next open — trades as backtesting.py does.
@Suite("flotilla backtest agrees with backtesting.py")
struct BacktestCrossCheckTests {
    @Test("SmaCross from a spec file: the same trades (times; sizes exact in whole units, within 10⁻⁶ fractional) and final equity within 0.1 %", arguments: SmaCrossReference.all())
    func smaCross(_ reference: SmaCrossReference) async throws {
        let p = try Project()
        let spec = Fixtures.url("backtest/sma-cross.yaml").path
        let r = await p.run("backtest", "-f", spec, "--bot", reference.bot, "--fee", String(reference.commission), "--lot", reference.lot, "--json")
        try #require(r.code == 0, "\(r.err)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let trades = try #require(report["trades"] as? [[String: Any]])
        #expect(trades.count == reference.trades.count)
        for (ours, theirs) in zip(trades, reference.trades) {
            let entry = ours["entryTime"] as? String ?? "?"
            #expect(entry == theirs.entryTime)
            #expect(ours["exitTime"] as? String == theirs.exitTime, "trade entered \(entry)")
            let quantity = (ours["quantity"] as? String).flatMap(Double.init) ?? 0, size = Double(theirs.size) ?? -1
            if reference.lot == "1" {
                #expect(quantity == size, "trade entered \(entry)")
            } else {
                // Fractional: backtesting.py keeps the equity in binary floating point, so its sizes
                // drift from the exact ones by a few 10⁻⁸.
                #expect(abs(quantity / size - 1) < 1e-6, "trade entered \(entry): ours \(quantity), backtesting.py \(size)")
            }
        }
        let final = try #require(Double(report["finalEquity"] as? String ?? ""))
        #expect(abs(final - reference.finalEquity) / reference.finalEquity < 0.001, "ours \(final), backtesting.py \(reference.finalEquity)")
    }

    @Test("the reference covers several markets, parameter sets, whole and fractional units, with and without commission")
    func referenceCoverage() {
        let runs = SmaCrossReference.all()
        #expect(Set(runs.map(\.file)).count >= 5)
        #expect(Set(runs.map { "\($0.fast)/\($0.slow)" }).count >= 5)
        #expect(Set(runs.map(\.lot)) == ["1", "0.00000001"])
        #expect(Set(runs.map(\.commission)) == [0, 0.001])
    }
}
