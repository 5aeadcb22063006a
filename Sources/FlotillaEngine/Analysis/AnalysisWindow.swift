import FlotillaTrading
import Foundation

/// An analysis judges the candidate and stable over the same window: from the moment the analysis
/// started (`PendingAnalysis.startedAt`) to the moment it is judged — never "since each instance
/// started" (minutes of canary against days of stable).
///
/// When the window opens, each instance's equity, contributed capital and counters are recorded
/// (`Start`, persisted with the analysis so a restart mid-window judges the same window); when it
/// is judged, each instance's metrics are the differences (`Sample`), and a revision's instances are
/// combined weighted by their capital at the window's start (`combine`):
/// - return = Σ window PnL / Σ capital at the window's start;
/// - drawdown = the capital-weighted mean of each instance's worst drop within the window;
/// - error rate = Σ venue errors / Σ venue calls, reject rate = Σ rejects / Σ orders submitted,
///   slippage = the fill-weighted mean — counts are added, never rates averaged.
public enum AnalysisWindow {
    /// Counters an instance keeps while it runs (in memory; `epoch` tells a restart apart).
    public struct Counters: Codable, Sendable, Equatable {
        public var closedTrades = 0
        public var decisions = 0
        public var rejects = 0
        public var venueErrors = 0
        public var fills = 0
        public var slippageBpsSum = 0.0

        public init(closedTrades: Int = 0, decisions: Int = 0, rejects: Int = 0, venueErrors: Int = 0, fills: Int = 0, slippageBpsSum: Double = 0) {
            self.closedTrades = closedTrades
            self.decisions = decisions
            self.rejects = rejects
            self.venueErrors = venueErrors
            self.fills = fills
            self.slippageBpsSum = slippageBpsSum
        }
    }

    /// One instance when the window opened.
    public struct Start: Codable, Sendable, Equatable {
        /// Equity at the mark (open positions included: a window may start mid-trade).
        public var equity: Fixed
        /// Capital put into the account so far (`PaperVenue.startingCash`): transfers during the
        /// window are not PnL.
        public var contributed: Fixed
        public var counters: Counters
        /// Which run of the instance counted them (counters restart with the process).
        public var epoch: String

        public init(equity: Fixed, contributed: Fixed, counters: Counters, epoch: String) {
            self.equity = equity
            self.contributed = contributed
            self.counters = counters
            self.epoch = epoch
        }
    }

    /// One instance now.
    public struct Reading: Sendable, Equatable {
        public var equity: Fixed
        public var contributed: Fixed
        public var counters: Counters
        public var epoch: String
        /// Worst peak-to-trough drop since the window opened (or since this run began), %.
        public var drawdownPct: Double

        public init(equity: Fixed, contributed: Fixed, counters: Counters, epoch: String, drawdownPct: Double) {
            self.equity = equity
            self.contributed = contributed
            self.counters = counters
            self.epoch = epoch
            self.drawdownPct = drawdownPct
        }
    }

    /// One instance over the window.
    public struct Sample: Sendable, Equatable {
        public var pnl: Fixed
        /// Its capital at the window's start (for an instance that started within the window,
        /// what it was given).
        public var capital: Fixed
        public var counters: Counters
        public var drawdownPct: Double
    }

    /// What an instance did in the window that began at `start` (nil: it started within it).
    public static func sample(start: Start?, now: Reading) -> Sample {
        guard let start else {
            return Sample(pnl: (now.equity - now.contributed), capital: now.contributed, counters: now.counters, drawdownPct: now.drawdownPct)
        }
        let pnl = (now.equity - now.contributed) - (start.equity - start.contributed)
        // A restart since the window opened restarted the counters: they count from the restart.
        let base = start.epoch == now.epoch ? start.counters : Counters()
        let c = now.counters
        let counters = Counters(
            closedTrades: max(0, c.closedTrades - base.closedTrades), decisions: max(0, c.decisions - base.decisions),
            rejects: max(0, c.rejects - base.rejects), venueErrors: max(0, c.venueErrors - base.venueErrors),
            fills: max(0, c.fills - base.fills), slippageBpsSum: max(0, c.slippageBpsSum - base.slippageBpsSum))
        return Sample(pnl: pnl, capital: start.equity, counters: counters, drawdownPct: now.drawdownPct)
    }

    /// A revision's instances as one, weighted by capital (see the type's documentation).
    public static func combine(_ samples: [Sample]) -> TradingMetrics {
        let pnl = samples.reduce(Fixed.zero) { $0 + $1.pnl }
        let capital = samples.reduce(Fixed.zero) { $0 + $1.capital }
        let ret = capital.units > 0 ? Double(pnl.units) / Double(capital.units) * 100 : 0
        let weights = samples.map { max(0, Double($0.capital.units)) }
        let totalWeight = weights.reduce(0, +)
        let drawdown = totalWeight > 0
            ? zip(samples, weights).reduce(0) { $0 + $1.0.drawdownPct * $1.1 } / totalWeight
            : (samples.map(\.drawdownPct).max() ?? 0)
        let sum = samples.reduce(into: Counters()) { total, s in
            total.closedTrades += s.counters.closedTrades
            total.decisions += s.counters.decisions
            total.rejects += s.counters.rejects
            total.venueErrors += s.counters.venueErrors
            total.fills += s.counters.fills
            total.slippageBpsSum += s.counters.slippageBpsSum
        }
        return TradingMetrics(
            closedTrades: sum.closedTrades, returnOnCapitalPct: ret, maxDrawdownPct: drawdown, venueCalls: sum.decisions + sum.venueErrors,
            venueErrors: sum.venueErrors, ordersSubmitted: sum.decisions, ordersRejected: sum.rejects,
            slippageBps: sum.fills > 0 ? sum.slippageBpsSum / Double(sum.fills) : 0)
    }
}
