import FlotillaLive
import FlotillaSpec
import FlotillaStore
import FlotillaTrading
import Foundation

/// A running copy of one revision on one symbol: its own paper venue, strategy and risk manager.
/// One actor per instance; the fleet advances it as its candles come due and persists what changed.
public actor BotInstance {
    /// On its fleet's thread (see `FleetExecutor`).
    nonisolated let executor: any SerialExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    public nonisolated let id: String
    public nonisolated let bot: String
    public nonisolated let revision: Int
    public nonisolated let symbol: String
    let spec: ResolvedBot
    private(set) var mode: InstanceMode
    private(set) var capitalPct: Decimal
    private(set) var phase: InstancePhase = .starting
    private(set) var reason: String?
    private var trader: BotTrader<AnyStrategy> { didSet { changes &+= 1 } }
    /// Counts the changes to what the instance persists as JSON (its trader with its venue, its
    /// venue guard); `committedChanges` is the count as of the capture its fleet last committed. Equal:
    /// the row's JSON in the store is the instance's now, and a stop need not encode it again.
    private var changes = 0
    private var committedChanges: Int?
    /// The start placed protective orders again (a stop had cancelled them): the fleet persists
    /// them right away.
    private(set) var placedOnStart: Bool
    private var candles: [Candle]
    /// The candles at the replay's speed on the fleet's clock: the one it resumes from is due when
    /// the instance starts, each after it its gap at the speed later. The fleet polls it (`advance`).
    private var feed: ReplayFeed<FleetClock>
    /// A live source's subscription to its (venue, symbol, interval) feed: `candles` starts as its
    /// history (all seen: the warm-up) and grows by each closed candle the feed delivers; the fleet
    /// releases it when the instance leaves (`InstanceTable`).
    nonisolated let liveFeed: FeedSubscription?
    private var liveSeen = 0
    /// The live feed's problem as last persisted (a change is persisted even without a candle).
    private var reportedMarketData: String?
    /// A live instance on an exchange: where its market orders go (`ExchangeDesk`), which of its
    /// book's orders were handed over, and why it does not trade when it may not.
    nonisolated let desk: ExchangeDesk?
    private var forwarded: Set<String> = []
    private var cancelsSent: Set<String> = []
    private var refreshedAtMs: Int64 = 0
    private var exchangeProblem: String?
    /// Events that happened between candles (an auto-pause), handed to the fleet by the next `advance`.
    private var noted: [(kind: String, message: String)] = []
    /// The fleet's one book (the rules across bots), its key for this instance's account
    /// (`paper/main`), and the symbol parsed once.
    nonisolated let book: FleetBook?
    private let fleetAccount: String
    private let fleetSymbol: Symbol?
    /// Refusals and warnings already said as events, so each is said once.
    private var policyNoted: Set<String> = []
    /// The bot's venue (kind and account), for an instance on an exchange.
    private var exchangeVenue: VenueSpec?
    /// Whether the book was matched against the exchange's intents since the instance started.
    private var adopted = false
    private var reportedExchange: String?
    var candlesSeen: Int { liveFeed == nil ? feed.position : liveSeen }
    private var persistedFills: Int
    private var heartbeatAt: Int64 = 0
    private var peakEquity: Double = 0
    private var maxDrawdownPct: Double = 0
    /// Error recovery around venue calls (`VenueGuard`), and where the calls go.
    private var venueGuard: VenueGuard { didSet { changes &+= 1 } }
    private let connection: any VenueConnection
    /// Fills by side since the instance's first start (survive compaction and restarts).
    private var buys = 0
    private var sells = 0
    /// Anomaly baselines, CPU share, venue latency (`InstanceProbes`).
    private var probes = InstanceProbes()
    private var lastMetrics: InstanceMetrics?
    /// Counters an analysis window is measured with (see `AnalysisWindow`): this run's, told apart
    /// from an earlier run's by `windowEpoch`; and the worst drop since the window opened.
    private var windowCounters = AnalysisWindow.Counters()
    private let windowEpoch = UUID().uuidString
    private var windowPeak: Double = 0
    private var windowDrawdownPct: Double = 0
    /// An `llm` bot's model calls (`BotInstance+Model.swift`); nil for every other strategy.
    private let model: ModelDecisions?
    /// The fleet halt holding the instance (`flotilla halt`, a loss limit), set by its fleet on
    /// every pass and at every start before it trades (`Fleet+Halt.swift`); nil: none.
    private(set) var halt: BotHalt?
    private var gate: TradingGate {
        switch halt?.mode {
        case nil: .open
        case .reduceOnly?: .reduceOnly(reason: halt?.reason ?? "")
        case .halt?: .frozen(reason: halt?.reason ?? "")
        }
    }
    private var frozen: Bool { halt?.mode == .halt }

    init(id: String, spec: ResolvedBot, revision: Int, symbol: String, mode: InstanceMode, capitalPct: Decimal, candles: [Candle],
         venue: PaperVenue, candlesSeen: Int, nowMs: Int64, fillCounts: (buys: Int, sells: Int) = (0, 0),
         trader traderState: TraderState<AnyStrategy>? = nil, connection: any VenueConnection = PaperConnection(),
         liveFeed: FeedSubscription? = nil, desk: ExchangeDesk? = nil, model access: ModelAccess? = nil, book: FleetBook? = nil,
         executor: any SerialExecutor) throws(MoneyConversionError) {
        self.executor = executor
        self.book = book
        fleetAccount = "\(spec.venue.kind.rawValue)/\(spec.venue.account)"
        fleetSymbol = Symbol(symbol)
        self.desk = desk
        if desk != nil {
            exchangeProblem = "reconciling with the exchange account before trading"
            exchangeVenue = spec.venue
        }
        self.model = access?.decisions(spec: spec, revision: revision, symbol: symbol, instance: id)
        self.liveFeed = liveFeed
        self.connection = connection
        self.buys = fillCounts.buys
        self.sells = fillCounts.sells
        self.id = id
        self.bot = spec.name
        self.revision = revision
        self.symbol = symbol
        self.spec = spec
        self.mode = mode
        self.capitalPct = capitalPct
        self.candles = candles
        let seen = liveFeed == nil ? max(0, min(candlesSeen, candles.count)) : candles.count
        self.liveSeen = seen
        self.feed = ReplayFeed(candles: candles, speed: max(0.000_001, NSDecimalNumber(decimal: spec.market.source.speed).doubleValue),
                               clock: FleetClock(), startAt: seen, anchor: FleetClock.Instant(ms: nowMs))
        self.persistedFills = venue.fills.count
        (self.trader, self.placedOnStart) = try Self.trader(spec: spec, revision: revision, symbol: symbol, venue: venue, restoring: traderState,
                                                        candles: candles[..<seen])
        venueGuard = VenueGuard(spec: spec)
        self.phase = .running
        // Alive from its start (a restored or restarted instance is not "dead" until its next candle).
        self.heartbeatAt = nowMs
        if let stop = trader.risk.emergencyStop {
            // The emergency stop outlives restarts: the instance stays halted until a person resets it.
            phase = .paused
            reason = Self.haltReason(stop, bot: spec.name)
        }
    }

    /// The trader of a (re)started instance. With a persisted trader state it resumes exactly —
    /// strategy and indicators, risk memory, counters — and places again the protective orders a
    /// stop cancelled; without one (a first start, or a store from before `v5-trader-state`) the
    /// indicators are warmed up from the last 500 candles already seen.
    private static func trader(spec: ResolvedBot, revision: Int, symbol: String, venue: PaperVenue, restoring state: TraderState<AnyStrategy>?,
                               candles seen: ArraySlice<Candle>) throws(MoneyConversionError) -> (BotTrader<AnyStrategy>, placed: Bool) {
        let prefix = "\(spec.name)-r\(revision)-\(symbol)"
        let risk = try TradingBridge.riskLimits(spec), interval = TradingBridge.decisionInterval(spec)
        guard let state else {
            var trader = BotTrader(strategy: TradingBridge.strategy(spec), risk: risk, venue: venue, idPrefix: prefix, decisionIntervalSeconds: interval)
            trader.warmUp(seen.suffix(500))
            return (trader, false)
        }
        var trader = BotTrader(restoring: state, risk: risk, venue: venue, idPrefix: prefix, decisionIntervalSeconds: interval)
        let placed = seen.last.map { trader.reinstateProtection(at: $0.time) } ?? []
        return (trader, !placed.isEmpty)
    }

    static func haltReason(_ stop: EmergencyStop, bot: String) -> String {
        "halted: \(stop); entries refused until flotilla bot reset-errors \(bot)"
    }

    /// The emergency stop's reason while it holds the instance halted.
    var emergencyStop: String? { trader.risk.emergencyStop.map { Self.haltReason($0, bot: bot) } }

    /// One venue interaction through the guard; returns false when it must wait (breaker open,
    /// rate limit, retry backoff) or failed (then the candle is retried later).
    private func venueCall(nowMs: Int64) -> Bool {
        switch venueGuard.call(nowMs: nowMs, answered: { connection.answers(instance: id, bot: bot, revision: revision) }) {
        case .answered:
            return true
        case .wait:
            return false
        case .failed(let autoPause):
            probes.venueFailed()
            windowCounters.venueErrors += 1
            if autoPause {
                phase = .paused
                reason = "auto-paused after \(venueGuard.errors.autoPauseAfter) consecutive venue errors; resume with flotilla bot resume \(bot) or bot reset-errors \(bot)"
                noted.append((kind: "AutoPaused", message: "\(id): \(reason ?? "")"))
            }
            return false
        }
    }

    /// `eth-trend/r2/ETH-BTC#1`: every start of a revision on a symbol is a new incarnation with its
    /// own account, so a stopped instance's ledger is never overwritten.
    public static func id(bot: String, revision: Int, symbol: String, incarnation: Int) -> String {
        "\(bot)/r\(revision)/\(symbol)#\(incarnation)"
    }

    /// Processes every candle that is due by `nowMs`; returns the state to persist when anything changed.
    func advance(nowMs: Int64) -> (capture: InstanceCapture, events: [(kind: String, message: String)])? {
        let started = ContinuousClock.now
        defer { probes.endTick(started: started, trading: phase == .running, nowMs: nowMs) }
        heartbeatAt = nowMs
        guard phase == .running || phase == .paused else { return nil }
        var processed = 0
        var events: [(kind: String, message: String)] = []
        if let liveFeed { candles.append(contentsOf: liveFeed.drain()) }
        let exchange = onExchange ? takeExchangeReport() : nil
        while candleDue(nowMs: nowMs) {
            let candle = candles[candlesSeen]
            if phase == .running, !frozen, let model, trader.actsOnDecision(at: candle.time) {
                // An llm bot's candle waits for its model call (made off this actor; others go on).
                guard case .ready(let decision, let event) = model.poll(candle, context: { trader.modelContext(after: candle) }) else { break }
                trader.receive(decision, forCandleAt: candle.time)
                if let event { events.append(event) }
            }
            if phase == .running, !frozen, !venueCall(nowMs: nowMs) { break }  // the candle waits for the venue
            // Returns are judged only while a position is open: a flat account's return is always 0.
            let holding = !trader.venue.position.isZero && candlesSeen > 0
            let before = (equity: holding ? trader.venue.equity(at: candles[candlesSeen - 1].close).double : 0,
                          fills: trader.venue.fills.count, rejects: trader.rejectionCount)
            let wasHalted = trader.risk.halted
            if frozen {
                // A plain fleet halt, whatever else holds the instance (a pause, an exchange not
                // reconciled): no order of any kind, not even the emergency stop's close.
                _ = trader.observeFrozen(candle)
            } else if phase == .paused || (exchange != nil && (exchangeProblem != nil || !trader.venue.openMarketOrders.isEmpty)) {
                // Paused, or on an exchange it may not trade on yet (not reconciled, an order unknown),
                // or whose last market order the exchange has not answered: decisions wait for its fills.
                _ = trader.observeOnly(candle)
            } else {
                let call = ContinuousClock.now
                if let book, mode == .live, book.isActive {
                    _ = trader.step(candle, gate: gate, admit: { intent, account in self.admit(intent, account, book: book) })
                } else {
                    _ = trader.step(candle, gate: gate)
                }
                probes.venueAnswered(in: (ContinuousClock.now - call).seconds)
            }
            if let book, mode == .live, let fleetSymbol, book.isActive {
                book.update(id, FleetExposure.Holding(bot: bot, account: fleetAccount, symbol: fleetSymbol, position: trader.venue.position,
                                                      mark: candle.close, equity: trader.venue.equity(at: candle.close)))
            }
            if liveFeed == nil { _ = feed.take() } else { liveSeen += 1 }
            processed += 1
            if !wasHalted, let stop = trader.risk.emergencyStop {
                phase = .paused
                reason = Self.haltReason(stop, bot: bot)
                events.append((kind: "EmergencyStop", message: "\(id): \(stop); position closed, entries refused until reset"))
            }
            let equity = trader.venue.equity(at: candle.close).double
            if phase == .running { observe(candle: candle, before: before, equity: equity) }
            peakEquity = max(peakEquity, equity)
            if peakEquity > 0 { maxDrawdownPct = max(maxDrawdownPct, (peakEquity - equity) / peakEquity * 100) }
            countForWindow(since: before.fills, equity: equity)
            if let exchange { forwardToExchange(exchange) }
        }
        // Executions that came back after the last candle are booked now, not at the next candle.
        var bookedBetween = false
        if exchange != nil, candlesSeen > 0 {
            bookedBetween = !trader.bookReceived(after: candles[candlesSeen - 1]).isEmpty
        }
        if let exchange { settle(exchange, nowMs: nowMs) }
        // Against what the last capture persisted (a start's capture persists "reconciling").
        let exchangeChanged = exchangeProblem != reportedExchange
        if exchangeChanged, let problem = exchangeProblem {
            // The exchange account unreachable, or an order stuck unknown: an event (and an alert).
            if problem.hasPrefix("reconciliation with the exchange failed") {
                events.append((kind: "VenueUnreachable", message: "\(id): \(problem)"))
            } else if problem.contains("outcome is not known") {
                events.append((kind: "OrderUnknown", message: "\(id): \(problem)"))
            }
        }
        if !noted.isEmpty {
            events += noted
            noted = []
        }
        if liveFeed == nil, candlesSeen >= candles.count && reason == nil { reason = "replay finished" }
        // A failed venue call changes the error count (and may pause the bot) without a candle;
        // a live feed turning stale (or current again) changes the bot's health without one.
        let marketData = liveFeed == nil ? nil : marketDataProblem
        let feedChanged = marketData != reportedMarketData
        reportedMarketData = marketData
        guard processed > 0 || probes.venueErroredThisTick || feedChanged || exchangeChanged || bookedBetween else { return nil }
        return (capture(), events)
    }

    // MARK: The rules across bots

    /// Asks the fleet's book whether an entry may add to the position; a refusal is said once per
    /// reason (an `OrderRefused` event), a conflict under `warn` once per side.
    private func admit(_ intent: FlotillaTrading.OrderIntent, _ account: FlotillaTrading.AccountView, book: FleetBook) -> String? {
        let notional: Fixed, quantity: Fixed
        switch intent.size {
        case .quote(let budget):
            notional = budget
            quantity = account.price.isZero ? .zero : budget.divided(by: account.price)
        case .base(let q):
            quantity = q
            notional = q.multiplied(by: account.price)
        }
        let verdict = book.check(FleetExposure.Entry(instance: id, side: intent.side, notional: notional, quantity: quantity))
        if let warning = verdict.warning, policyNoted.insert("warn|\(intent.side)").inserted {
            noted.append((kind: "ConflictingPositions", message: "\(id): \(warning) (fleet-policy.yaml spec.conflicts: warn)"))
        }
        if let refusal = verdict.refusal {
            if policyNoted.insert(refusal).inserted { noted.append((kind: "OrderRefused", message: "\(id): \(refusal)")) }
        } else {
            policyNoted = policyNoted.filter { $0.hasPrefix("warn|") }
        }
        return verdict.refusal
    }

    // MARK: On an exchange

    /// A live instance of an exchange bot: its orders go to the exchange, its book is filled by it.
    private var onExchange: Bool { desk != nil && mode == .live }

    /// Reads what the exchange did since the last candle: the executions to book, and whether the
    /// instance may trade.
    private func takeExchangeReport() -> ExchangeDesk.Report? {
        guard let desk else { return nil }
        let report = desk.report
        switch report.status {
        case .reconciling(let why):
            exchangeProblem = why ?? "reconciling with the exchange account before trading"
            return report
        case .trading:
            exchangeProblem = report.unresolved.map {
                "order \($0)'s outcome is not known yet: nothing is placed until the exchange says what became of it"
            }
        }
        if !adopted {
            // The first word from the exchange since this instance (re)started: a market order its
            // book holds that never became an intent was decided by a process that stopped before
            // sending it — stale now, so it is not sent.
            adopted = true
            for order in trader.venue.openMarketOrders where report.intents[order.clientOrderId] == nil {
                trader.settle(clientOrderId: order.clientOrderId, as: .rejected("not sent: flotilla stopped before it was sent"))
            }
        }
        // Every order that became an intent (in this process or an earlier one) was handed over.
        forwarded.formUnion(report.intents.keys)
        forwarded.formUnion(report.refused.keys)
        let time = candlesSeen > 0 ? candles[candlesSeen - 1].time : 0
        trader.receive(report.executions(for: desk.symbol, notBookedIn: trader.venue, at: time))
        return report
    }

    /// The book of a live instance on an exchange, for the account's balance check: at rest when
    /// reconciled, nothing working or queued, and every reported fill booked.
    func exchangeBook() -> (book: AccountShortfall.Book, venue: VenueSpec, atRest: Bool, fillsBooked: Int)? {
        guard onExchange, let desk, let venue = exchangeVenue else { return nil }
        let report = desk.report
        let atRest = exchangeProblem == nil && report.queued == 0 && trader.venue.openMarketOrders.isEmpty
            && report.intents.values.allSatisfy { !$0.state.isWorking && !$0.state.isUnresolved }
            && report.fills.allSatisfy { trader.venue.hasBooked(fill: $0.fill.id) }
        let book = AccountShortfall.Book(account: desk.router.account, symbol: desk.symbol, cash: trader.venue.cash, position: trader.venue.position)
        return (book, venue, atRest, trader.venue.fills.count)
    }

    /// Hands the exchange the book's new market orders, and cancels of orders the book cancelled
    /// while the exchange still works them. Only once reconciled: before, the instance does not
    /// know which of its orders are intents already.
    private func forwardToExchange(_ report: ExchangeDesk.Report) {
        guard let desk, case .trading = report.status else { return }
        for order in trader.venue.openMarketOrders where !forwarded.contains(order.clientOrderId) {
            forwarded.insert(order.clientOrderId)
            desk.send(.place(reference: order.clientOrderId, side: order.side, size: order.quoteBudget.map { .quote($0) } ?? .base(order.quantity)))
        }
        for (reference, intent) in report.intents where intent.state.isWorking && !cancelsSent.contains(reference) {
            guard trader.venue.order(clientOrderId: reference)?.status == .cancelled else { continue }
            cancelsSent.insert(reference)
            desk.send(.cancel(reference: reference))
        }
    }

    /// Marks the book's orders the exchange finished (once their fills are booked), refused ones
    /// rejected with the reason; asks for a fresh read every 2 s while orders work.
    private func settle(_ report: ExchangeDesk.Report, nowMs: Int64) {
        guard let desk, case .trading = report.status else { return }
        for (reference, reason) in report.refused where trader.venue.order(clientOrderId: reference)?.status == .open {
            trader.settle(clientOrderId: reference, as: .rejected(reason))
        }
        var working = false
        for (reference, intent) in report.intents {
            if intent.state.isWorking || intent.state.isUnresolved { working = true }
            guard trader.venue.order(clientOrderId: reference)?.status == .open else { continue }
            let booked = report.fills.allSatisfy { $0.clientOrderId != intent.clientOrderId || trader.venue.hasBooked(fill: $0.fill.id) }
            guard booked else { continue }
            switch intent.state {
            case .filled: trader.settle(clientOrderId: reference, as: .filled)
            case .cancelled: trader.settle(clientOrderId: reference, as: .cancelled)
            case .rejected: trader.settle(clientOrderId: reference, as: .rejected(intent.reason ?? "rejected by the exchange"))
            case .notPlaced: trader.settle(clientOrderId: reference, as: .rejected(intent.reason ?? "not placed"))
            default: break
            }
        }
        if working, report.queued == 0, nowMs - refreshedAtMs >= 2000 {
            refreshedAtMs = nowMs
            desk.send(.refresh)
        }
    }

    /// Whether the next candle is there to process: a replay's when its time at the speed has come,
    /// a live feed's as soon as the feed delivered it.
    private func candleDue(nowMs: Int64) -> Bool {
        if liveFeed != nil { return liveSeen < candles.count }
        guard let due = feed.nextDue else { return false }
        return due.ms <= nowMs
    }

    /// What health shows while the live feed is stale, nil otherwise.
    private var marketDataProblem: String? {
        guard let status = liveFeed?.status, status.health.isStale else { return nil }
        return "live candles \(status.key): \(status.health)" + (status.lastError.map { "; last error: \($0.prefix(200))" } ?? "")
    }

    /// Counts one candle's fills and drop for the analysis window.
    private func countForWindow(since firstFill: Int, equity: Double) {
        let fills = trader.venue.fills
        if fills.count > firstFill {
            for f in fills[firstFill...] {
                windowCounters.fills += 1
                windowCounters.slippageBpsSum += f.slippageBps
                if !f.realizedPnL.isZero { windowCounters.closedTrades += 1 }
            }
        }
        windowPeak = max(windowPeak, equity)
        if windowPeak > 0 { windowDrawdownPct = max(windowDrawdownPct, (windowPeak - equity) / windowPeak * 100) }
    }

    /// An analysis window opens: the drop is measured from here; returns what the window starts from.
    func openWindow() -> AnalysisWindow.Start {
        let reading = windowReading
        windowPeak = reading.equity.double
        windowDrawdownPct = 0
        return AnalysisWindow.Start(equity: reading.equity, contributed: reading.contributed, counters: reading.counters, epoch: windowEpoch)
    }

    /// The instance now, for judging a window.
    var windowReading: AnalysisWindow.Reading {
        var counters = windowCounters
        counters.decisions = trader.decisions
        counters.rejects = trader.rejections.count
        return AnalysisWindow.Reading(equity: equity, contributed: trader.venue.startingCash, counters: counters, epoch: windowEpoch,
                                      drawdownPct: windowDrawdownPct)
    }

    /// Feeds the health probes one candle's return, rejects and slippage.
    private func observe(candle: Candle, before: (equity: Double, fills: Int, rejects: Int), equity: Double) {
        let fills = trader.venue.fills
        probes.observe(candle: candle, equityBefore: before.equity, equity: equity, rejects: trader.rejectionCount - before.rejects,
                       fresh: fills.count > before.fills ? fills[before.fills...] : [])
    }

    func snapshot() -> (state: InstanceState, newFills: [(String, Int64, String)]) { capture().encoded() }

    /// What to persist now (`InstanceCapture`, encoded later): the fills since the last capture
    /// counted, the venue compacted. Written with the venue state, in the same row, the trader
    /// state: a restart finds both as of the same candle.
    func capture() -> InstanceCapture {
        let fills = trader.venue.fills
        let fresh = fills.count > persistedFills ? Array(fills[persistedFills...]) : []
        for f in fresh { if f.side == .buy { buys += 1 } else { sells += 1 } }
        var venue = trader.venue
        venue.compact(keep: 20)
        persistedFills = min(fills.count, venue.fills.count)
        // Compaction that dropped nothing changes nothing (and counts as no change).
        if venue.fills.count != fills.count || venue.orders.count != trader.venue.orders.count { trader.replaceVenue(venue) }
        let traderState = trader.state
        let metrics = self.metrics
        reportedExchange = metrics.exchange
        lastMetrics = metrics
        return InstanceCapture(
            state: InstanceState(
                id: id, bot: bot, revision: revision, symbol: symbol, phase: phase, reason: reason, mode: mode,
                capitalPct: capitalPct.canonicalText, venueJSON: nil, candlesSeen: candlesSeen, heartbeatAt: heartbeatAt, metricsJSON: nil),
            venue: venue, trader: traderState, metrics: metrics, newFills: fresh, changes: changes)
    }

    /// The fleet committed `capture` to the store (its row holds that capture's JSON).
    func committed(_ capture: InstanceCapture) { committedChanges = capture.changes }

    /// Whether the store's row already holds the instance's venue, trader and metrics JSON as they
    /// are now (nothing changed since the capture the fleet last committed).
    var persistedAsIs: Bool { committedChanges == changes }

    /// The instance as readers on other threads see it (`LiveFleet`): its current phase and
    /// heartbeat with the metrics of its last persisted state — no JSON, no venue.
    func live() -> LiveInstance {
        let metrics = lastMetrics ?? self.metrics
        lastMetrics = metrics
        return LiveInstance(
            state: InstanceState(
                id: id, bot: bot, revision: revision, symbol: symbol, phase: phase, reason: reason, mode: mode,
                capitalPct: capitalPct.canonicalText, venueJSON: nil, candlesSeen: candlesSeen, heartbeatAt: heartbeatAt, metricsJSON: nil),
            metrics: metrics)
    }

    /// The trading metrics analysis judges: since the instance started.
    var metrics: InstanceMetrics {
        let venue = trader.venue
        let mark = candlesSeen > 0 ? candles[candlesSeen - 1].close : Fixed.zero
        let contributed = venue.startingCash.double
        let equity = venue.equity(at: mark).double
        let closed = venue.fills.filter { !$0.realizedPnL.isZero }
        return InstanceMetrics(
            trades: closed.count, wins: closed.filter { $0.realizedPnL.units > 0 }.count,
            realizedPnL: venue.realizedPnL, unrealizedPnL: venue.unrealizedPnL(at: mark),
            equity: venue.equity(at: mark), returnPct: contributed > 0 ? (equity - contributed) / contributed * 100 : 0,
            maxDrawdownPct: maxDrawdownPct, decisions: trader.decisions, rejects: trader.rejectionCount,
            slippageBps: venue.fills.isEmpty ? 0 : venue.fills.map(\.slippageBps).reduce(0, +) / Double(venue.fills.count),
            position: venue.position, cash: venue.cash, errors: venueGuard.consecutiveErrors,
            circuitBreaker: venueGuard.breakerState, buys: buys, sells: sells,
            anomalies: probes.detector.anomalies, cpuPct: (probes.cpuShare * 10000).rounded() / 100,
            memoryBytes: InstanceProbes.memoryEstimate(candles: candles.count, orders: trader.venue.orders.count, fills: trader.venue.fills.count),
            venueResponseSeconds: probes.venueLatency, emergencyStop: trader.risk.emergencyStop?.description, marketData: marketDataProblem,
            exchange: onExchange ? exchangeProblem : nil, model: model?.usage)
    }

    var lastClose: Fixed { candlesSeen > 0 ? candles[candlesSeen - 1].close : (candles.first?.open ?? .zero) }

    /// The next candle's time and when it is due (wall ms): a new instance on the symbol starts in
    /// step with this one, so both see each candle in the same tick.
    var nextCandle: (time: Int64, dueMs: Int64)? {
        guard liveFeed == nil, let due = feed.nextDue else { return nil }
        return (candles[candlesSeen].time, due.ms)
    }

    // MARK: Commands from the fleet

    /// A fleet halt begins, changes or lifts. Beginning (or turning into a plain halt) cancels the
    /// working orders it refuses: entries under reduce-only; every order under a plain halt, the
    /// position's protective orders suspended — placed again when it lifts or turns reduce-only.
    /// On an exchange the cancels go out at once. Returns the client order ids cancelled, or nil
    /// when nothing but the reason changed.
    func apply(halt new: BotHalt?) -> [String]? {
        let old = halt?.mode
        halt = new
        guard new?.mode != old else { return nil }
        guard phase != .stopped else { return [] }  // a stopped instance's orders are suspended already
        var cancelled: [String] = []
        switch (old, new?.mode) {
        case (_, .halt?):
            cancelled = trader.haltOrders(keepingExits: false)
        case (nil, .reduceOnly?):
            cancelled = trader.haltOrders(keepingExits: true)
        case (.halt?, _):
            if candlesSeen > 0 { trader.reinstateProtection(at: candles[candlesSeen - 1].time) }
        default:
            break
        }
        if onExchange, let desk { forwardToExchange(desk.report) }
        return cancelled
    }

    /// `bot reset-errors`: forgets venue errors — the error tracker, the circuit breaker and the retry
    /// backoff start afresh — lifts a fired emergency stop, and resumes an instance that paused
    /// itself because of either. Returns the emergency stop it lifted.
    @discardableResult
    func resetErrors() -> EmergencyStop? {
        venueGuard.reset()
        let lifted = trader.risk.emergencyStop
        trader.resetEmergencyStop()
        if phase == .paused, reason?.hasPrefix("auto-paused") == true || reason?.hasPrefix("halted:") == true { setPhase(.running) }
        return lifted
    }

    /// A halted instance (its emergency stop fired) stays paused whatever it is asked, until reset.
    /// An instance that starts again after a stop places its position's protective orders again.
    func setPhase(_ phase: InstancePhase, reason: String? = nil) {
        var phase = phase, reason = reason
        if phase == .running || phase == .paused, let stop = trader.risk.emergencyStop {
            phase = .paused
            reason = Self.haltReason(stop, bot: bot)
        }
        if self.phase == .stopped, phase == .running || phase == .paused, candlesSeen > 0 {
            trader.reinstateProtection(at: candles[candlesSeen - 1].time)
        }
        self.phase = phase
        self.reason = reason
        if phase == .running { venueGuard.resumed() }
    }

    /// The watchdog's view: a breaker that stays open means the instance can't trade.
    var isHealthy: Bool { venueGuard.breakerState != .open || phase != .running }

    /// Stop placing orders, cancel working orders.
    /// The position's protective orders are remembered and placed again on the next start.
    func stop(reason: String) -> InstanceState { stopCapturing(reason: reason).encoded().state }

    /// `stop`, returning what to persist unencoded (a fleet's stop encodes them all at once).
    func stopCapturing(reason: String) -> InstanceCapture {
        model?.cancel()
        // On an exchange, what it reported since the last tick is booked before the book is
        // persisted (and before its entry's protection is suspended below).
        if onExchange, takeExchangeReport() != nil, candlesSeen > 0 { _ = trader.bookReceived(after: candles[candlesSeen - 1]) }
        // No working order: nothing to suspend (and the trader stays as persisted).
        if !trader.venue.openOrderIds.isEmpty { trader.suspendOrders() }
        // On an exchange, what it still works of the book's cancelled orders is cancelled there too.
        if onExchange, let desk { forwardToExchange(desk.report) }
        phase = .stopped
        self.reason = reason
        return capture()
    }

    func setMode(_ mode: InstanceMode) {
        if self.mode == .shadow && mode == .live {
            // Shadow fills were simulated on notional capital: live trading starts from an empty account
            // that receives real capital and positions.
            trader.replaceVenue(PaperVenue(cash: .zero, rules: trader.venue.rules, matching: desk == nil ? nil : .exchange))
            persistedFills = 0
        }
        self.mode = mode
    }

    /// Live → shadow: the account's cash (the bot's real money, PnL included) leaves — the caller
    /// puts it back in the reserve — and the instance goes on simulating on `notionalCash`.
    /// Its positions must have been handed over first. Returns the cash that left and the
    /// contribution (capital put in) it carried.
    func leaveLive(notionalCash: Fixed) -> (cash: Fixed, contribution: Fixed) {
        var venue = trader.venue
        venue.cancelAll()
        let out = (venue.cash, venue.startingCash)
        trader.replaceVenue(PaperVenue(cash: notionalCash, rules: venue.rules))
        persistedFills = 0
        mode = .shadow
        return out
    }

    var position: Fixed { trader.venue.position }

    func setCapitalPct(_ pct: Decimal) { capitalPct = pct }

    func handOverPosition() -> (quantity: Fixed, costBasis: Fixed) {
        var venue = trader.venue
        let out = venue.handOverPosition()
        trader.replaceVenue(venue)
        return out
    }

    func receivePosition(quantity: Fixed, costBasis: Fixed) {
        var venue = trader.venue
        venue.receivePosition(quantity: quantity, costBasis: costBasis)
        trader.replaceVenue(venue)
    }

    /// Moves cash in or out; returns what actually moved (an instance can't give cash it doesn't have).
    func transfer(cash: Fixed) -> Fixed {
        var venue = trader.venue
        let amount = cash.units < 0 ? -min(cash.magnitude, max(.zero, venue.cash)) : cash
        venue.transfer(cash: amount)
        trader.replaceVenue(venue)
        return amount
    }

    var equity: Fixed { trader.venue.equity(at: lastClose) }
    var cash: Fixed { trader.venue.cash }
}


extension InstanceMetrics {
    /// The figures an analysis judges.
    public var tradingMetrics: TradingMetrics {
        TradingMetrics(closedTrades: trades, returnOnCapitalPct: returnPct, maxDrawdownPct: maxDrawdownPct, venueCalls: decisions + errors, venueErrors: errors,
                       ordersSubmitted: decisions, ordersRejected: rejects, slippageBps: slippageBps)
    }
}
