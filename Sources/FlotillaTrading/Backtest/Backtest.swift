import Foundation

/// Replays candles through a `BotTrader` as fast as possible and reports the usual statistics.
public enum Backtest {
    /// `intervalSeconds`: the market's candle interval, against which gaps are measured (nil: the
    /// smallest step between two candles). `curve`: also keep each candle's close and equity, for
    /// `BacktestChart` (24 bytes a candle).
    public static func run<S: Strategy>(
        strategy: S, candles: some Sequence<Candle>, risk: RiskLimits, venue: PaperVenue, periodsPerYear: Double,
        decisionIntervalSeconds: Int64? = nil, intervalSeconds: Int64? = nil, curve: Bool = false
    ) -> BacktestReport {
        var trader = BotTrader(strategy: strategy, risk: risk, venue: venue, decisionIntervalSeconds: decisionIntervalSeconds)
        var recorder = Recorder(startingEquity: venue.startingCash, keepCurve: curve)
        if curve { recorder.reserveCurve(candles.underestimatedCount) }
        var gaps = GapCounter()
        var last: Candle?
        for candle in candles {
            gaps.observe(candle.time)
            let fills = trader.step(candle)
            recorder.record(candle: candle, fills: fills, venue: trader.venue)
            last = candle
        }
        var report = recorder.report(venue: trader.venue, last: last, decisions: trader.decisions,
                                     rejections: trader.rejections.map { "\(ISOTime.format($0.time)): \($0.reason)" },
                                     periodsPerYear: periodsPerYear)
        report.gaps = gaps.summary(interval: intervalSeconds)
        return report
    }
}

extension Backtest {
    /// A backtest of a strategy known only as `any Strategy` (what a spec builds), opened here to
    /// its concrete type. The loop is specialized for each strategy this module defines: a generic
    /// called from another module runs unspecialized, every candle through witness tables and
    /// value witnesses (that was 0.2 s of a million-candle `flotilla backtest`). Any other
    /// strategy runs through the generic loop, with the same results.
    public static func run(
        anyStrategy strategy: any Strategy, longOnly: Bool, candles: [Candle], risk: RiskLimits, venue: PaperVenue, periodsPerYear: Double,
        decisionIntervalSeconds: Int64? = nil, intervalSeconds: Int64? = nil, curve: Bool = false
    ) -> BacktestReport {
        func go<S: Strategy>(_ s: S) -> BacktestReport {
            longOnly
                ? run(strategy: LongOnly(s), candles: candles, risk: risk, venue: venue, periodsPerYear: periodsPerYear,
                      decisionIntervalSeconds: decisionIntervalSeconds, intervalSeconds: intervalSeconds, curve: curve)
                : run(strategy: s, candles: candles, risk: risk, venue: venue, periodsPerYear: periodsPerYear,
                      decisionIntervalSeconds: decisionIntervalSeconds, intervalSeconds: intervalSeconds, curve: curve)
        }
        switch strategy {
        case let s as MACrossover: return go(s)
        case let s as RSIReversion: return go(s)
        case let s as Grid: return go(s)
        case let s as Momentum: return go(s)
        case let s as MACDBollinger: return go(s)
        case let s as LLMStrategy: return go(s)
        default: return go(strategy)
        }
    }
}

/// Builds round-trip trades and the equity statistics while a backtest runs, without allocating
/// per candle.
struct Recorder {
    let startingEquity: Fixed
    var trades: [BacktestReport.Trade] = []
    var open: (time: Int64, cost: Fixed, quantity: Fixed, fees: Fixed, side: Side)?
    var peak: Double
    var maxDrawdown = 0.0
    var candles = 0
    var exposed = 0
    var previousEquity: Double
    var returnSum = 0.0
    var returnSquares = 0.0
    var firstTime: Int64?
    var lastTime: Int64 = 0
    let keepCurve: Bool
    var curve = BacktestCurve()

    init(startingEquity: Fixed, keepCurve: Bool = false) {
        self.startingEquity = startingEquity
        self.keepCurve = keepCurve
        peak = startingEquity.double
        previousEquity = startingEquity.double
    }

    mutating func reserveCurve(_ count: Int) {
        curve.times.reserveCapacity(count)
        curve.closes.reserveCapacity(count)
        curve.equity.reserveCapacity(count)
    }

    mutating func record(candle: Candle, fills: [Fill], venue: PaperVenue) {
        if firstTime == nil { firstTime = candle.time }
        lastTime = candle.time
        for fill in fills { track(fill, venue: venue) }
        candles += 1
        if !venue.position.isZero { exposed += 1 }
        let equity = venue.equity(at: candle.close).double
        if keepCurve {
            curve.times.append(candle.time)
            curve.closes.append(candle.close.double)
            curve.equity.append(equity)
        }
        if equity > peak { peak = equity }
        let drawdown = peak > 0 ? (peak - equity) / peak : 0
        if drawdown > maxDrawdown { maxDrawdown = drawdown }
        let r = previousEquity > 0 ? equity / previousEquity - 1 : 0
        returnSum += r
        returnSquares += r * r
        previousEquity = equity
    }

    mutating func track(_ fill: Fill, venue: PaperVenue) {
        let notional = fill.quantity.multiplied(by: fill.price)
        if var trade = open {
            trade.fees += fill.fee
            if venue.position.isZero {
                let exitValue = notional
                let pnl = trade.side == .buy ? exitValue - trade.cost - trade.fees : trade.cost - exitValue - trade.fees
                trades.append(.init(
                    side: trade.side == .buy ? "long" : "short", entryTime: ISOTime.format(trade.time), exitTime: ISOTime.format(fill.time),
                    quantity: trade.quantity, entryPrice: trade.cost.divided(by: trade.quantity), exitPrice: fill.price, pnl: pnl,
                    returnPct: trade.cost.units > 0 ? pnl.double / trade.cost.double * 100 : 0))
                open = nil
            } else if (fill.side == .buy) == (trade.side == .buy) {
                trade.cost += notional
                trade.quantity += fill.quantity
                open = trade
            } else {
                open = trade
            }
        } else if !venue.position.isZero {
            open = (fill.time, notional, fill.quantity, fill.fee, fill.side)
        }
    }

    func report(venue: PaperVenue, last: Candle?, decisions: Int, rejections: [String], periodsPerYear: Double) -> BacktestReport {
        let mark = last?.close ?? .zero
        let final = venue.equity(at: mark)
        let n = Double(max(1, candles))
        let mean = returnSum / n
        let variance = max(0, returnSquares / n - mean * mean)
        let sharpe = variance > 0 ? mean / variance.squareRoot() * periodsPerYear.squareRoot() : 0
        let wins = trades.filter { $0.pnl.units > 0 }.count
        return BacktestReport(
            start: firstTime.map(ISOTime.format) ?? "", end: ISOTime.format(lastTime), candles: candles,
            trades: trades, openPosition: venue.position, tradeCount: trades.count,
            winRatePct: trades.isEmpty ? 0 : Double(wins) / Double(trades.count) * 100,
            returnPct: (final - startingEquity).double / startingEquity.double * 100,
            maxDrawdownPct: maxDrawdown * 100, sharpe: sharpe, exposurePct: Double(exposed) / n * 100,
            startingEquity: startingEquity, finalEquity: final, feesPaid: venue.feesPaid, realizedPnL: venue.realizedPnL,
            decisions: decisions, rejections: rejections, curve: keepCurve ? curve : nil)
    }
}

/// The result of a backtest. Its JSON shape is documented in docs/backtest-json.md.
public struct BacktestReport: Sendable, Codable {
    public struct Trade: Sendable, Codable, Equatable {
        public var side: String
        public var entryTime: String
        public var exitTime: String
        public var quantity: Fixed
        public var entryPrice: Fixed
        public var exitPrice: Fixed
        /// Net of both sides' fees.
        public var pnl: Fixed
        public var returnPct: Double
    }

    public var start: String
    public var end: String
    public var candles: Int
    public var trades: [Trade]
    /// Still open at the end (valued at the last close in `finalEquity`; not in `trades`).
    public var openPosition: Fixed
    public var tradeCount: Int
    public var winRatePct: Double
    public var returnPct: Double
    public var maxDrawdownPct: Double
    /// Mean over standard deviation of per-candle returns, annualized by √(candles per year).
    public var sharpe: Double
    /// Share of candles with a position open.
    public var exposurePct: Double
    public var startingEquity: Fixed
    public var finalEquity: Fixed
    public var feesPaid: Fixed
    public var realizedPnL: Fixed
    public var decisions: Int
    /// The first 1,000 rejected decisions, with the risk manager's reason.
    public var rejections: [String]
    /// Missing candles: steps between candles longer than the interval (allowed; reported).
    public var gaps = CandleGaps()
    /// Each candle's close and equity, when asked for (`--report`); not in the JSON.
    public var curve: BacktestCurve?

    enum CodingKeys: String, CodingKey {
        case start, end, candles, trades, openPosition, tradeCount, winRatePct, returnPct, maxDrawdownPct, sharpe, exposurePct
        case startingEquity, finalEquity, feesPaid, realizedPnL, decisions, rejections, gaps
    }
}

/// A backtest's candle-by-candle picture: what `BacktestChart` draws. Doubles: it is drawn, never
/// accounted.
public struct BacktestCurve: Sendable {
    public var times: [Int64] = []
    public var closes: [Double] = []
    public var equity: [Double] = []

    public init() {}
}
