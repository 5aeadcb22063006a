import Foundation

/// What a bot trades with: the code path shared by `flotilla backtest` and live bots.
///
/// Everything its decisions depend on is value state — the strategy (its indicators), the risk
/// manager, the counters, the decision clock and the protection of entries and positions — so a
/// bot that persists `state` with its venue and restores both decides after a restart exactly as
/// it would have without one.
public struct BotTrader<S: Strategy>: Sendable {
    public private(set) var strategy: S
    public private(set) var risk: RiskManager
    public private(set) var venue: PaperVenue
    public private(set) var decisions = 0
    /// The first 1,000 rejected decisions with the risk manager's reason (backtest reports).
    public private(set) var rejections: [(time: Int64, reason: String)] = []
    /// Every rejected decision, counted.
    public private(set) var rejectionCount = 0
    private var openTrades = 0
    private let idPrefix: String
    /// The profile's strategy interval in market time: the strategy sees every candle (its
    /// indicators stay current) but its decisions are acted on at most this often.
    private let decisionInterval: Int64?
    private var lastDecisionTime: Int64?
    /// The last candle's close: the mark at which capital moved in or out is valued.
    private var lastMark: Fixed?
    /// Entry orders (by client order id) with the stop-loss and take-profit to place when they fill.
    private var pendingProtection: [String: Protection] = [:]
    /// The position's protective orders placed after entries filled, while they should work.
    private var protection: [ProtectiveOrder] = []

    public init(strategy: S, risk: RiskLimits, venue: PaperVenue, idPrefix: String = "bt", decisionIntervalSeconds: Int64? = nil) {
        self.strategy = strategy
        self.risk = RiskManager(limits: risk, lotSize: venue.rules.lotSize)
        self.venue = venue
        self.idPrefix = idPrefix
        self.decisionInterval = decisionIntervalSeconds
    }

    public var position: PositionView { PositionView(quantity: venue.position, entryPrice: venue.averageEntryPrice) }

    /// Feeds candles to the strategy without trading: rebuilds indicator state after a restart
    /// when no trader state was persisted (stores from before `v5-trader-state`).
    public mutating func warmUp(_ candles: some Sequence<Candle>) {
        for candle in candles { _ = strategy.decide(candle, position: position) }
    }

    /// A paused bot: orders still fill and the risk limits still watch (the emergency stop still
    /// closes the position), but the strategy only observes (its indicators stay current) and
    /// places nothing.
    public mutating func observeOnly(_ candle: Candle) -> [Fill] {
        lastMark = candle.close
        let fills = venue.process(candle)
        for fill in fills { afterFill(fill, candle: candle) }
        if risk.observe(equity: venue.equity(at: candle.close), at: candle.time) { closeForEmergency(time: candle.time) }
        _ = strategy.decide(candle, position: position)
        return fills
    }

    /// Hands the book the executions its exchange reported (booked by the next `step`), and the
    /// orders the exchange finished: an exchange's executions are trading, never capital moving.
    public mutating func receive(_ executions: [VenueExecution]) {
        if !executions.isEmpty { venue.receive(executions) }
    }

    /// Books the executions received since the last candle now, at that candle's close, as `step`
    /// books them (an entry's protection is placed): fills are not kept waiting for the next candle.
    public mutating func bookReceived(after candle: Candle) -> [Fill] {
        let fills = venue.bookReceived(at: candle.time)
        for fill in fills { afterFill(fill, candle: candle) }
        return fills
    }

    public mutating func settle(clientOrderId: String, as status: OrderStatus) {
        venue.settle(clientOrderId: clientOrderId, as: status)
    }

    /// Replaces the venue state (capital moves, position handovers, compaction). What the equity
    /// gains or loses by it at the last close is capital moving, not trading: the risk manager's
    /// references move with it.
    public mutating func replaceVenue(_ venue: PaperVenue) {
        if let mark = lastMark {
            let moved = venue.equity(at: mark) - self.venue.equity(at: mark)
            if !moved.isZero { risk.shift(by: moved) }
        }
        self.venue = venue
    }

    /// One candle: match orders placed on the previous one, mark to market, check the risk limits,
    /// then let the strategy decide on the closed candle and place what the risk manager allows.
    ///
    /// Under a fleet halt's `gate`: with `reduceOnly`, a decision that would open or add to a
    /// position is refused (counted with the halt's reason) and exits go through; `frozen` is
    /// `observeFrozen`. An order that adds to the position must also pass `admit` (the rules
    /// across bots of a fleet: nil, or why not).
    public mutating func step(_ candle: Candle, gate: TradingGate = .open, admit: ((OrderIntent, AccountView) -> String?)? = nil) -> [Fill] {
        if case .frozen = gate { return observeFrozen(candle) }
        lastMark = candle.close
        let fills = venue.process(candle)
        for fill in fills { afterFill(fill, candle: candle) }
        let equity = venue.equity(at: candle.close)
        if risk.observe(equity: equity, at: candle.time) {
            closeForEmergency(time: candle.time)
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
            rejectionCount += 1
            if rejections.count < 1000 { rejections.append((candle.time, verdict.reason)) }
            return fills
        }
        if case .reduceOnly(let reason) = gate, !intent.reducesOnly {
            rejectionCount += 1
            if rejections.count < 1000 { rejections.append((candle.time, "fleet halted (reduce-only): \(reason)")) }
            return fills
        }
        if !intent.reducesOnly, let admit, let refusal = admit(intent, account) {
            rejectionCount += 1
            if rejections.count < 1000 { rejections.append((candle.time, refusal)) }
            return fills
        }
        if intent.reducesOnly { cancelAll() }  // protective orders go with the position
        _ = place(intent, time: candle.time, tag: decision.action.rawValue.lowercased())
        return fills
    }

    /// A plain fleet halt: no order of any kind. The strategy observes (its indicators stay
    /// current) and executions an exchange already made are booked, but the risk manager is not
    /// fed — no stop-loss, take-profit or emergency stop acts — and whatever an execution would
    /// have placed (an entry's protection) is suspended at once, to be placed again when the halt
    /// lifts (`reinstateProtection`).
    public mutating func observeFrozen(_ candle: Candle) -> [Fill] {
        lastMark = candle.close
        if !venue.openOrderIds.isEmpty { suspendOrders() }
        let fills = venue.process(candle)
        for fill in fills { afterFill(fill, candle: candle) }
        if !venue.openOrderIds.isEmpty { suspendOrders() }
        _ = strategy.decide(candle, position: position)
        return fills
    }

    /// A fleet halt began: cancels the working orders that would open or add to the position
    /// (entries not yet filled); with `keepingExits` false (a plain halt) every working order
    /// goes, the position's protective ones suspended to be placed again when the halt lifts.
    /// Returns the client order ids cancelled.
    @discardableResult
    public mutating func haltOrders(keepingExits: Bool) -> [String] {
        let open = venue.openOrderIds.compactMap { venue.orders[$0] }
        guard keepingExits else {
            suspendOrders()
            return open.map(\.clientOrderId)
        }
        var cancelled: [String] = []
        for order in open where !venue.onlyReduces(order) {
            if venue.cancel(clientOrderId: order.clientOrderId) { cancelled.append(order.clientOrderId) }
            pendingProtection[order.clientOrderId] = nil
        }
        return cancelled
    }

    /// The emergency stop fired: cancel everything, close the whole position at market.
    private mutating func closeForEmergency(time: Int64) {
        cancelAll()
        if !venue.position.isZero {
            _ = place(OrderIntent(side: venue.position.isNegative ? .buy : .sell, size: .base(venue.position.magnitude),
                                  reducesOnly: true, stopLossPct: nil, takeProfitPct: nil), time: time, tag: "emergency")
        }
    }

    private mutating func cancelAll() {
        venue.cancelAll()
        if !protection.isEmpty { protection.removeAll() }
    }

    /// Client order ids are derived from the candle that caused the order, so replaying candles
    /// after a crash produces the same ids and the venue recognizes orders it already has.
    private mutating func place(_ intent: OrderIntent, time: Int64, tag: String) -> PaperVenue.Submission {
        let id = "\(idPrefix)-\(time)-\(tag)"
        pendingProtection[id] = Protection(stopLossPct: intent.stopLossPct, takeProfitPct: intent.takeProfitPct)
        switch intent.size {
        case .base(let q): return venue.submit(clientOrderId: id, side: intent.side, quantity: q, time: time)
        case .quote(let budget): return venue.submit(clientOrderId: id, side: intent.side, quantity: .zero, quoteBudget: budget, time: time)
        }
    }

    /// After an entry fills, place its stop-loss (stop order) and take-profit (limit order); they
    /// work from the next candle. When the position is flat again, cancel what is left of them.
    private mutating func afterFill(_ fill: Fill, candle: Candle) {
        let pending = pendingProtection.removeValue(forKey: fill.clientOrderId)
        if !protection.isEmpty { protection.removeAll { $0.clientOrderId == fill.clientOrderId } }
        if venue.position.isZero {
            openTrades = 0
            cancelAll()
            return
        }
        guard fill.realizedPnL.isZero, let pending else {
            if !fill.realizedPnL.isZero { openTrades = max(0, openTrades - 1) }
            return
        }
        openTrades += 1
        let long = venue.position.units > 0
        let exitSide: Side = long ? .sell : .buy
        let tick = venue.rules.tickSize
        if let s = pending.stopLossPct, s > 0 {
            let price = fill.price.scaled(by: Int64((long ? 100 - s : 100 + s) * 1_000_000), over: 100_000_000)
                .rounded(toMultipleOf: tick, long ? .down : .up)
            protect(ProtectiveOrder(clientOrderId: "\(idPrefix)-\(fill.time)-\(fill.orderId)-stop", side: exitSide, type: .stop(price), quantity: fill.quantity),
                    time: candle.time)
        }
        if let t = pending.takeProfitPct, t > 0 {
            let price = fill.price.scaled(by: Int64((long ? 100 + t : 100 - t) * 1_000_000), over: 100_000_000)
                .rounded(toMultipleOf: tick, long ? .up : .down)
            protect(ProtectiveOrder(clientOrderId: "\(idPrefix)-\(fill.time)-\(fill.orderId)-take", side: exitSide, type: .limit(price), quantity: fill.quantity),
                    time: candle.time)
        }
    }

    /// Submits a protective order and remembers it while it works.
    private mutating func protect(_ order: ProtectiveOrder, time: Int64) {
        if case .accepted = venue.submit(clientOrderId: order.clientOrderId, side: order.side, type: order.type, quantity: order.quantity, time: time) {
            protection.append(order)
        }
    }

    // MARK: Stops and starts

    /// A graceful stop: cancels every working order. The position's protective orders that were
    /// working are remembered as suspended; `reinstateProtection` places them again on the next start.
    public mutating func suspendOrders() {
        for i in protection.indices where venue.order(clientOrderId: protection[i].clientOrderId)?.status == .open {
            protection[i].suspended = true
        }
        venue.cancelAll()
    }

    /// After a start: places again each protective order a stop suspended — once, under a new
    /// client order id derived from the original (`…-stop-re1`), working from the candle after
    /// `time`. Protective orders still working (a crash cancels nothing) are left alone. Returns
    /// the orders placed.
    @discardableResult
    public mutating func reinstateProtection(at time: Int64) -> [Order] {
        guard !protection.isEmpty else { return [] }
        guard !venue.position.isZero else {
            protection.removeAll()
            return []
        }
        var placed: [Order] = []
        var kept: [ProtectiveOrder] = []
        for var order in protection {
            if !order.suspended {
                if venue.order(clientOrderId: order.clientOrderId)?.status == .open { kept.append(order) }
                continue
            }
            order.replacements += 1
            order.clientOrderId = "\(order.originalId)-re\(order.replacements)"
            order.suspended = false
            let submission = venue.submit(clientOrderId: order.clientOrderId, side: order.side, type: order.type, quantity: order.quantity, time: time)
            if submission.order.status == .open {
                kept.append(order)
                if case .accepted(let o) = submission { placed.append(o) }
            }
        }
        protection = kept
        return placed
    }

    /// Lifts a fired emergency stop (a person reset it); returns whether one was lifted.
    @discardableResult
    public mutating func resetEmergencyStop() -> Bool {
        guard risk.halted else { return false }
        risk.reset()
        return true
    }
}

extension BotTrader where S: Codable {
    /// Everything the trader's decisions depend on besides its venue and its configuration: what a
    /// bot persists with its venue state (in the same transaction) to resume exactly.
    /// Protection of orders that can no longer fill is left out.
    public var state: TraderState<S> {
        TraderState(
            strategy: strategy, risk: risk.state, decisions: decisions, rejections: rejectionCount, openTrades: openTrades,
            lastDecisionTime: lastDecisionTime, lastMark: lastMark,
            pendingProtection: pendingProtection.filter { venue.order(clientOrderId: $0.key)?.status == .open },
            protection: protection.filter { $0.suspended || venue.order(clientOrderId: $0.clientOrderId)?.status == .open })
    }

    /// A trader resuming from `state` and the venue state persisted with it. The risk limits, id
    /// prefix and decision interval come from the bot's revision, as at its first start.
    public init(restoring state: TraderState<S>, risk limits: RiskLimits, venue: PaperVenue, idPrefix: String, decisionIntervalSeconds: Int64?) {
        self.init(strategy: state.strategy, risk: limits, venue: venue, idPrefix: idPrefix, decisionIntervalSeconds: decisionIntervalSeconds)
        risk = RiskManager(limits: limits, lotSize: venue.rules.lotSize, restoring: state.risk)
        decisions = state.decisions
        rejectionCount = state.rejections
        openTrades = state.openTrades
        lastDecisionTime = state.lastDecisionTime
        lastMark = state.lastMark
        pendingProtection = state.pendingProtection
        protection = state.protection
    }
}

extension BotTrader where S: ModelDecided {
    /// Whether a decision on the candle at `time` would be acted on: the profile's strategy
    /// interval has passed since the last decision acted on. An `llm` bot asks its model only then.
    public func actsOnDecision(at time: Int64) -> Bool {
        guard let interval = decisionInterval, let last = lastDecisionTime else { return true }
        return time - last >= interval
    }

    /// Hands the strategy the decision for the candle at `time` (an `llm` bot's model answer);
    /// `step` on that candle acts on it through the risk manager like any decision.
    public mutating func receive(_ decision: Decision, forCandleAt time: Int64) {
        strategy.receive(decision, forCandleAt: time)
    }
}
