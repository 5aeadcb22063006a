import FlotillaSpec
import FlotillaStore
import FlotillaTrading
import Foundation

/// Carrying out a deploy strategy's actions on the running instances.
///
/// Capital: the bot's capital not held by any instance sits in the rollout's reserve. Starting a
/// live instance or raising its share draws on the reserve; lowering a share or stopping an
/// instance returns cash to it; after each batch the reserve is swept into the live instances below
/// their share. Positions move between instances directly (`handOverPositions`), at their cost,
/// with no trade and no fee; a handover to an instance that starts later in the same batch waits
/// for it.
extension Fleet {
    /// Carries out `actions` in memory and returns the instance states to persist — together with
    /// the rollout, in one transaction, so the reserve and the instances never disagree.
    func execute(_ actions: [RolloutAction], bot: String, nowMs: Int64) async throws -> [InstanceState] {
        var pendingHandovers: [String: (source: String, quantity: Fixed, cost: Fixed)] = [:]  // symbol → position waiting for its instance
        var touched = Set<String>()
        // Stopped instances leave the fleet at the end of the batch: a handover after the stop
        // (immediate: stop, hand over, start) still finds their positions.
        var stopped: [String] = []
        for action in actions {
            switch action {
            case .event, .runAnalysis:
                continue
            case .startInstance(let revision, let mode, let pct, let symbol):
                guard let spec = try spec(bot: bot, revision: revision) else { throw EngineError.missingRevision(bot: bot, revision: revision) }
                let symbols = symbol.map { [$0] } ?? spec.market.symbols
                for s in symbols {
                    if let existing = matching(bot: bot, revision: revision, symbol: s).first {
                        await existing.setPhase(.running)
                        await existing.setMode(mode)
                        await existing.setCapitalPct(pct)
                        touched.insert(existing.id)
                        continue
                    }
                    let earlier = try store.runtimeInstances(bot: bot).filter { $0.revision == revision && $0.symbol == s }.count
                    let id = BotInstance.id(bot: bot, revision: revision, symbol: s, incarnation: earlier + 1)
                    let capital = TradingBridge.fixed(spec.capital.quote) ?? .zero
                    // Shadow instances trade notional capital; live ones start empty and draw on the reserve.
                    let cash = mode == .shadow ? capital.scaled(by: 1, over: Int64(spec.market.symbols.count)) : .zero
                    let instance = BotInstance(
                        id: id, spec: spec, revision: revision, symbol: s, mode: mode, capitalPct: pct, candles: try data.candles(for: spec, symbol: s),
                        venue: PaperVenue(cash: cash, rules: Self.paperRules(spec)), candlesSeen: await startingCandle(bot: bot, symbol: s, spec: spec),
                        nowMs: nowMs, executor: executor)
                    instances[id] = instance
                    if let pending = pendingHandovers.removeValue(forKey: s) {
                        await instance.receivePosition(quantity: pending.quantity, costBasis: pending.cost)
                    }
                    touched.insert(id)
                }
            case .setCapital(let revision, let pct, let symbol):
                for i in matching(bot: bot, revision: revision, symbol: symbol) {
                    await i.setCapitalPct(pct)
                    touched.insert(i.id)
                }
            case .setMode(let revision, let mode, let symbol):
                for i in matching(bot: bot, revision: revision, symbol: symbol) {
                    await i.setMode(mode)
                    touched.insert(i.id)
                }
            case .handOverPositions(let from, let to, let symbol):
                for source in matching(bot: bot, revision: from, symbol: symbol) {
                    let (q, c) = await source.handOverPosition()
                    touched.insert(source.id)
                    guard !q.isZero else { continue }
                    if let target = matching(bot: bot, revision: to, symbol: source.symbol).first {
                        if await target.mode == .shadow { await target.setMode(.live) }
                        await target.receivePosition(quantity: q, costBasis: c)
                        touched.insert(target.id)
                    } else {
                        pendingHandovers[source.symbol] = (source.id, q, c)
                    }
                }
            case .stopInstance(let revision, let symbol):
                for i in matching(bot: bot, revision: revision, symbol: symbol) {
                    if await i.mode == .live {
                        let cash = await i.transfer(cash: -(await i.cash))
                        envelopes[bot]?.reserve += -cash
                    }
                    _ = await i.stop(reason: "replaced by a rollout")
                    stopped.append(i.id)
                    touched.insert(i.id)
                }
            }
        }
        for (symbol, pending) in pendingHandovers {
            // No instance took it: it must not vanish. It goes back to where it came from.
            await instances[pending.source]?.receivePosition(quantity: pending.quantity, costBasis: pending.cost)
            try store.recordEvent(bot: bot, kind: "HandoverReturned", message: "position \(pending.quantity) on \(symbol) had no instance to go to; it stays with \(pending.source)")
        }
        touched.formUnion(try await rebalance(bot: bot))
        var states: [InstanceState] = []
        for id in touched { if let i = instances[id] { states.append(await i.snapshot().state) } }
        for id in stopped where await instances[id]?.phase == .stopped { instances[id] = nil }
        return states
    }

    /// A new instance starts at the candle the bot's other instances on that symbol have reached,
    /// so a canary and its stable see the same market at the same moment.
    private func startingCandle(bot: String, symbol: String, spec: ResolvedBot) async -> Int {
        var seen = 0
        for i in instances.values where i.bot == bot && i.symbol == symbol { seen = max(seen, await i.candlesSeen) }
        return seen
    }

    /// The bot's instances of a revision (on one symbol), stopped ones of this batch included.
    private func matching(bot: String, revision: Int, symbol: String?) -> [BotInstance] {
        instances.values.filter { $0.bot == bot && $0.revision == revision && (symbol == nil || $0.symbol == symbol) }.sorted { $0.id < $1.id }
    }

    /// Moves cash so that each live instance holds its share of the bot's equity: instances above
    /// their share give cash to the reserve, then the reserve goes to those below theirs.
    /// Returns the ids of the instances whose cash moved.
    func rebalance(bot: String) async throws -> Set<String> {
        guard var envelope = envelopes[bot] else { return [] }
        var moved = Set<String>()
        var live: [(BotInstance, Decimal, Fixed)] = []
        for i in instances.values where i.bot == bot {
            guard await i.mode == .live, await i.phase != .stopped else { continue }
            live.append((i, await i.capitalPct, await i.equity))
        }
        guard !live.isEmpty else { return [] }
        let total = live.reduce(envelope.reserve) { $0 + $1.2 }
        var deficits: [(BotInstance, Fixed)] = []
        for (i, pct, equity) in live {
            let target = total.scaled(by: Int64(NSDecimalNumber(decimal: pct * 1_000_000).int64Value), over: 100_000_000, rounding: .down)
            if equity > target {
                let amount = await i.transfer(cash: target - equity)
                envelope.reserve += -amount
                if !amount.isZero { moved.insert(i.id) }
            } else if target > equity {
                deficits.append((i, target - equity))
            }
        }
        let need = deficits.reduce(Fixed.zero) { $0 + $1.1 }
        if need.units > 0, envelope.reserve.units > 0 {
            let available = min(envelope.reserve, need)
            for (i, deficit) in deficits {
                let share = available.multiplied(by: deficit.divided(by: need, rounding: .down), rounding: .down)
                let amount = await i.transfer(cash: share)
                envelope.reserve -= amount
                if !amount.isZero { moved.insert(i.id) }
            }
        }
        envelopes[bot] = envelope
        return moved
    }
}
