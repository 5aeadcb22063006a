import FlotillaLive
import FlotillaPlan
import FlotillaSpec
import FlotillaStore
import FlotillaTrading
import Foundation
import Logging

/// The running fleet: every bot's instances and rollouts. A level-based reconciler — each pass
/// compares the whole desired state in the store with what runs and converges, executing the
/// deploy strategies' actions after persisting them.
public actor Fleet {
    /// On the fleet's own thread (see `FleetExecutor`), shared with its instances.
    nonisolated let executor: any SerialExecutor = FleetExecutor.next()
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    let store: StateStore
    let data: MarketDataCache
    let logger: Logger
    var instances = InstanceTable()
    /// What this pass wrote, committed in one transaction at its end (`flush`).
    var writes = StoreWrites()
    /// Instance states saved in `writes` before their JSON was encoded — the write's index and
    /// what it is — encoded together, across the cores, when the pass commits (`flush`).
    var unencoded: [(index: Int, capture: InstanceCapture)] = []
    /// Instance incarnations started so far per "bot/revision/symbol" (from the store, then counted here).
    var incarnations: [String: Int]?
    var envelopes: [String: RolloutEnvelope] = [:]
    var specCache: [String: ResolvedBot] = [:]  // "bot@revision" → spec
    /// How long an analysis measures before it is judged (wall time).
    public var analysisWindowMs: Int64 = 60_000
    public private(set) var lastReconcileMs: Int64 = 0
    public private(set) var recovered = false { didSet { progress.set(recovered: recovered) } }
    /// Recovery and reconcile passes, readable without waiting for the fleet's thread (health
    /// probes must answer while a thousand bots tick).
    public nonisolated let progress = FleetProgress()
    /// The instances as the HTTP side reads them, republished after each tick and reconcile pass.
    public nonisolated let live = LiveFleet()
    var lastErrors: [String: String] = [:]
    var desiredCache: [String: ResolvedBot] = [:]
    /// The desired specs this fleet holds, shared with the views built in this process (`BotView.all`):
    /// at ten thousand bots the server's first view decoded every stored spec again.
    public nonisolated let specs = SpecCache()
    var watchdog: [String: (tracker: RestartTracker, restartAt: Int64?)] = [:]
    var failedByBot: [String: Set<Int>] = [:]
    /// Bots that could not be brought to their desired state, why, and when to try again.
    var degraded: [String: Degradation] = [:] { didSet { degradedBots.replace(degraded) } }
    /// Bots whose persisted rollout could not be read: left alone (their instances trade on) until it reads.
    var unreadable: Set<String> = []
    /// The degraded bots, readable from other threads (`/readyz`).
    public nonisolated let degradedBots = DegradedBots()
    /// Halts that could not be read as written, readable from other threads (`Fleet+Halt.swift`).
    public nonisolated let haltProblems = HaltProblems()
    /// Whether the last pass held any instance halted (a pass with no halt before or now visits none).
    var haltsHeld = false

    /// Where the instances' venue calls go: the paper venue, which never fails, unless a test
    /// gives a venue that does (FlotillaTesting's `FlakyVenue`).
    let connection: any VenueConnection
    /// The fleet's live candle feeds, one per (venue, symbol, interval), for bots with a live source.
    public nonisolated let feeds: MarketFeeds
    /// The clients of the exchange accounts the fleet's bots trade on: one client and one rate
    /// budget per account.
    public nonisolated let accounts: AccountConnections
    /// Per exchange account: when its balance was last read, and the shortfalls last reported
    /// (`Fleet+AccountBalances`).
    var balanceReadAt: [String: Int64] = [:]
    /// The fleet as one book for the rules across bots (`fleet-policy.yaml`, `Fleet+Policy`).
    public nonisolated let book = FleetBook()
    /// Where the fleet policy is read from (nil: none), and the stamp it was last read at.
    var policyFile: URL?
    var policyStamp: FileStamp?
    var reportedShortfalls: [String: [AccountShortfall]] = [:]
    /// Each exchange market's rules, read once per (account, symbol): a fleet of a thousand bots on
    /// one account must not spend its request weight asking the same question a thousand times.
    var exchangeMarkets: [String: VenueMarket] = [:]
    /// What `llm` instances call their models with: the store, budgets shared by the fleet, the
    /// network (tests may point it elsewhere before the first start).
    public var modelAccess: ModelAccess

    /// - Parameter feeds: live market data (default: the venues' public endpoints over the network;
    ///   tests point it at the simulator).
    public init(store: StateStore, dataDirectory: String?, logger: Logger, venue: any VenueConnection = PaperConnection(),
                feeds: MarketFeeds? = nil, accounts: AccountConnections? = nil) {
        self.accounts = accounts ?? AccountConnections()
        self.store = store
        self.data = MarketDataCache(baseDirectory: dataDirectory)
        self.logger = logger
        self.connection = venue
        self.feeds = feeds ?? MarketFeeds(transport: NetworkTransport(), logger: logger)
        self.modelAccess = ModelAccess(store: store)
    }

    public var instanceCount: Int { instances.count }

    /// Specs this process already holds — `up` read them from the files and applied them — for
    /// the desired state: a stored spec with the same hash is not decoded again (decoding ten
    /// thousand specs was a third of a fleet's start). The hash covers every field an instance
    /// uses, and decoding recomputes it from the stored content, so equal hashes are equal specs.
    public func adopt(_ specs: [ResolvedBot]) {
        for spec in specs where desiredCache[spec.name] == nil { desiredCache[spec.name] = spec }
        self.specs.remember(specs)
    }

    /// The desired state, each spec decoded only when no spec with its hash is held already.
    private func desiredBots() throws -> [AppliedBot] {
        let cachedHashes = desiredCache.mapValues(\.specHash)
        var (_, desired) = try store.desiredState(decode: { name, hash in cachedHashes[name] != hash })
        var decoded: [ResolvedBot] = []
        for index in desired.indices {
            if let spec = desired[index].spec {
                desiredCache[desired[index].name] = spec
                decoded.append(spec)
            } else {
                desired[index].spec = desiredCache[desired[index].name]
            }
        }
        if !decoded.isEmpty { specs.remember(decoded) }
        return desired
    }

    // MARK: Recovery

    /// Rebuilds instances and rollouts from the store after a start or a crash: each instance
    /// resumes with its venue state (orders, fills, balances, position) from the first unseen candle.
    public func recover(nowMs: Int64) async throws {
        // Every per-bot step is the bot's own: a rollout that can't be read, an instance that can't
        // come back, a persisted action that fails — each marks that bot Degraded with the reason,
        // and the fleet starts. Only the store itself failing stops recovery.
        let rollouts = try store.rollouts()
        // Decoding is the dearest per-bot step of a restart, and pure: done for every bot at once, across the cores.
        let decodedRollouts = rollouts.concurrentMap { stored in
            Result { try JSONDecoder().decode(RolloutEnvelope.self, from: Data(stored.stateJSON.utf8)) }
        }
        for (stored, decoded) in zip(rollouts, decodedRollouts) {
            do {
                let envelope = try decoded.get()
                envelopes[stored.bot] = envelope
                if let d = envelope.degraded { degraded[stored.bot] = d }
            } catch {
                unreadable.insert(stored.bot)
                degrade(stored.bot, cause: .rolloutState, reason: "its rollout state could not be read: \(error)", revision: stored.candidate, nowMs: nowMs)
            }
        }
        let restoring = try store.runtimeInstances().filter { $0.phase != .stopped }
        if restoring.count > 1 {
            // Decoding a spec is the dearest per-bot step of a restart: the desired state is decoded
            // once (the first pass then decodes nothing) and serves as the revision's spec wherever
            // nothing was updated in place; the other revisions come in one read, not one per instance.
            let desired = try desiredBots()
            let same = try store.botsAtTheirRevisionSpec()
            for applied in desired where same.contains(applied.name) { specCache["\(applied.name)@\(applied.revision)"] = applied.spec }
            if restoring.contains(where: { specCache["\($0.bot)@\($0.revision)"] == nil }) {
                let stored = try store.revisionSpecJSON()
                let decoder = JSONDecoder()
                for state in restoring where specCache["\(state.bot)@\(state.revision)"] == nil {
                    guard let json = stored[state.bot]?[state.revision] else { continue }
                    specCache["\(state.bot)@\(state.revision)"] = try? decoder.decode(ResolvedBot.self, from: Data(json.utf8))
                }
            }
        }
        let persisted = restoring.concurrentMap { PersistedInstance($0) }
        var replaced: [InstanceCapture] = []
        for (state, decoded) in zip(restoring, persisted) {
            do {
                if let instance = try await restore(state, nowMs: nowMs, decoded: decoded) {
                    instances[state.id] = instance
                    // Protective orders placed again after a stop are saved before anything trades.
                    if await instance.placedOnStart { replaced.append(await instance.capture()) }
                }
            } catch {
                // One instance that can't come back (its data file is gone) never keeps the others down.
                logger.error("could not restore an instance", metadata: ["instance": "\(state.id)", "error": "\(error)"])
                writes.recordEvent(bot: state.bot, kind: "RestoreFailed", revision: state.revision, message: "\(state.id): \(error)")
                degrade(state.bot, cause: .restore, reason: "instance \(state.id) could not be restored: \(error)", revision: state.revision, nowMs: nowMs)
            }
        }
        for encoded in InstanceCapture.encodeAll(replaced) { writes.saveInstance(encoded.state) }
        for (bot, envelope) in envelopes {
            guard let pending = envelope.pendingActions, !pending.isEmpty else { continue }
            do {
                let done = try await execute(pending, bot: bot, nowMs: nowMs)
                try await settle(done, of: pending, bot: bot, nowMs: nowMs,
                                 events: [.event(kind: "ActionsReplayed", message: "carried out \(pending.count) action(s) interrupted by a crash")])
            } catch {
                logger.error("could not replay a bot's actions", metadata: ["bot.name": "\(bot)", "error": "\(error)"])
                degrade(bot, cause: .pendingActions, reason: "actions interrupted by a crash could not be carried out: \(error)",
                        revision: envelope.rollout.core.candidate, nowMs: nowMs)
            }
        }
        for bot in degraded.keys { try? persistDegradation(bot: bot) }
        // A halted fleet comes back halted: before the first tick trades anything.
        await applyHalts(nowMs: nowMs)
        if !instances.isEmpty {
            writes.recordEvent(bot: nil, kind: "Recovered", message: "resumed \(instances.count) instance(s) and \(envelopes.count) rollout(s) from the store")
        }
        try flush()
        recovered = true
    }

    /// Commits what the pass wrote, in one transaction. When the store refuses the batch, each
    /// write is tried on its own so that one bad write never keeps every other bot's state from
    /// the disk; the ones that fail are logged and the error is thrown.
    func flush() throws {
        if !unencoded.isEmpty {
            let encoded = InstanceCapture.encodeAll(unencoded.map { $0.capture })
            for (slot, e) in zip(unencoded, encoded) { writes.replaceInstance(at: slot.index, with: e.state) }
            unencoded = []
        }
        guard !writes.isEmpty else { return }
        let batch = writes
        writes = StoreWrites()
        do {
            try store.commit(batch)
        } catch {
            let failed = store.commitEach(batch)
            for e in failed { logger.error("a write to the state store failed", metadata: ["error": "\(e)"]) }
            if !failed.isEmpty { throw error }
        }
    }

    /// The incarnation number a new instance of `bot`'s revision on `symbol` gets: one more than
    /// any started before (stored or started since), so a stopped instance's ledger is never overwritten.
    func nextIncarnation(bot: String, revision: Int, symbol: String) throws -> Int {
        if incarnations == nil {
            var counts: [String: Int] = [:]
            for state in try store.runtimeInstances(withVenue: false) { counts["\(state.bot)/\(state.revision)/\(state.symbol)", default: 0] += 1 }
            incarnations = counts
        }
        let key = "\(bot)/\(revision)/\(symbol)"
        let next = (incarnations?[key] ?? 0) + 1
        incarnations?[key] = next
        return next
    }

    /// An instance rebuilt from its persisted state (recovery, watchdog restarts): its venue and
    /// its trader state, both written in the same transaction, so it resumes exactly where it was
    /// (a store from before `v5-trader-state` has no trader state: the indicators warm up). A state
    /// that is there but cannot be read is an error, never an empty account.
    func restore(_ state: InstanceState, nowMs: Int64, decoded: PersistedInstance? = nil) async throws -> BotInstance? {
        guard let spec = try spec(bot: state.bot, revision: state.revision) else { return nil }
        let persisted = decoded ?? PersistedInstance(state)
        let seat = try await exchangeSeat(for: spec, instance: state.id, symbol: state.symbol)
        let venue = try persisted.venue.get()
            ?? PaperVenue(cash: .zero, rules: seat?.rules ?? Self.paperRules(spec), matching: seat != nil && state.mode == .live ? .exchange : nil)
        let trader = try persisted.trader.get()
        guard let capitalPct = Decimal.parseExactPublic(state.capitalPct) else {
            throw RestoreError(instance: state.id, part: "capital share", underlying: EngineError.missingData("\"\(state.capitalPct.prefix(20))\" is not a number"))
        }
        let source = try await instanceCandles(for: spec, symbol: state.symbol)
        let instance: BotInstance
        do {
            instance = try BotInstance(
                id: state.id, spec: spec, revision: state.revision, symbol: state.symbol, mode: state.mode,
                capitalPct: capitalPct, candles: source.candles, venue: venue,
                candlesSeen: state.candlesSeen, nowMs: nowMs,
                fillCounts: persisted.fillCounts,
                trader: trader, connection: connection, liveFeed: source.live, desk: seat?.desk, model: modelAccess,
                book: book, executor: executor)
        } catch {
            source.live?.cancel()
            seat?.desk.abandon()
            throw error
        }
        if state.phase == .paused { await instance.setPhase(.paused, reason: state.reason) }
        if state.phase == .failed { await instance.setPhase(.failed, reason: state.reason) }
        return instance
    }

    /// The watchdog: an instance whose circuit breaker stays open is restarted from its persisted
    /// state with exponential backoff; too many restarts in a window is a crash loop, and the
    /// instance is marked failed (a rollout then rolls its revision back).
    func watch(nowMs: Int64) async throws {
        for (id, instance) in instances {
            let healthy = await instance.isHealthy
            if healthy, watchdog[id]?.restartAt == nil { continue }
            var entry = watchdog[id] ?? (RestartTracker(), nil)
            if let due = entry.restartAt {
                guard nowMs >= due else { continue }
                entry.restartAt = nil
                watchdog[id] = entry
                guard let state = try store.runtimeInstances(bot: instance.bot).first(where: { $0.id == id }) else { continue }
                let fresh: BotInstance
                do {
                    guard let restored = try await restore(state, nowMs: nowMs) else { continue }
                    fresh = restored
                } catch {
                    // Its bot's problem, not the pass's: the old instance stays (its breaker
                    // open) and the watchdog tries again later.
                    logger.error("watchdog could not restart an instance", metadata: ["instance": "\(id)", "error": "\(error)"])
                    writes.recordEvent(bot: instance.bot, kind: "RestartFailed", revision: instance.revision, message: "\(id): \(error)")
                    entry.restartAt = nowMs + Degradation.maxBackoffMs
                    watchdog[id] = entry
                    continue
                }
                instances[id] = fresh
                writes.recordEvent(bot: instance.bot, kind: "InstanceRestarted", revision: instance.revision, message: "\(id) restarted by the watchdog")
                continue
            }
            switch entry.tracker.unhealthy(now: nowMs) {
            case .restartAt(let at):
                entry.restartAt = at
                writes.recordEvent(bot: instance.bot, kind: "InstanceUnhealthy", revision: instance.revision,
                                      message: "\(id): circuit breaker open; restart in \((at - nowMs) / 1000) s")
            case .crashLoop(let restarts):
                await instance.setPhase(.failed, reason: "crash loop: \(restarts) restarts within \(entry.tracker.loopWindowMs / 60_000) min")
                writes.saveInstance(await instance.snapshot().state)
                writes.recordEvent(bot: instance.bot, kind: "CrashLoop", revision: instance.revision, message: "\(id) marked failed after \(restarts) restarts")
            }
            watchdog[id] = entry
        }
    }

    func spec(bot: String, revision: Int) throws -> ResolvedBot? {
        let key = "\(bot)@\(revision)"
        if let hit = specCache[key] { return hit }
        guard let rev = try store.revisions(of: bot).first(where: { $0.number == revision }) else { return nil }
        let spec = try rev.spec()
        specCache[key] = spec
        return spec
    }

    static func paperRules(_ spec: ResolvedBot) -> VenueRules {
        VenueRules(lotSize: Fixed(units: 1), tickSize: Fixed(units: 1), makerFee: TradingBridge.defaultFee, takerFee: TradingBridge.defaultFee,
                   allowShort: !spec.strategy.longOnly)
    }

    // MARK: Ticking

    /// Advances every instance through the candles due by now and persists what changed.
    /// Instances advance concurrently (each is its own actor); everything that changed is written
    /// in one transaction per tick.
    public func tick(nowMs: Int64) async throws {
        try flush()
        // The instances share the fleet's thread: calling them in turn needs no task per instance.
        var captures: [InstanceCapture] = []
        var captured: [BotInstance] = []
        var events: [(bot: String, kind: String, revision: Int?, message: String)] = []
        for instance in instances.values {
            guard let result = await instance.advance(nowMs: nowMs) else { continue }
            captures.append(result.capture)
            captured.append(instance)
            for e in result.events { events.append((instance.bot, e.kind, instance.revision, e.message)) }
        }
        if !captures.isEmpty {
            let changed = InstanceCapture.encodeAll(captures)
            try store.saveInstancesAndFills(changed.map { ($0.0, $0.1.map { (clientOrderId: $0.0, time: $0.1, json: $0.2) }) }, events: events)
            for (instance, capture) in zip(captured, captures) { await instance.committed(capture) }
            for e in events { logger.warning("\(e.kind)", metadata: ["bot.name": "\(e.bot)", "message": "\(e.message)"]) }
        }
        await publish()
        progress.recordTick()
    }

    /// Publishes every instance to `live` (after what it shows was persisted).
    private func publish() async {
        var out: [LiveInstance] = []
        out.reserveCapacity(instances.count)
        for instance in instances.values { out.append(await instance.live()) }
        live.replace(out)
    }

    // MARK: Reconciling

    /// One level-based pass over every bot. What it writes is committed in one transaction at
    /// its end (also when it fails part way: what was done is recorded).
    public func reconcile(nowMs: Int64) async throws {
        let started = ContinuousClock.now
        defer { progress.recordPass(seconds: (ContinuousClock.now - started).seconds) }
        do {
            try await pass(nowMs: nowMs)
        } catch {
            try? flush()
            throw error
        }
        try flush()
        await publish()
        lastReconcileMs = nowMs
    }

    private func pass(nowMs: Int64) async throws {
        let commands = Dictionary(grouping: try store.takeRolloutCommands(), by: \.bot)
        let controls = try store.botControls()
        // Specs are decoded only when their hash changed since the last pass.
        let desired = try desiredBots()
        try await watch(nowMs: nowMs)
        await readAccountBalances(nowMs: nowMs)
        reloadPolicy()
        var failed: [String: Set<Int>] = [:]
        for i in instances.values where await i.phase == .failed { failed[i.bot, default: []].insert(i.revision) }
        failedByBot = failed
        var desiredNames = Set<String>()
        // Many bots new to this fleet (its first pass): the desired spec is their revision's spec
        // wherever nothing was updated in place since — found in one read, not a read per bot.
        let unknown = desired.filter { specCache["\($0.name)@\($0.revision)"] == nil }
        if unknown.count > 16 {
            let same = try store.botsAtTheirRevisionSpec()
            for applied in unknown where same.contains(applied.name) { specCache["\(applied.name)@\(applied.revision)"] = applied.spec }
        }
        for applied in desired {
            desiredNames.insert(applied.name)
            guard let spec = applied.spec else { continue }
            if specCache["\(applied.name)@\(applied.revision)"] == nil {
                specCache["\(applied.name)@\(applied.revision)"] = (try self.spec(bot: applied.name, revision: applied.revision)) ?? spec
            }
            do {
                let control = correctingDrift(bot: applied.name, spec: spec, control: controls[applied.name] ?? .running, revision: applied.revision)
                try await reconcile(bot: applied, spec: spec, control: control, commands: commands[applied.name] ?? [], nowMs: nowMs)
                lastErrors[applied.name] = nil
            } catch {
                // One bot's problem never stops the others: it is Degraded with the reason (said
                // once, not every pass) and tried again with backoff.
                let message = "\(error)"
                if lastErrors[applied.name] != message {
                    lastErrors[applied.name] = message
                    logger.error("reconcile failed", metadata: ["bot.name": "\(applied.name)", "error": "\(message)"])
                    writes.recordEvent(bot: applied.name, kind: "ReconcileError", revision: applied.revision, message: message)
                }
                degrade(applied.name, cause: .reconcile, reason: message, revision: applied.revision, nowMs: nowMs)
                try? persistDegradation(bot: applied.name)
            }
        }
        var gone = Set(envelopes.keys).union(degraded.keys).union(unreadable)
        gone.formUnion(instances.bots)
        for bot in gone.subtracting(desiredNames).sorted() {
            do { try await remove(bot: bot) } catch {
                logger.error("could not remove a deleted bot", metadata: ["bot.name": "\(bot)", "error": "\(error)"])
            }
        }
        await applyHalts(nowMs: nowMs)
    }

    /// One bot's turn in a pass, in three parts: a person's controls and commands applied to its
    /// instances (`applyControls`); the rollout's next step, decided purely from its envelope and
    /// what was observed (`NextRollout.decide`); and committing it — persisted, carried out,
    /// settled (`commit`). A Degraded bot waits for its backoff in between (`degradedTurn`).
    private func reconcile(bot applied: AppliedBot, spec: ResolvedBot, control: BotControl, commands: [PendingCommand], nowMs: Int64) async throws {
        let bot = applied.name
        guard let requests = try await applyControls(bot: bot, control: control, commands: commands, nowMs: nowMs) else { return }
        // Suspended (spec.suspend): a person's controls still act; the rollout takes no step.
        if spec.deploy.isSuspended { return }
        guard try readRolloutAgain(bot: bot, nowMs: nowMs) else { return }
        guard let (attempt, command) = try await degradedTurn(bot: bot, revision: applied.revision, requests: requests, nowMs: nowMs) else { return }

        let envelope = envelopes[bot]
        var observation = RolloutObservation(now: nowMs, command: command)
        observation.unhealthy = failedByBot[bot] ?? []
        if let pending = NextRollout.analysisDue(envelope, desiredRevision: applied.revision, undoTo: requests.undoTo, now: nowMs, window: analysisWindowMs) {
            observation.analysis = await judge(pending, spec: spec)
        }
        let next = NextRollout.decide(
            envelope, desired: .init(revision: applied.revision, spec: spec, capital: try Self.capital(spec)), undoTo: requests.undoTo,
            observation: observation)
        try await commit(next, bot: bot, nowMs: nowMs, attempt: attempt)
    }

    /// A bot whose rollout state could not be read is left alone (starting a first rollout over
    /// its running instances would count their capital twice) until it reads again, tried when its
    /// backoff is due. Returns whether the bot's turn goes on.
    private func readRolloutAgain(bot: String, nowMs: Int64) throws -> Bool {
        guard unreadable.contains(bot) else { return true }
        guard let d = degraded[bot], d.isDue(nowMs) else { return false }
        guard let stored = try store.rollout(bot: bot) else {
            unreadable.remove(bot)
            return false
        }
        do {
            envelopes[bot] = try JSONDecoder().decode(RolloutEnvelope.self, from: Data(stored.stateJSON.utf8))
            unreadable.remove(bot)
            try resolveDegradation(bot: bot, note: "its rollout state reads again")
            return true
        } catch {
            degrade(bot, cause: .rolloutState, reason: "its rollout state could not be read: \(error)", revision: stored.candidate, nowMs: nowMs)
            try? persistDegradation(bot: bot)
            return false
        }
    }

    /// A Degraded bot is tried again when its backoff is due — or at once when a person acts
    /// (abort, undo) or a new revision arrives, which replace what failed. Returns the attempt
    /// (nil: the bot is not Degraded) and the rollout command to step with, or nil when the bot's
    /// turn is over (it waits, or its retry was carried out here).
    private func degradedTurn(bot: String, revision: Int, requests: BotRequests, nowMs: Int64) async throws
        -> (attempt: Degradation?, command: RolloutCommand?)?
    {
        guard let d = degraded[bot] else { return (nil, requests.command) }
        let envelope = envelopes[bot]
        let replaced = requests.command == .abort || requests.undoTo != nil || (envelope.map { $0.rollout.core.candidate != revision } ?? false)
        if replaced {
            try resolveDegradation(bot: bot, note: requests.command == .abort ? "aborted by a person" : requests.undoTo != nil ? "undone by a person" : "replaced by a newer revision")
            return (nil, requests.command)
        }
        if !d.isDue(nowMs), requests.command == nil { return nil }
        switch d.cause {
        case .candidateStart:
            if let current = envelope, current.rollout.phase == .aborted, current.rollout.core.candidate == d.revision { return (d, .retry) }
        case .pendingActions:
            if var current = envelope, let pending = current.pendingActions, !pending.isEmpty {
                current.degraded = d
                try await carryOut(pending, bot: bot, envelope: current, nowMs: nowMs, attempt: d)
                return nil
            }
        case .restore:
            try await restoreMissing(bot: bot, nowMs: nowMs, attempt: d)
            return nil
        case .reconcile, .rolloutState:
            break
        }
        return (d, requests.command)
    }

    /// Commits a decided step: an undo pins the desired state first; a retry with nothing left to
    /// do resolves the degradation; a step with actions (or a bot's first envelope) is carried out.
    private func commit(_ next: NextRollout, bot: String, nowMs: Int64, attempt: Degradation?) async throws {
        if let pin = next.pin { try store.pinRevision(bot: bot, revision: pin) }
        var envelope = next.envelope
        if let attempt, next.actions.isEmpty {
            // Nothing left to do: what failed (a reconcile pass) went through this time.
            envelope.degraded = nil
            envelopes[bot] = envelope
            try resolveDegradation(bot: bot, note: "reconciled after \(attempt.attempts) failed attempt(s)")
            return
        }
        guard !next.actions.isEmpty || envelopes[bot] == nil || envelopes[bot]?.capital == nil else { return }
        try await carryOut(next.actions, bot: bot, envelope: envelope, nowMs: nowMs, attempt: attempt)
    }

    /// Persists the rollout with its actions pending, carries them out, and persists the outcome.
    /// Persist first, then act: after a crash the rollout resumes from this state and the actions
    /// are carried out again (they are idempotent).
    private func carryOut(_ actions: [RolloutAction], bot: String, envelope: RolloutEnvelope, nowMs: Int64, attempt: Degradation?) async throws {
        var envelope = envelope
        envelope.pendingActions = actions.isEmpty ? nil : actions
        try persist(bot: bot, envelope: envelope, actions: actions)
        envelopes[bot] = envelope
        let done = try await execute(actions, bot: bot, nowMs: nowMs)
        try await settle(done, of: actions, bot: bot, nowMs: nowMs, events: [])
        if done.failure == nil, let attempt {
            try resolveDegradation(bot: bot, note: "recovered after \(attempt.attempts) failed attempt(s)")
        }
    }

    /// Persists what a batch did. A failed start never leaves the bot without its serving
    /// instance: when it was the rollout's candidate, the strategy aborts back to stable (its
    /// rollback is carried out at once) and the bot is Degraded until a retry starts it; any other
    /// failed start keeps the rest of the batch pending, tried again with backoff.
    func settle(_ done: Execution, of actions: [RolloutAction], bot: String, nowMs: Int64, events: [RolloutAction]) async throws {
        guard var current = envelopes[bot] else { return }
        if var analysis = current.analysis, analysis.window == nil {
            analysis.window = await analysisWindow(bot: bot, revisions: [analysis.candidate, analysis.baseline].compactMap { $0 })
            current.analysis = analysis
        }
        guard let failure = done.failure else {
            current.pendingActions = nil
            envelopes[bot] = current
            try persist(bot: bot, envelope: current, actions: events, instances: done.states)
            return
        }
        let place = failure.symbol.map { " on \($0)" } ?? ""
        let failed: RolloutAction = .event(kind: "StartFailed", message: "revision \(failure.revision)\(place) did not start: \(failure.reason)")
        logger.error("an instance did not start", metadata: ["bot.name": "\(bot)", "revision": "\(failure.revision)", "error": "\(failure.reason)"])
        let candidateFailed = failure.revision == current.rollout.core.candidate && current.rollout.phase != .aborted
        var rollback = candidateFailed ? current.rollout.step(RolloutObservation(now: nowMs, startFailures: [failure.revision: failure.reason])) : []
        if rollback.isEmpty {
            // Not the candidate (a rollback's own start, a handover with no instance to take it):
            // what is left of the batch stays pending.
            let remainder = done.remainder(of: actions).filter { if case .event = $0 { return false } else { return true } }
            degrade(bot, cause: .pendingActions, reason: "revision \(failure.revision)\(place) did not start: \(failure.reason)",
                    revision: failure.revision, nowMs: nowMs)
            current.pendingActions = remainder.isEmpty ? nil : remainder
            current.degraded = degraded[bot]
            envelopes[bot] = current
            try persist(bot: bot, envelope: current, actions: events + [failed], instances: done.states)
            return
        }
        degrade(bot, cause: .candidateStart, reason: "revision \(failure.revision)\(place) did not start: \(failure.reason)",
                revision: failure.revision, nowMs: nowMs)
        current.analysis = nil
        current.degraded = degraded[bot]
        current.pendingActions = rollback
        envelopes[bot] = current
        try persist(bot: bot, envelope: current, actions: events + [failed] + rollback, instances: done.states)
        let back = try await execute(rollback, bot: bot, nowMs: nowMs)
        current = envelopes[bot] ?? current
        if back.failure != nil { rollback = back.remainder(of: rollback) } else { rollback = [] }
        current.pendingActions = rollback.isEmpty ? nil : rollback
        envelopes[bot] = current
        try persist(bot: bot, envelope: current, actions: [], instances: back.states)
    }

    /// Restores the bot's instances the store has but the fleet does not run (their restore failed).
    private func restoreMissing(bot: String, nowMs: Int64, attempt: Degradation) async throws {
        do {
            for state in try store.runtimeInstances(bot: bot) where state.phase != .stopped && instances[state.id] == nil {
                if let instance = try await restore(state, nowMs: nowMs) { instances[state.id] = instance }
            }
        } catch {
            degrade(bot, cause: .restore, reason: "an instance could not be restored: \(error)", revision: attempt.revision, nowMs: nowMs)
            try persistDegradation(bot: bot)
            return
        }
        try resolveDegradation(bot: bot, note: "its instances were restored after \(attempt.attempts) failed attempt(s)")
    }

    /// Marks a bot Degraded (or records another failed attempt, doubling the wait). In memory; the
    /// caller persists it with the rollout.
    func degrade(_ bot: String, cause: Degradation.Cause, reason: String, revision: Int?, nowMs: Int64) {
        if var d = degraded[bot] {
            let changed = d.reason != reason
            d.failedAgain(cause: cause, reason: reason, revision: revision, now: nowMs)
            degraded[bot] = d
            if changed { writes.recordEvent(bot: bot, kind: "BotDegraded", revision: revision, message: reason) }
        } else {
            degraded[bot] = Degradation(cause: cause, reason: reason, revision: revision, now: nowMs)
            writes.recordEvent(bot: bot, kind: "BotDegraded", revision: revision, message: "\(reason); trying again with backoff")
        }
        envelopes[bot]?.degraded = degraded[bot]
    }

    /// Writes the bot's degradation into its persisted rollout (if it has one).
    func persistDegradation(bot: String) throws {
        guard var envelope = envelopes[bot] else { return }
        envelope.degraded = degraded[bot]
        envelopes[bot] = envelope
        try persist(bot: bot, envelope: envelope, actions: [])
    }

    /// The bot is no longer Degraded.
    private func resolveDegradation(bot: String, note: String) throws {
        guard degraded.removeValue(forKey: bot) != nil else { return }
        lastErrors[bot] = nil
        writes.recordEvent(bot: bot, kind: "BotRecovered", message: note)
        guard var envelope = envelopes[bot] else { return }
        envelope.degraded = nil
        envelopes[bot] = envelope
        try persist(bot: bot, envelope: envelope, actions: [])
    }

    private func persist(bot: String, envelope: RolloutEnvelope, actions: [RolloutAction], instances: [InstanceCapture] = []) throws {
        let json = String(decoding: try JSONEncoder().encode(envelope), as: UTF8.self)
        let r = envelope.rollout
        let events: [(kind: String, message: String)] = actions.compactMap {
            if case .event(let kind, let message) = $0 { return (kind, message) } else { return nil }
        }
        for capture in instances {
            // Its JSON is filled in when the pass commits, with every other instance's (`flush`).
            unencoded.append((writes.endIndex, capture))
            writes.saveInstance(capture.state)
        }
        writes.saveRollout(
            StoredRollout(bot: bot, candidate: r.core.candidate, stable: r.core.stable, strategy: r.strategyName, phase: r.phase,
                          stateJSON: json, updatedAt: Date()),
            events: events, revision: r.core.candidate)
    }

    /// Opens an analysis window on the revisions' running instances (see `AnalysisWindow`).
    private func analysisWindow(bot: String, revisions: [Int]) async -> [String: AnalysisWindow.Start] {
        var starts: [String: AnalysisWindow.Start] = [:]
        for i in instances.of(bot) where revisions.contains(i.revision) {
            guard await i.phase != .stopped else { continue }
            starts[i.id] = await i.openWindow()
        }
        return starts
    }

    /// Judges the candidate against the baseline over the same window: each instance's metrics
    /// since the window opened, a revision's instances combined capital-weighted.
    private func judge(_ pending: RolloutEnvelope.PendingAnalysis, spec: ResolvedBot) async -> AnalysisResult {
        let template = spec.deploy.analysisTemplates[pending.template] ?? AnalysisTemplate.builtInDefault
        func metrics(_ revision: Int?) async -> TradingMetrics? {
            guard let revision else { return nil }
            var samples: [AnalysisWindow.Sample] = []
            for i in instances.of(spec.name) where i.revision == revision {
                guard await i.phase != .stopped else { continue }
                samples.append(AnalysisWindow.sample(start: pending.window?[i.id], now: await i.windowReading))
            }
            return samples.isEmpty ? nil : AnalysisWindow.combine(samples)
        }
        let candidate = await metrics(pending.candidate) ?? TradingMetrics()
        let stable = await metrics(pending.baseline)
        let result = Analysis.evaluate(template: pending.template, template, candidate: candidate, stable: stable)
        writes.recordEvent(bot: spec.name, kind: "Analysis\(result.phase.rawValue)", revision: pending.candidate, message: "\(pending.template): \(result.message)")
        return result
    }

    func remove(bot: String) async throws {
        for i in instances.of(bot) {
            let id = i.id
            let state = await i.stop(reason: "bot deleted")
            writes.saveInstance(state)
            instances[id] = nil
            book.update(id, nil)
        }
        envelopes[bot] = nil
        degraded[bot] = nil
        unreadable.remove(bot)
        lastErrors[bot] = nil
        writes.deleteRollout(bot: bot)
        writes.recordEvent(bot: bot, kind: "BotRemoved", message: "instances stopped (open positions stay recorded)")
    }

    // MARK: Shutdown

    /// Stops every instance (no new orders, working orders cancelled) and persists it. An
    /// instance whose venue, trader and metrics are as its last tick committed them (nothing
    /// traded since, no order to cancel) writes only its phase and reason: at ten thousand bots
    /// encoding every state again was most of a stop.
    public func shutdown() async throws {
        var captures: [InstanceCapture] = []
        captures.reserveCapacity(instances.count)
        for i in instances.values {
            let halted = await i.emergencyStop
            var resumable = await i.stopCapturing(reason: "flotilla up stopped")
            // Resumes on the next start (a halted instance stays halted), its protective orders placed again.
            resumable.state.phase = halted == nil ? .running : .paused
            resumable.state.reason = halted ?? "stopped with flotilla up; resumes on restart"
            if await i.persistedAsIs, resumable.newFills.isEmpty {
                writes.saveInstanceColumns(resumable.state)
            } else {
                captures.append(resumable)
            }
        }
        for encoded in InstanceCapture.encodeAll(captures) { writes.saveInstance(encoded.state) }
        // Exchange instances: the cancels their stop handed over go out (each within 2 s).
        let desks = instances.values.compactMap(\.desk)
        if !desks.isEmpty {
            await withTaskGroup(of: Void.self) { group in
                for desk in desks { group.addTask { await desk.finish(within: 2) } }
            }
        }
        writes.recordEvent(bot: nil, kind: "Shutdown", message: "stopped \(instances.count) instance(s); orders cancelled, state persisted")
        try flush()
    }
}

extension Fleet {
    /// Money check for a bot: the capital put into every live (non-shadow) instance it ever ran,
    /// plus its reserve, less the PnL instances brought back when they left live for shadow, equals
    /// its capital — exactly. Transfers and handovers move contributions between accounts and
    /// never create or destroy them.
    public static func capitalLedger(bot: String, store: StateStore) throws -> (accounted: Fixed, capital: Fixed)? {
        guard let stored = try store.rollout(bot: bot),
              let envelope = try? JSONDecoder().decode(RolloutEnvelope.self, from: Data(stored.stateJSON.utf8)),
              let applied = try store.desiredState().bots.first(where: { $0.name == bot }), let spec = applied.spec
        else { return nil }
        var contributions: [Fixed] = []
        for i in try store.runtimeInstances(bot: bot) where i.mode == .live {
            guard let json = i.venueJSON, let venue = try? JSONDecoder().decode(PaperVenue.self, from: Data(json.utf8)) else { continue }
            contributions.append(venue.startingCash)
        }
        return (envelope.ledger.accounted(contributions: contributions), try capital(spec))
    }

    /// A bot's money as the fleet holds it now: the reserve plus the equity of every live instance
    /// that has not stopped, its positions valued at one mark per symbol. Shadow accounts are
    /// notional and not counted. No deploy-strategy transition changes `total` at the same marks;
    /// only trading does.
    public struct EquityLedger: Sendable, Equatable {
        public var reserve: Fixed
        /// Instance id → equity, live instances only.
        public var live: [String: Fixed]
        /// Symbol → the price positions were valued at.
        public var marks: [String: Fixed]
        public var total: Fixed { live.values.reduce(reserve, +) }
    }

    /// Instances pace their candles on their own (a rate limit holds one back), so positions are
    /// valued at `marks` when given — to compare two moments at the same prices — and otherwise at
    /// the newest close any of the bot's instances on the symbol has seen.
    public func equityLedger(bot: String, at marks: [String: Fixed]? = nil) async -> EquityLedger? {
        guard let envelope = envelopes[bot] else { return nil }
        var newest: [String: (seen: Int, close: Fixed)] = [:]
        var running: [BotInstance] = []
        for i in instances.of(bot) {
            guard await i.phase != .stopped else { continue }
            running.append(i)
            let seen = await i.candlesSeen
            if seen >= (newest[i.symbol]?.seen ?? -1) { newest[i.symbol] = (seen, await i.lastClose) }
        }
        var used = newest.mapValues(\.close)
        for (symbol, mark) in marks ?? [:] { used[symbol] = mark }
        var live: [String: Fixed] = [:]
        for i in running where await i.mode == .live {
            live[i.id] = await i.cash + (await i.position).multiplied(by: used[i.symbol] ?? .zero)
        }
        return EquityLedger(reserve: envelope.reserve, live: live, marks: used)
    }
}

/// A persisted instance whose state cannot be read back: it stays down (event `RestoreFailed`)
/// rather than trade on an empty or half-remembered account.
struct RestoreError: Error, CustomStringConvertible {
    var instance: String
    var part: String
    var underlying: any Error

    var description: String { "\(instance): its persisted \(part) cannot be read (\(underlying))" }
}
