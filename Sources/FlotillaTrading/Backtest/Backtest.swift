import Foundation

/// What a bot trades with: the code path shared by `flotilla backtest` and (later) live bots.
public struct BotTrader<S: Strategy>: Sendable {
    public private(set) var strategy: S
    public private(set) var risk: RiskManager
    public private(set) var venue: PaperVenue
    public private(set) var decisions = 0
    public private(set) var rejections: [(time: Int64, reason: String)] = []
    private var openTrades = 0
    private let idPrefix: String
    /// The profile's strategy interval in market time: the strategy sees every candle (its
    /// indicators stay current) but its decisions are acted on at most this often.
    private let decisionInterval: Int64?
    private var lastDecisionTime: Int64?

    public init(strategy: S, risk: RiskLimits, venue: PaperVenue, idPrefix: String = "bt", decisionIntervalSeconds: Int64? = nil) {
        self.strategy = strategy
        self.risk = RiskManager(limits: risk, lotSize: venue.rules.lotSize)
        self.venue = venue
        self.idPrefix = idPrefix
        self.decisionInterval = decisionIntervalSeconds
    }

    public var position: PositionView { PositionView(quantity: venue.position, entryPrice: venue.averageEntryPrice) }

    /// Feeds candles to the strategy without trading: rebuilds indicator state after a restart.
    public mutating func warmUp(_ candles: some Sequence<Candle>) {
        for candle in candles { _ = strategy.decide(candle, position: position) }
    }

    /// A paused bot: orders still fill and the risk limits still watch, but the strategy only
    /// observes (its indicators stay current) and places nothing.
    public mutating func observeOnly(_ candle: Candle) -> [Fill] {
        let fills = venue.process(candle)
        for fill in fills { afterFill(fill, candle: candle) }
        _ = risk.observe(equity: venue.equity(at: candle.close), at: candle.time)
        _ = strategy.decide(candle, position: position)
        return fills
    }

    /// Replaces the venue state (capital moves, position handovers, compaction).
    public mutating func replaceVenue(_ venue: PaperVenue) { self.venue = venue }

    /// Capital moved into or out of the account (not PnL): the risk limits move with it.
    public mutating func capitalMoved(by amount: Fixed) { risk.capitalMoved(by: amount) }

    /// One candle: match orders placed on the previous one, mark to market, check the risk limits,
    /// then let the strategy decide on the closed candle and place what the risk manager allows.
    public mutating func step(_ candle: Candle) -> [Fill] {
        let fills = venue.process(candle)
        for fill in fills { afterFill(fill, candle: candle) }
        let equity = venue.equity(at: candle.close)
        if risk.observe(equity: equity, at: candle.time) {
            venue.cancelAll()
            if !venue.position.isZero {
                _ = place(OrderIntent(side: venue.position.isNegative ? .buy : .sell, size: .base(venue.position.magnitude),
                                      reducesOnly: true, stopLossPct: nil, takeProfitPct: nil), time: candle.time, tag: "emergency")
            }
            return fills
        }
        let decision = strategy.decide(candle, position: position)
        guard decision.action != .hold else { return fills }
        if let interval = decisionInterval, let last = lastDecisionTime, candle.time - last < interval { return fills }
        lastDecisionTime = candle.time
        decisions += 1
        let account = AccountView(time: candle.time, price: candle.close, cash: venue.cash, equity: equity, position: venue.position, openTrades: openTrades)
        let verdict = risk.evaluate(decision, account: account)
        guard let intent = verdict.intent else {
            if rejections.count < 1000 { rejections.append((candle.time, verdict.reason)) }
            return fills
        }
        if intent.reducesOnly { venue.cancelAll() }  // protective orders go with the position
        _ = place(intent, time: candle.time, tag: decision.action.rawValue.lowercased())
        return fills
    }

    /// Client order ids are derived from the candle that caused the order, so replaying candles
    /// after a crash produces the same ids and the venue recognizes orders it already has.
    private mutating func place(_ intent: OrderIntent, time: Int64, tag: String) -> PaperVenue.Submission {
        let id = "\(idPrefix)-\(time)-\(tag)"
        pendingProtection[id] = (intent.stopLossPct, intent.takeProfitPct)
        switch intent.size {
        case .base(let q): return venue.submit(clientOrderId: id, side: intent.side, quantity: q, time: time)
        case .quote(let budget): return venue.submit(clientOrderId: id, side: intent.side, quantity: .zero, quoteBudget: budget, time: time)
        }
    }

    private var pendingProtection: [String: (Double?, Double?)] = [:]

    /// After an entry fills, place its stop-loss (stop order) and take-profit (limit order); they
    /// work from the next candle. When the position is flat again, cancel what is left of them.
    private mutating func afterFill(_ fill: Fill, candle: Candle) {
        let protection = pendingProtection.removeValue(forKey: fill.clientOrderId)
        if venue.position.isZero {
            openTrades = 0
            venue.cancelAll()
            return
        }
        guard fill.realizedPnL.isZero, let (stopPct, takePct) = protection else {
            if !fill.realizedPnL.isZero { openTrades = max(0, openTrades - 1) }
            return
        }
        openTrades += 1
        let long = venue.position.units > 0
        let exitSide: Side = long ? .sell : .buy
        let tick = venue.rules.tickSize
        if let s = stopPct, s > 0 {
            let price = fill.price.scaled(by: Int64((long ? 100 - s : 100 + s) * 1_000_000), over: 100_000_000)
                .rounded(toMultipleOf: tick, long ? .down : .up)
            venue.submit(clientOrderId: "\(idPrefix)-\(fill.time)-\(fill.orderId)-stop", side: exitSide, type: .stop(price), quantity: fill.quantity, time: candle.time)
        }
        if let t = takePct, t > 0 {
            let price = fill.price.scaled(by: Int64((long ? 100 + t : 100 - t) * 1_000_000), over: 100_000_000)
                .rounded(toMultipleOf: tick, long ? .up : .down)
            venue.submit(clientOrderId: "\(idPrefix)-\(fill.time)-\(fill.orderId)-take", side: exitSide, type: .limit(price), quantity: fill.quantity, time: candle.time)
        }
    }
}

/// Replays candles through a `BotTrader` as fast as possible and reports the usual statistics.
public enum Backtest {
    public static func run<S: Strategy>(
        strategy: S, candles: some Sequence<Candle>, risk: RiskLimits, venue: PaperVenue, periodsPerYear: Double,
        decisionIntervalSeconds: Int64? = nil
    ) -> BacktestReport {
        var trader = BotTrader(strategy: strategy, risk: risk, venue: venue, decisionIntervalSeconds: decisionIntervalSeconds)
        var recorder = Recorder(startingEquity: venue.startingCash)
        var last: Candle?
        for candle in candles {
            let fills = trader.step(candle)
            recorder.record(candle: candle, fills: fills, venue: trader.venue)
            last = candle
        }
        return recorder.report(venue: trader.venue, last: last, decisions: trader.decisions,
                               rejections: trader.rejections.map { "\(ISOTime.format($0.time)): \($0.reason)" },
                               periodsPerYear: periodsPerYear)
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

    init(startingEquity: Fixed) {
        self.startingEquity = startingEquity
        peak = startingEquity.double
        previousEquity = startingEquity.double
    }

    mutating func record(candle: Candle, fills: [Fill], venue: PaperVenue) {
        if firstTime == nil { firstTime = candle.time }
        lastTime = candle.time
        for fill in fills { track(fill, venue: venue) }
        candles += 1
        if !venue.position.isZero { exposed += 1 }
        let equity = venue.equity(at: candle.close).double
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
            decisions: decisions, rejections: rejections)
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
}
