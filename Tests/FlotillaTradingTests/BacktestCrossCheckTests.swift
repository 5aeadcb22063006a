import FlotillaTesting
import FlotillaTrading
import Foundation
import Testing

extension SmaCrossReference: CustomTestStringConvertible {}

func bundledCandles(_ name: String) throws -> [Candle] {
    let path = try #require(BundledData.path(name), "\(name) is bundled")
    return try CandleCSV.read(path: path)
}

/// The engine alone (strategy, `BotTrader`, paper venue) with limits that never bind; the same
/// runs through a spec file and `flotilla backtest` are in FlotillaCLITests.
@Suite("Backtest agrees with backtesting.py")
struct BacktestCrossCheckTests {
    @Test("long-only SMA crossover, all-in, next-open fills: the same trades, sizes (whole units exactly), final equity within 0.1 %", arguments: SmaCrossReference.all())
    func smaCross(_ reference: SmaCrossReference) throws {
        let candles = try bundledCandles(reference.file)
        let fee = try #require(Fixed(parsing: String(reference.commission)))
        let lot = try #require(Fixed(parsing: reference.lot))
        let cash = try #require(Fixed(parsing: String(Int(reference.cash))))
        let venue = PaperVenue(cash: cash, rules: VenueRules(lotSize: lot, tickSize: Fixed(units: 1), takerFee: fee))
        let report = Backtest.run(
            strategy: LongOnly(MACrossover(fast: reference.fast, slow: reference.slow, sizePct: 100)), candles: candles, risk: .unlimited,
            venue: venue, periodsPerYear: 252)
        #expect(report.trades.count == reference.trades.count)
        for (ours, theirs) in zip(report.trades, reference.trades) {
            #expect(ours.entryTime == theirs.entryTime)
            #expect(ours.exitTime == theirs.exitTime)
            let size = try #require(Fixed(parsing: theirs.size))
            if reference.lot == "1" {
                #expect(ours.quantity == size, "\(ours.entryTime)")
            } else {
                // Fractional: backtesting.py computes the equity in binary floating point, so its
                // sizes drift from the exact ones by a few 10⁻⁸.
                #expect(abs(ours.quantity.double / size.double - 1) < 1e-6, "\(ours.entryTime): ours \(ours.quantity), backtesting.py \(size)")
            }
        }
        let final = report.finalEquity.double
        #expect(abs(final - reference.finalEquity) / reference.finalEquity < 0.001, "ours \(final), backtesting.py \(reference.finalEquity)")
    }
}
