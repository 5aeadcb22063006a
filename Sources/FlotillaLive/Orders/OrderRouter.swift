import FlotillaTrading

/// Why the router did not place (or cancel) an order.
public enum OrderRouterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Reconciliation has not succeeded since start or the last reconnect: the bot does not trade.
    case notReconciled(reason: String)
    /// An earlier order's outcome is unknown: nothing more is placed until a query resolves it.
    case blockedByUnknown(ClientOrderId)
    /// No intent of this router has that client order id.
    case noSuchOrder(ClientOrderId)
    /// The ledger could not be written: nothing was sent.
    case ledger(String)
    /// The cancel was not answered after every try (the order stays working; cancel again).
    case cancelNotAnswered(ClientOrderId, VenueError)

    public var description: String {
        switch self {
        case .notReconciled(let reason): "not trading until reconciled with the venue: \(reason)"
        case .blockedByUnknown(let id): "order \(id)'s outcome is unknown: nothing more is placed until the venue says what became of it"
        case .noSuchOrder(let id): "no order \(id) of this bot instance"
        case .ledger(let m): "the order could not be recorded, so it was not sent: \(m)"
        case .cancelNotAnswered(let id, let e): "cancel of \(id) not answered: \(e)"
        }
    }
}

/// One bot instance's orders on one venue account. `place` writes the intent, sends it through
/// the `Venue` and records the outcome; a retryable failure re-sends the same client order id
/// (after a query, so a send that got through is never doubled), a terminal one rejects the
/// intent with the venue's reason, and an unknown outcome leaves it UNKNOWN: nothing more is
/// placed for the bot until a query by client order id resolves it. Position and cash are the
/// sum of recorded fills (`holdings`), never an order's own report.
///
/// Calls are taken one at a time, in the order made: a second `place` waits for the first.
/// Nothing is placed before `reconcile()` has succeeded.
public actor OrderRouter {
    public nonisolated let bot: String
    public nonisolated let instance: String
    public nonisolated let account: String
    public let venue: any Venue
    public let ledger: any OrderLedger
    public let policy: OrderRouterPolicy
    let timing: OrderTiming
    /// Symbols whose orders and fills reconciliation reads even before an intent exists.
    let symbols: Set<Symbol>

    private var intents: [OrderIntent] = []
    private var index: [ClientOrderId: Int] = [:]
    private var nextSequence = 0
    public private(set) var holdings = Holdings()
    /// Nil until reconciliation succeeds; the reason it failed when it did.
    public private(set) var reconciled: ReconciliationOutcome?
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(bot: String, instance: String, account: String, venue: any Venue, ledger: any OrderLedger, symbols: [Symbol] = [],
                policy: OrderRouterPolicy = OrderRouterPolicy(), timing: OrderTiming = .system) {
        self.bot = bot
        self.instance = instance
        self.account = account
        self.venue = venue
        self.ledger = ledger
        self.symbols = Set(symbols)
        self.policy = policy
        self.timing = timing
    }

    // MARK: What the instance reads

    /// The base asset held because of this bot's fills (bought less sold less base fees).
    public func position(_ symbol: Symbol) -> Fixed { holdings[symbol.base] }

    /// The change in `asset` from this bot's fills and fees (negative: spent).
    public func cash(_ asset: String) -> Fixed { holdings[asset] }

    /// This instance's intents, in sequence order.
    public func orders() -> [OrderIntent] { intents }

    public func order(_ id: ClientOrderId) -> OrderIntent? { index[id].map { intents[$0] } }

    /// The first intent whose outcome is not yet known, when there is one.
    public func unresolved() -> OrderIntent? { intents.first { $0.state.isUnresolved } }

    // MARK: Placing and cancelling

    /// Places one order: written first, then sent. Returns the intent as it ended: `open`,
    /// `partiallyFilled` or `filled` when the venue took it, `rejected` with the reason when it
    /// refused, `unknown` when the answer was lost (resolve it before placing more).
    @discardableResult
    public func place(_ symbol: Symbol, _ side: Side, _ kind: OrderRequest.Kind, reference: String? = nil) async throws(OrderRouterError) -> OrderIntent {
        await enter()
        defer { leave() }
        guard case .reconciled = reconciled else {
            throw .notReconciled(reason: reconciled?.reason ?? "reconciliation has not run yet")
        }
        await resolveUnresolved()
        if let u = unresolved() { throw .blockedByUnknown(u.clientOrderId) }

        var intent = OrderIntent(bot: bot, instance: instance, account: account, sequence: nextSequence, symbol: symbol, side: side,
                                 kind: kind, createdAt: timing.now(), reference: reference)
        // Written once before the first send, already as sent: after a crash pending and sent mean
        // the same (the outcome is asked for), so one durable write is all an order costs before it goes.
        transition(&intent, .sending)
        do { try ledger.save(intent) } catch { throw .ledger("\(error)") }
        nextSequence += 1
        index[intent.clientOrderId] = intents.count
        intents.append(intent)

        var sends = 0
        send: while true {
            sends += 1
            if sends > 1 {
                transition(&intent, .sending)
                guard persist(intent) else { break }
            }
            do {
                let report = try await venue.place(intent.request)
                adopt(&intent, report)
                break
            } catch let e as VenueError {
                switch e.classification {
                case .retryable where sends < policy.maxSends:
                    await timing.sleep(policy.wait(attempt: sends, retryAfterSeconds: e.retryAfterSeconds))
                    // A send that was said not to have gone may have: look before sending again.
                    if let found = try? await venue.order(intent.clientOrderId, symbol: symbol) {
                        adopt(&intent, found)
                        break send
                    }
                    continue
                case .retryable, .unknownOutcome:
                    markUnknown(&intent, because: e.description)
                case .terminal where e.kind == .duplicateClientOrderId:
                    // The id is taken: an earlier send of it reached the venue. Find out what it became.
                    markUnknown(&intent, because: e.description)
                case .terminal:
                    transition(&intent, .refused)
                    intent.reason = e.description
                }
                break
            } catch {
                markUnknown(&intent, because: "\(error)")
                break
            }
        }
        _ = persist(intent)
        if intent.state == .unknown { await resolve(&intent) }
        await syncFills(symbol)
        return self.intents[index[intent.clientOrderId]!]
    }

    /// Cancels a working order. Idempotent: an order already done (or never placed) is answered
    /// with its state, not an error.
    @discardableResult
    public func cancel(_ id: ClientOrderId) async throws(OrderRouterError) -> OrderIntent {
        await enter()
        defer { leave() }
        guard let i = index[id] else { throw .noSuchOrder(id) }
        var intent = intents[i]
        if intent.state.isUnresolved { await resolve(&intent) }
        var tries = 0
        while intent.state.isWorking {
            tries += 1
            do {
                let outcome = try await venue.cancel(OrderReference(symbol: intent.symbol, clientOrderId: id, venueOrderId: intent.venueOrderId))
                switch outcome {
                case .cancelled:
                    transition(&intent, .cancelAccepted)
                case .alreadyDone, .notFound:
                    await refresh(&intent)
                    if intent.state.isWorking { intent.reason = "the venue did not find it to cancel" }
                }
                if intent.state.isWorking, outcome != .cancelled { break }
            } catch let e as VenueError {
                if e.classification == .unknownOutcome { await refresh(&intent) }
                guard tries < policy.maxCancels else {
                    _ = persist(intent)
                    throw .cancelNotAnswered(id, e)
                }
                if intent.state.isWorking { await timing.sleep(policy.wait(attempt: tries, retryAfterSeconds: e.retryAfterSeconds)) }
            } catch {
                guard tries < policy.maxCancels else { break }
            }
        }
        _ = persist(intent)
        await syncFills(intent.symbol)
        return intents[i]
    }

    /// Queries every intent whose outcome is not known (the engine calls it on a timer while one
    /// is, and `place` calls it first).
    public func resolveUnresolved() async {
        for i in intents.indices where intents[i].state.isUnresolved {
            var intent = intents[i]
            await resolve(&intent)
        }
    }

    /// Reads the working orders and the fills again (the engine calls it while orders work);
    /// false when the venue did not answer (the engine reconciles again once it does).
    @discardableResult
    public func refresh() async -> Bool {
        await enter()
        defer { leave() }
        guard case .reconciled = reconciled else { return false }
        var answered = true
        for i in intents.indices where intents[i].state.isWorking {
            var intent = intents[i]
            do {
                if let report = try await venue.order(intent.clientOrderId, symbol: intent.symbol) { adopt(&intent, report) }
            } catch {
                answered = false
            }
            _ = persist(intent)
        }
        await resolveUnresolved()
        for symbol in symbols.union(intents.map(\.symbol)).sorted(by: { $0.description < $1.description }) {
            do { _ = try await readFills(symbol) } catch { answered = false }
        }
        return answered
    }

    // MARK: Reconciliation

    /// Matches the store's intents against the venue (on start and after any reconnect): orders
    /// the venue has are updated, intents it never saw become not placed (after the grace
    /// period), fills since the cursor are recorded once, balances are read. Until it succeeds
    /// nothing is placed, and the outcome says why.
    @discardableResult
    public func reconcile() async -> ReconciliationOutcome {
        await enter()
        defer { leave() }
        let outcome = await reconcileNow()
        reconciled = outcome
        return outcome
    }

    private func reconcileNow() async -> ReconciliationOutcome {
        var summary = ReconciliationSummary()
        do {
            let all = try ledger.intents(bot: bot)
            holdings = Holdings(try ledger.fills(bot: bot).map(\.fill))
            intents = all.filter { $0.instance == instance && $0.account == account }
            index = Dictionary(uniqueKeysWithValues: intents.enumerated().map { ($1.clientOrderId, $0) })
            nextSequence = try ledger.nextSequence(bot: bot, instance: instance)
        } catch {
            return .failed(reason: "the store's orders could not be read: \(error)")
        }
        let now = timing.now()
        // A send a previous process started may have reached the venue.
        for i in intents.indices where intents[i].state == .pending || intents[i].state == .sent {
            markUnknown(&intents[i], because: "sent by an earlier run; its outcome was not recorded", at: now)
            _ = persist(intents[i])
        }
        let touched = symbols.union(intents.map(\.symbol))
        do {
            for symbol in touched.sorted(by: { $0.description < $1.description }) {
                let open = try await venue.openOrders(symbol)
                var seen: Set<ClientOrderId> = []
                for report in open {
                    guard let id = report.clientOrderId, let i = index[id] else { continue }
                    seen.insert(id)
                    var intent = intents[i]
                    let before = intent.state
                    adopt(&intent, report)
                    if intent.state != before { summary.updated += 1 }
                    _ = persist(intent)
                }
                for i in intents.indices where intents[i].symbol == symbol && !seen.contains(intents[i].clientOrderId)
                    && (intents[i].state.isWorking || intents[i].state.isUnresolved)
                {
                    var intent = intents[i]
                    let before = intent.state
                    guard let report = try await venue.order(intent.clientOrderId, symbol: symbol) else {
                        if intent.state.isUnresolved {
                            let past = now - (intent.unknownSince ?? now) >= policy.notFoundGrace
                            transition(&intent, .notFound(pastGrace: past))
                            if past { intent.reason = "the venue has no order with this id after the grace period: not placed" }
                        }
                        if intent.state != before { summary.updated += 1 }
                        _ = persist(intent)
                        continue
                    }
                    adopt(&intent, report)
                    if intent.state != before { summary.updated += 1 }
                    _ = persist(intent)
                }
                let recorded = try await readFills(symbol)
                summary.fillsRecorded += recorded
            }
            summary.balances = try await venue.balances()
        } catch {
            return .failed(reason: "\(venue.name) could not be read: \(error)")
        }
        summary.notPlaced = intents.filter { $0.state == .notPlaced }.count
        summary.unresolved = intents.filter { $0.state.isUnresolved }.map(\.clientOrderId)
        return .reconciled(summary)
    }

    // MARK: Inside

    /// Asks the venue about one intent whose outcome is not known.
    private func resolve(_ intent: inout OrderIntent) async {
        do {
            if let report = try await venue.order(intent.clientOrderId, symbol: intent.symbol) {
                adopt(&intent, report)
            } else {
                let since = intent.unknownSince ?? timing.now()
                intent.unknownSince = since
                let past = timing.now() - since >= policy.notFoundGrace
                transition(&intent, .notFound(pastGrace: past))
                if past { intent.reason = "the venue has no order with this id after the grace period: not placed" }
            }
        } catch {
            // Still unknown; asked again next time.
        }
        _ = persist(intent)
        if !intent.state.isUnresolved { await syncFills(intent.symbol) }
    }

    /// Reads a working or finished order again (after a cancel that found it done, or a lost answer).
    private func refresh(_ intent: inout OrderIntent) async {
        if let report = try? await venue.order(intent.clientOrderId, symbol: intent.symbol) { adopt(&intent, report) }
        _ = persist(intent)
    }

    /// Records the venue's fills of our orders since the cursor. Only while every intent's outcome
    /// is known: a fill of an order whose venue id we have not learnt yet would be passed over.
    private func syncFills(_ symbol: Symbol) async {
        guard unresolved() == nil else { return }
        _ = try? await readFills(symbol)
    }

    private func readFills(_ symbol: Symbol) async throws -> Int {
        guard intents.allSatisfy({ !$0.state.isUnresolved || $0.symbol != symbol }) else { return 0 }
        let cursor = try ledger.fillCursor(bot: bot, account: account, symbol: symbol)
        let page = try await venue.fills(symbol, since: cursor)
        guard !page.fills.isEmpty || page.next != nil else { return 0 }
        var owner: [String: ClientOrderId] = [:]
        for i in try ledger.intents(bot: bot) where i.account == account { if let v = i.venueOrderId { owner[v] = i.clientOrderId } }
        for i in intents { if let v = i.venueOrderId { owner[v] = i.clientOrderId } }
        let ours = page.fills.compactMap { f in
            owner[f.venueOrderId].map { RecordedFill(bot: bot, account: account, clientOrderId: $0, fill: f) }
        }
        let added = try ledger.record(ours, bot: bot, account: account, symbol: symbol, cursor: page.next ?? cursor)
        for f in added { holdings.add(f.fill) }
        return added.count
    }

    private func adopt(_ intent: inout OrderIntent, _ report: VenueOrderReport) {
        transition(&intent, .venue(report.status))
        intent.venueOrderId = report.venueOrderId
        if report.filledQuantity > intent.filledQuantity { intent.filledQuantity = report.filledQuantity }
        if !intent.state.isUnresolved { intent.unknownSince = nil }
        if report.status == .rejected { intent.reason = intent.reason ?? "rejected by \(venue.name)" }
    }

    private func markUnknown(_ intent: inout OrderIntent, because reason: String, at time: Int64? = nil) {
        transition(&intent, .outcomeUnknown)
        intent.unknownSince = intent.unknownSince ?? time ?? timing.now()
        intent.reason = reason
    }

    /// Applies an event the state machine allows; one it refuses leaves the intent as it was.
    private func transition(_ intent: inout OrderIntent, _ event: OrderState.Event) {
        if let next = intent.state.applying(event) { intent.state = next }
    }

    /// Writes the intent and keeps it; false when the write failed (the intent stays as it was stored).
    private func persist(_ intent: OrderIntent) -> Bool {
        var i = intent
        i.updatedAt = timing.now()
        if let at = index[i.clientOrderId] { intents[at] = i }
        do {
            try ledger.save(i)
            return true
        } catch {
            return false
        }
    }

    private func enter() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func leave() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
