import Foundation

/// A strategy whose decisions come from outside — a language model asked at the edge, or the
/// record of what it answered — while its indicators stay its own value state.
///
/// The loop around it asks `market(after:)` for what to put in the prompt, gets a decision by
/// whatever I/O it does, hands it over with `receive(_:forCandleAt:)`, then steps the trader as
/// for any strategy: the decision still goes through the risk manager.
public protocol ModelDecided: Strategy {
    /// The recent candles and the indicators as they will be once `candle` is decided on
    /// (read-only: `decide` updates the state itself).
    func market(after candle: Candle) -> MarketState
    /// The decision to return when `decide` sees the candle at `time`.
    mutating func receive(_ decision: Decision, forCandleAt time: Int64)
}

extension LongOnly: ModelDecided where Base: ModelDecided {
    public func market(after candle: Candle) -> MarketState { base.market(after: candle) }
    public mutating func receive(_ decision: Decision, forCandleAt time: Int64) { base.receive(decision, forCandleAt: time) }
}

/// The market as a model is asked about it: recent candles and the seeds' indicator set on the
/// closes (nil while an indicator warms up). Indicators are Double, as everywhere; prices exact.
public struct MarketState: Sendable, Equatable {
    public var candles: [Candle]
    public var ema12: Double?
    public var ema26: Double?
    public var rsi14: Double?
    public var macd: MACD.Value?
    public var bands: BollingerBands.Value?
    public var vwap: Double?
    public var cipherB: CipherB.Value?
    public var cipherATrend: Int

    public init(candles: [Candle], ema12: Double? = nil, ema26: Double? = nil, rsi14: Double? = nil, macd: MACD.Value? = nil,
                bands: BollingerBands.Value? = nil, vwap: Double? = nil, cipherB: CipherB.Value? = nil, cipherATrend: Int = 0) {
        self.candles = candles
        self.ema12 = ema12
        self.ema26 = ema26
        self.rsi14 = rsi14
        self.macd = macd
        self.bands = bands
        self.vwap = vwap
        self.cipherB = cipherB
        self.cipherATrend = cipherATrend
    }
}

/// Everything a prompt is rendered from: the market and the account as the trader sees them on
/// the closed candle, before it decides. Money exact.
public struct ModelContext: Sendable, Equatable {
    public var candle: Candle
    public var market: MarketState
    public var position: Fixed
    public var entryPrice: Fixed?
    public var unrealizedPnL: Fixed
    public var realizedPnL: Fixed
    public var equity: Fixed
    public var cash: Fixed
    public var dailyLossPct: Double
    public var dailyLossLimitPct: Double
    public var maxPositionPct: Double

    public init(candle: Candle, market: MarketState, position: Fixed, entryPrice: Fixed?, unrealizedPnL: Fixed, realizedPnL: Fixed,
                equity: Fixed, cash: Fixed, dailyLossPct: Double, dailyLossLimitPct: Double, maxPositionPct: Double) {
        self.candle = candle
        self.market = market
        self.position = position
        self.entryPrice = entryPrice
        self.unrealizedPnL = unrealizedPnL
        self.realizedPnL = realizedPnL
        self.equity = equity
        self.cash = cash
        self.dailyLossPct = dailyLossPct
        self.dailyLossLimitPct = dailyLossLimitPct
        self.maxPositionPct = maxPositionPct
    }

    /// Daily loss still allowed before the risk manager refuses entries, %.
    public var riskHeadroomPct: Double { max(0, dailyLossLimitPct - dailyLossPct) }

    /// The position's value at the close, % of equity.
    public var positionPct: Double {
        guard equity.units > 0 else { return 0 }
        return position.magnitude.multiplied(by: candle.close).double / equity.double * 100
    }
}

extension BotTrader where S: ModelDecided {
    /// What the model is asked about on `candle`: the account as `step` will see it after the
    /// orders placed on the previous candle fill on this one (worked out on a copy; nothing changes).
    public func modelContext(after candle: Candle) -> ModelContext {
        var venue = self.venue
        _ = venue.process(candle)
        let equity = venue.equity(at: candle.close)
        var risk = self.risk
        _ = risk.observe(equity: equity, at: candle.time)
        return ModelContext(
            candle: candle, market: strategy.market(after: candle), position: venue.position, entryPrice: venue.averageEntryPrice,
            unrealizedPnL: venue.unrealizedPnL(at: candle.close), realizedPnL: venue.realizedPnL, equity: equity, cash: venue.cash,
            dailyLossPct: risk.lossPct(.day), dailyLossLimitPct: risk.limits.dailyLossLimitPct, maxPositionPct: risk.limits.maxPositionPct)
    }

}
