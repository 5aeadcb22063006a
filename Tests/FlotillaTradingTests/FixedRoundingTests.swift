import FlotillaTrading
import Testing

/// Every product and quotient of `Fixed` says how it rounds, and rounds the same whether its
/// operands fit in 64 bits (computed there) or need 128.
@Suite("Fixed rounding")
struct FixedRoundingTests {
    @Test("x × n / d rounds as asked: down, up, to nearest (halves away from zero), toward zero", arguments: [
        // units, n, d, down, up, nearest, towardZero
        (Int64(7), Int64(1), Int64(2), Int64(3), Int64(4), Int64(4), Int64(3)),
        (-7, 1, 2, -4, -3, -4, -3),
        (7, 1, -2, -4, -3, -4, -3),
        (-7, -1, 2, 3, 4, 4, 3),
        (5, 1, 3, 1, 2, 2, 1),
        (4, 1, 3, 1, 2, 1, 1),
        (-5, 1, 3, -2, -1, -2, -1),
        (6, 1, 3, 2, 2, 2, 2),
        (0, 5, 7, 0, 0, 0, 0),
        // |d| above 2⁶²: twice the remainder does not fit an Int64.
        (Int64.max - 1, 1, Int64.max, 0, 1, 1, 0),
        (Int64.max / 2, 1, Int64.max, 0, 1, 0, 0),
        (-(Int64.max / 2) - 1, 1, Int64.max, -1, 0, -1, 0),
        // The product needs 128 bits.
        (Int64.max / 2, 4, 8, Int64.max / 4, Int64.max / 4 + 1, Int64.max / 4 + 1, Int64.max / 4),
        (-(Int64.max / 2), 4, 8, -(Int64.max / 4) - 1, -(Int64.max / 4), -(Int64.max / 4) - 1, -(Int64.max / 4)),
        (Int64.min, 1, 2, Int64.min / 2, Int64.min / 2, Int64.min / 2, Int64.min / 2),
        (Int64.min + 1, 1, 2, Int64.min / 2, Int64.min / 2 + 1, Int64.min / 2, Int64.min / 2 + 1),
    ] as [(Int64, Int64, Int64, Int64, Int64, Int64, Int64)])
    func scaled(units: Int64, n: Int64, d: Int64, down: Int64, up: Int64, nearest: Int64, towardZero: Int64) {
        let x = Fixed(units: units)
        #expect(x.scaled(by: n, over: d, rounding: .down).units == down)
        #expect(x.scaled(by: n, over: d, rounding: .up).units == up)
        #expect(x.scaled(by: n, over: d, rounding: .nearest).units == nearest)
        #expect(x.scaled(by: n, over: d, rounding: .towardZero).units == towardZero)
    }

    @Test("products and quotients at eight places")
    func productsAndQuotients() {
        let price = Fixed(parsing: "0.0994766")!, quantity = Fixed(parsing: "1820.54447418")!
        #expect(quantity.multiplied(by: price) == Fixed(parsing: "181.10157444")!)  // 181.101574440214188
        #expect(Fixed(parsing: "1")!.divided(by: Fixed(parsing: "3")!) == Fixed(parsing: "0.33333333")!)
        #expect(Fixed(parsing: "2")!.divided(by: Fixed(parsing: "3")!) == Fixed(parsing: "0.66666667")!)
        #expect(Fixed(parsing: "-2")!.divided(by: Fixed(parsing: "3")!, rounding: .down) == Fixed(parsing: "-0.66666667")!)
        #expect(Fixed(parsing: "-2")!.divided(by: Fixed(parsing: "3")!, rounding: .towardZero) == Fixed(parsing: "-0.66666666")!)
        // A product past 64 bits: 90 billion × 1.5.
        #expect(Fixed(parsing: "60000000000")!.multiplied(by: Fixed(parsing: "1.5")!) == Fixed(parsing: "90000000000")!)
    }
}

/// `flotilla backtest` opens the spec's strategy to its concrete type before the loop: the same
/// report as the generic loop gives, for every strategy, long-only or not.
@Suite("Backtest of a strategy known as any Strategy")
struct OpenedStrategyBacktestTests {
    static let strategies: [(String, any Strategy)] = [
        ("ma_crossover", MACrossover(fast: 5, slow: 20)),
        ("rsi", RSIReversion(period: 14, oversold: 30, overbought: 70)),
        ("grid", Grid(levels: 5, spacingPct: 0.5, orderSizePct: 10)),
        ("momentum", Momentum(period: 10, thresholdPct: 0.5)),
        ("macd_bb", MACDBollinger(fast: 12, slow: 26, signal: 9, bbPeriod: 20, bbStdDev: 2)),
    ]

    /// A strategy this module does not know: it runs through the generic loop.
    struct Wrapped: Strategy {
        var base: any Strategy
        mutating func decide(_ candle: Candle, position: PositionView) -> Decision { base.decide(candle, position: position) }
    }

    @Test("the same trades, equity and statistics", arguments: [false, true])
    func sameReport(longOnly: Bool) {
        let candles = Array(SyntheticCandles(seed: 3, start: 100, interval: 300, volatilityPct: 0.6, tick: Fixed(parsing: "0.01")!).prefix(3000))
        var limits = RiskLimits()
        limits.stopLossPct = 2
        limits.takeProfitPct = 4
        let venue = PaperVenue(cash: 10_000, rules: VenueRules(lotSize: Fixed(parsing: "0.001")!, tickSize: Fixed(parsing: "0.01")!,
                                                               makerFee: Fixed(parsing: "0.001")!, takerFee: Fixed(parsing: "0.001")!,
                                                               allowShort: !longOnly))
        for (name, strategy) in Self.strategies {
            let opened = Backtest.run(anyStrategy: strategy, longOnly: longOnly, candles: candles, risk: limits, venue: venue, periodsPerYear: 105_120)
            let generic = longOnly
                ? Backtest.run(strategy: LongOnly(Wrapped(base: strategy)), candles: candles, risk: limits, venue: venue, periodsPerYear: 105_120)
                : Backtest.run(strategy: Wrapped(base: strategy), candles: candles, risk: limits, venue: venue, periodsPerYear: 105_120)
            #expect(opened.trades == generic.trades, "\(name)")
            #expect(opened.finalEquity == generic.finalEquity && opened.feesPaid == generic.feesPaid, "\(name)")
            #expect(opened.decisions == generic.decisions && opened.rejections == generic.rejections, "\(name)")
            #expect(opened.sharpe == generic.sharpe && opened.maxDrawdownPct == generic.maxDrawdownPct, "\(name)")
        }
        // The table is not vacuous: the crossover trades on these candles.
        #expect(Backtest.run(anyStrategy: Self.strategies[0].1, longOnly: longOnly, candles: candles, risk: limits, venue: venue,
                             periodsPerYear: 105_120).tradeCount > 0)
    }
}
