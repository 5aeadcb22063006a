import FlotillaTrading
import Foundation
import Testing

/// Gaps in candle time are allowed; a backtest says how many, how long the longest is, and where.
@Suite("Gaps in the candles")
struct CandleGapsTests {
    static func candles(at minutes: [Int64]) -> [Candle] {
        minutes.map { m in Candle(time: 1_515_560_100 + m * 60, open: 100, high: 101, low: 99, close: 100, volume: 1) }
    }

    static func gaps(_ minutes: [Int64], interval: Int64?) -> CandleGaps {
        let venue = PaperVenue(cash: 1000, rules: VenueRules(lotSize: Fixed(units: 1), tickSize: Fixed(units: 1)))
        return Backtest.run(strategy: MACrossover(fast: 2, slow: 3), candles: candles(at: minutes), risk: .unlimited, venue: venue,
                            periodsPerYear: 525_600, intervalSeconds: interval).gaps
    }

    @Test("none in a regular series")
    func none() {
        let g = Self.gaps(Array(0..<50), interval: 60)
        #expect(g.count == 0 && g.missingCandles == 0 && g.largestAfter == nil)
        #expect(g.intervalSeconds == 60)
    }

    @Test("counted, with the longest and where it is", arguments: [Int64(60), nil])
    func counted(_ interval: Int64?) {
        // 2 missing after minute 4, 9 missing after minute 10 (the longest), 1 after minute 25.
        let minutes: [Int64] = Array(0...4) + Array(7...10) + Array(20...25) + Array(27...30)
        let g = Self.gaps(minutes, interval: interval)
        #expect(g.intervalSeconds == 60)
        #expect(g.count == 3)
        #expect(g.missingCandles == 12)
        #expect(g.largestSeconds == 600)
        #expect(g.largestAfter == "2018-01-10T05:05:00Z")
        #expect(g.largestBefore == "2018-01-10T05:15:00Z")
    }

    @Test("1-minute candles replayed for a 5-minute market: gaps are measured in minutes")
    func shorterCandlesThanTheMarket() {
        let g = Self.gaps(Array(0...4) + Array(7...10), interval: 300)
        #expect(g.intervalSeconds == 60)
        #expect(g.count == 1 && g.missingCandles == 2)
    }

    @Test("a step shorter than two intervals is no gap (calendar months against 30 days)")
    func irregular() {
        let days: [Int64] = [0, 31, 59, 90, 120, 151]
        let venue = PaperVenue(cash: 1000, rules: VenueRules(lotSize: Fixed(units: 1), tickSize: Fixed(units: 1)))
        let monthly = days.map { d in Candle(time: d * 86_400, open: 100, high: 101, low: 99, close: 100, volume: 1) }
        let g = Backtest.run(strategy: MACrossover(fast: 2, slow: 3), candles: monthly, risk: .unlimited, venue: venue, periodsPerYear: 12,
                             intervalSeconds: 30 * 86_400).gaps
        #expect(g.count == 0)
    }
}
