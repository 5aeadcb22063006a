import FlotillaSpec
import FlotillaStore
import FlotillaTrading
import Foundation

/// A start that did not happen (its data did not load, its capital is not exact money, a handover
/// found no running instance to take the positions). The batch stops there: whatever came after it
/// — the handover, the stop of the serving instance — is not carried out (make-before-break).
struct StartFailure: Error, Sendable, Equatable {
    var revision: Int
    var symbol: String?
    var reason: String
}

/// What carrying out a batch of actions did.
struct Execution {
    /// The instance states to persist with the rollout (encoded at the pass's end).
    var states: [InstanceCapture]
    /// The start that failed, if one did; the actions from it on were not carried out.
    var failure: StartFailure?
    /// Where in the batch it failed.
    var failedAt: Int?

    /// The actions not carried out (from the failed one on).
    func remainder(of actions: [RolloutAction]) -> [RolloutAction] {
        guard let failedAt, failedAt < actions.count else { return [] }
        return Array(actions[failedAt...])
    }
}

/// Carrying out a deploy strategy's actions on the running instances.
///
/// Capital is accounted by the rollout's `CapitalLedger`: the reserve, what live instances draw
/// from it and return to it. After each batch the reserve is swept into the live instances below
/// their share (`rebalance`). Positions move between instances directly (`handOverPositions`), at
/// their cost, with no trade and no fee.
///
/// Make-before-break: every strategy starts the new instance before the old one hands over and
/// stops; the executor checks it — a handover needs a running instance to take the positions — and
/// stops the batch at the first start that fails, so the serving instance keeps trading.
extension Fleet {
    /// Carries out `actions` in memory and returns the instance states to persist — together with
    /// the rollout, in one transaction, so the reserve and the instances never disagree.
    func execute(_ actions: [RolloutAction], bot: String, nowMs: Int64) async throws -> Execution {
        var touched = Set<String>()
        // Stopped instances leave the fleet at the end of the batch.
        var stopped: [String] = []
        var failure: StartFailure?
        var failedAt: Int?
        batch: for (index, action) in actions.enumerated() {
            failedAt = index
            switch action {
            case .event, .runAnalysis:
                continue
            case .startInstance(let revision, let mode, let pct, let symbol):
                do {
                    touched.formUnion(try await start(bot: bot, revision: revision, mode: mode, pct: pct, symbol: symbol, nowMs: nowMs))
                } catch let failed as StartFailure {
                    failure = failed
                    break batch
                } catch {
                    failure = StartFailure(revision: revision, symbol: symbol, reason: "\(error)")
                    break batch
                }
            case .setCapital(let revision, let pct, let symbol):
                for i in matching(bot: bot, revision: revision, symbol: symbol) {
                    await i.setCapitalPct(pct)
                    touched.insert(i.id)
                }
            case .setMode(let revision, let mode, let symbol):
                for i in matching(bot: bot, revision: revision, symbol: symbol) {
                    touched.formUnion(try await change(i, to: mode, bot: bot))
                }
            case .handOverPositions(let from, let to, let symbol):
                for source in matching(bot: bot, revision: from, symbol: symbol) where await source.phase != .stopped {
                    // The positions' new home must run before the old one lets go of them.
                    guard let target = await running(bot: bot, revision: to, symbol: source.symbol).first else {
                        failure = StartFailure(revision: to, symbol: source.symbol,
                                               reason: "no running instance of revision \(to) on \(source.symbol) to take over from revision \(from)")
                        break batch
                    }
                    let (q, c) = await source.handOverPosition()
                    touched.insert(source.id)
                    guard !q.isZero else { continue }
                    if await target.mode == .shadow { touched.formUnion(try await change(target, to: .live, bot: bot)) }
                    await target.receivePosition(quantity: q, costBasis: c)
                    touched.insert(target.id)
                }
            case .stopInstance(let revision, let symbol):
                for i in matching(bot: bot, revision: revision, symbol: symbol) {
                    if await i.mode == .live {
                        let cash = await i.transfer(cash: -(await i.cash))
                        envelopes[bot]?.ledger.stopped(returning: -cash)
                    }
                    _ = await i.stop(reason: "replaced by a rollout")
                    stopped.append(i.id)
                    touched.insert(i.id)
                }
            }
        }
        if failure == nil { failedAt = nil }
        touched.formUnion(try await rebalance(bot: bot))
        var states: [InstanceCapture] = []
        for id in touched { if let i = instances[id] { states.append(await i.capture()) } }
        for id in stopped where await instances[id]?.phase == .stopped {
            instances[id] = nil
            book.update(id, nil)
        }
        return Execution(states: states, failure: failure, failedAt: failedAt)
    }

    /// Starts (or resumes) a revision's instances; throws `StartFailure` when one can't start.
    private func start(bot: String, revision: Int, mode: InstanceMode, pct: Decimal, symbol: String?, nowMs: Int64) async throws -> Set<String> {
        guard let spec = try spec(bot: bot, revision: revision) else {
            throw StartFailure(revision: revision, symbol: symbol, reason: "\(EngineError.missingRevision(bot: bot, revision: revision))")
        }
        var touched = Set<String>()
        let symbols = symbol.map { [$0] } ?? spec.market.symbols
        for s in symbols {
            if let existing = await running(bot: bot, revision: revision, symbol: s).first ?? matching(bot: bot, revision: revision, symbol: s).first {
                await existing.setPhase(.running)
                touched.formUnion(try await change(existing, to: mode, bot: bot))
                await existing.setCapitalPct(pct)
                touched.insert(existing.id)
                continue
            }
            let source: InstanceCandles
            do { source = try await instanceCandles(for: spec, symbol: s) } catch {
                throw StartFailure(revision: revision, symbol: s, reason: "\(error)")
            }
            let candles = source.candles
            guard !candles.isEmpty || source.live != nil else { throw StartFailure(revision: revision, symbol: s, reason: "no candles for \(s)") }
            let instance: BotInstance
            var seat: ExchangeSeat?
            do {
                let notional = try Self.notionalCash(spec)
                let id = BotInstance.id(bot: bot, revision: revision, symbol: s, incarnation: try nextIncarnation(bot: bot, revision: revision, symbol: s))
                // An exchange bot's instance: orders to its account, never a silent paper fallback.
                seat = try await exchangeSeat(for: spec, instance: id, symbol: s)
                // Shadow instances trade notional capital; live ones start empty and draw on the reserve.
                // A live feed's instances all take each candle as it comes: no replay position to share.
                var seen = candles.count
                var lead: BotInstance?
                if source.live == nil { (seen, lead) = await startingCandle(bot: bot, symbol: s) }
                // In step with the instance it starts beside: the same candle in the same tick.
                var startMs = nowMs
                if let next = await lead?.nextCandle, seen < candles.count, candles[seen].time == next.time { startMs = next.dueMs }
                instance = try BotInstance(
                    id: id, spec: spec, revision: revision, symbol: s, mode: mode, capitalPct: pct, candles: candles,
                    venue: PaperVenue(cash: mode == .shadow ? notional : .zero, rules: seat?.rules ?? Self.paperRules(spec),
                                      matching: seat != nil && mode == .live ? .exchange : nil),
                    candlesSeen: seen, nowMs: startMs, connection: connection, liveFeed: source.live, desk: seat?.desk, model: modelAccess,
                    book: book, executor: executor)
            } catch {
                source.live?.cancel()
                seat?.desk.abandon()
                throw StartFailure(revision: revision, symbol: s, reason: "\(error)")
            }
            let id = instance.id
            instances[id] = instance
            touched.insert(id)
        }
        return touched
    }

    /// Moves an instance between live and shadow with its money: leaving live, its cash returns to
    /// the reserve (its positions went to its successor by a handover first; if one is still open,
    /// it goes to the bot's other live instance on the symbol, or the instance stays live) and it
    /// goes on in shadow on notional capital; going live, it starts from an empty account that
    /// draws on the reserve (`rebalance`).
    private func change(_ i: BotInstance, to mode: InstanceMode, bot: String) async throws -> Set<String> {
        let was = await i.mode
        guard was != mode else { return [] }
        var touched: Set<String> = [i.id]
        if was == .live, mode == .shadow {
            let notional = try Self.notionalCash(i.spec)
            if !(await i.position).isZero {
                var heir: BotInstance?
                for other in await running(bot: bot, revision: nil, symbol: i.symbol) where other.id != i.id {
                    if await other.mode == .live {
                        heir = other
                        break
                    }
                }
                guard let heir else {
                    writes.recordEvent(bot: bot, kind: "ModeKept", revision: i.revision,
                                           message: "\(i.id) stays live: it holds a position and no other live instance on \(i.symbol) can take it")
                    return []
                }
                let (q, c) = await i.handOverPosition()
                await heir.receivePosition(quantity: q, costBasis: c)
                touched.insert(heir.id)
            }
            let (cash, contribution) = await i.leaveLive(notionalCash: notional)
            // Its record now shows the shadow account: what it earned on its contribution is
            // remembered so the capital ledger still balances.
            envelopes[bot]?.ledger.leftLive(returning: cash, contribution: contribution)
        } else {
            await i.setMode(mode)
        }
        return touched
    }

    /// The notional capital a shadow instance simulates on: its share of the bot's capital.
    static func notionalCash(_ spec: ResolvedBot) throws -> Fixed {
        try capital(spec).scaled(by: 1, over: Int64(max(1, spec.market.symbols.count)))
    }

    /// The bot's capital as exact money; a value the money type can't hold is an error, never zero.
    static func capital(_ spec: ResolvedBot) throws -> Fixed {
        guard let capital = TradingBridge.fixed(spec.capital.quote) else {
            throw EngineError.inexactMoney("capital \(spec.capital.quote) of \(spec.name) is not an exact money amount (too many decimals or out of range)")
        }
        return capital
    }

    /// A new instance starts at the candle the bot's other instances on that symbol have reached,
    /// so a canary and its stable see the same market at the same moment.
    private func startingCandle(bot: String, symbol: String) async -> (seen: Int, lead: BotInstance?) {
        var seen = 0
        var lead: BotInstance?
        for i in instances.of(bot) where i.symbol == symbol {
            guard await i.phase != .stopped else { continue }
            let n = await i.candlesSeen
            if lead == nil || n > seen { (seen, lead) = (n, i) }
        }
        return (seen, lead)
    }

    /// The bot's instances of a revision (on one symbol), stopped ones of this batch included.
    private func matching(bot: String, revision: Int, symbol: String?) -> [BotInstance] {
        instances.of(bot).filter { $0.revision == revision && (symbol == nil || $0.symbol == symbol) }
    }

    /// The bot's instances (of a revision, on a symbol) that have not stopped.
    private func running(bot: String, revision: Int?, symbol: String?) async -> [BotInstance] {
        var out: [BotInstance] = []
        for i in instances.of(bot) where (revision == nil || i.revision == revision) && (symbol == nil || i.symbol == symbol) {
            if await i.phase != .stopped { out.append(i) }
        }
        return out
    }

    /// Moves cash so that each live instance holds its share of the bot's equity, as the ledger
    /// plans it (`CapitalLedger.rebalance`). Returns the ids of the instances whose cash moved.
    func rebalance(bot: String) async throws -> Set<String> {
        guard var ledger = envelopes[bot]?.ledger else { return [] }
        var accounts: [CapitalLedger.Account] = []
        var live: [String: BotInstance] = [:]
        for i in instances.of(bot) {
            guard await i.mode == .live, await i.phase != .stopped else { continue }
            accounts.append(.init(id: i.id, share: await i.capitalPct, equity: await i.equity, cash: await i.cash))
            live[i.id] = i
        }
        var moved = Set<String>()
        for (id, amount) in ledger.rebalance(accounts) {
            guard let i = live[id] else { continue }
            let actual = await i.transfer(cash: amount)
            // Planned within what the instance holds, so the amount is what moved; should it not
            // be, the reserve takes the difference and the money still adds up.
            ledger.reserve += amount - actual
            if !actual.isZero { moved.insert(id) }
        }
        envelopes[bot]?.ledger = ledger
        return moved
    }
}
