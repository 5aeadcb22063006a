import FlotillaTesting
import FlotillaTrading
import Foundation
import Testing

struct ReferenceRun: Decodable, Sendable, CustomTestStringConvertible {
    struct Trade: Decodable, Sendable {
        var size: Int
        var entryTime: String
        var exitTime: String
        var entryPrice: Double
        var exitPrice: Double
        var pnl: Double
    }
    var file: String
    var cash: Int
    var commission: Double
    var finalEquity: Double
    var trades: [Trade]

    var testDescription: String { "\(file), commission \(commission * 100)%" }
}

func referenceRuns() -> [ReferenceRun] {
    struct File: Decodable { var runs: [ReferenceRun] }
    let data = try! Data(contentsOf: Fixtures.url("reference/backtesting-sma-cross.json"))
    return try! JSONDecoder().decode(File.self, from: data).runs
}

func bundledCandles(_ name: String) throws -> [Candle] {
    let path = try #require(BundledData.path(name), "\(name) is bundled")
    return try CandleCSV.read(path: path)
}

@Suite("Backtest agrees with backtesting.py")
struct BacktestCrossCheckTests {
    @Test("long-only SMA(10/30) crossover, all-in, next-open fills, whole units", arguments: referenceRuns())
    func smaCross(_ reference: ReferenceRun) throws {
        let candles = try bundledCandles(reference.file)
        let fee = try #require(Fixed(parsing: String(reference.commission)))
        let venue = PaperVenue(cash: Fixed(reference.cash), rules: VenueRules(lotSize: 1, tickSize: Fixed(units: 1), takerFee: fee))
        let report = Backtest.run(
            strategy: LongOnly(MACrossover(fast: 10, slow: 30, sizePct: 100)), candles: candles, risk: .unlimited, venue: venue,
            periodsPerYear: 252)
        #expect(report.trades.count == reference.trades.count)
        for (ours, theirs) in zip(report.trades, reference.trades) {
            #expect(ours.entryTime == theirs.entryTime)
            #expect(ours.exitTime == theirs.exitTime)
            #expect(ours.quantity == Fixed(theirs.size), "\(ours.entryTime)")
        }
        let final = report.finalEquity.double
        #expect(abs(final - reference.finalEquity) / reference.finalEquity < 0.001, "ours \(final), backtesting.py \(reference.finalEquity)")
    }
}
