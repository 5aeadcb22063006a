import FlotillaTesting
import FlotillaLive
import FlotillaTrading
import FlotillaVenueSimulator
import Foundation
import Testing

/// Seeded schedules of random orders and cancels through the real Binance client against the
/// simulated exchange, with faults injected on the order side, and the invariants checked after
/// a final reconciliation. A failure names its seed; `FLOTILLA_FAULT_SEED=<seed>` replays exactly
/// that schedule and prints what was injected where.
enum OrdersFaultSuite {
    struct Tally: Sendable {
        var faults: [OrderFault: Int] = [:]
        var states: [OrderState: Int] = [:]
        var fills = 0
        var requests = 0
        /// One schedule's steps and faults (not summed across schedules).
        var trace: [String] = []

        mutating func add(_ other: Tally) {
            for (k, v) in other.faults { faults[k, default: 0] += v }
            for (k, v) in other.states { states[k, default: 0] += v }
            fills += other.fills
            requests += other.requests
        }
    }

    static let bot = "test-bot"

    /// Runs the seeds across the cores; returns one line per failed seed.
    static func run(seeds: Range<UInt64>, ledger: @escaping @Sendable () throws -> any OrderLedger) async throws -> [String] {
        try await runTallied(seeds: seeds, ledger: ledger).failures
    }

    static func runTallied(seeds: Range<UInt64>, ledger: @escaping @Sendable () throws -> any OrderLedger, verbose: Bool = false)
        async throws -> (failures: [String], tally: Tally)
    {
        // One worker by default: the schedules are CPU-bound, and the suite's process tests (real
        // `flotilla up` runs with deadlines) run beside them. FLOTILLA_FAULT_WORKERS=2 on a quiet machine.
        let workers = UInt64(max(1, min(8, ProcessInfo.processInfo.environment["FLOTILLA_FAULT_WORKERS"].flatMap { Int($0) } ?? 1)))
        return try await withThrowingTaskGroup(of: ([String], Tally).self) { group in
            for w in 0..<workers {
                group.addTask {
                    var failures: [String] = []
                    var tally = Tally()
                    var seed = seeds.lowerBound + w
                    while seed < seeds.upperBound {
                        let (f, t) = await schedule(seed: seed, ledger: try ledger(), verbose: verbose)
                        failures += f
                        tally.add(t)
                        seed += workers
                    }
                    return (failures, tally)
                }
            }
            var failures: [String] = []
            var tally = Tally()
            for try await (f, t) in group {
                failures += f
                tally.add(t)
            }
            return (failures, tally)
        }
    }

    /// One schedule: 4–11 random steps (market and limit orders, cancels, price moves, time
    /// passing) with faults on a quarter of the requests, then the venue goes quiet, the grace
    /// period runs out, and a reconciliation must bring our books and the venue's into agreement.
    static func schedule(seed: UInt64, ledger: any OrderLedger, verbose: Bool) async -> ([String], Tally) {
        // Signatures are checked in the directed tests; thousands of schedules skip re-computing them.
        let h = OrdersHarness(seed: seed, probability: 0.25, ledger: ledger, bot: bot, checksSignatures: false)
        let btc = OrdersHarness.btc
        var rng = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D &+ 1)
        var problems: [String] = []
        let placedWhileUnknown = Box<[String]>([])
        h.faults.observePlaces { id in
            let blocking = ((try? ledger.intents(bot: bot)) ?? []).filter { $0.clientOrderId.rawValue != id && $0.state.isUnresolved }
            if let b = blocking.first { placedWhileUnknown.mutate { $0.append("\(id) while \(b.clientOrderId) was \(b.state)") } }
        }
        var price: Int64 = 100
        var log: [String] = []

        func ready() async -> Bool {
            for _ in 0..<12 {
                if await h.router.reconcile().reason == nil { return true }
                h.clock.advance(1_000)
            }
            return false
        }

        _ = await ready()
        for _ in 0..<(4 + rng.next() % 8) {
            let lot = Fixed(units: 100_000 * Int64(10 + rng.next() % 40))
            var order: (Side, OrderRequest.Kind)?
            switch rng.next() % 9 {
            case 0, 1: order = (rng.next() % 2 == 0 ? .buy : .sell, .market(.base(lot)))
            case 2: order = (.buy, .limit(price: Fixed(Int(price - 1 - Int64(rng.next() % 4))), quantity: lot))
            case 3: order = (.sell, .limit(price: Fixed(Int(price + 1 + Int64(rng.next() % 4))), quantity: lot))
            case 4, 5:
                let working = await h.router.orders().filter { $0.state.isWorking }
                if !working.isEmpty {
                    let target = working[Int(rng.next() % UInt64(working.count))]
                    log.append("cancel \(target.clientOrderId)")
                    do {
                        let after = try await h.router.cancel(target.clientOrderId)
                        log.append("  → \(after.state)")
                    } catch {
                        log.append("  → \(error)")
                    }
                }
            case 6, 7:
                price = max(90, min(110, price + Int64(rng.next() % 7) - 3))
                log.append("price \(price)")
                await h.exchange.setPrice(btc, Fixed(Int(price)))
            default:
                let ms = Int64(rng.next() % 20_000)
                log.append("wait \(ms) ms")
                h.clock.advance(ms)
            }
            guard let (side, kind) = order else { continue }
            log.append("place \(side) \(kind)")
            do {
                let intent = try await h.router.place(btc, side, kind)
                log.append("  → \(intent.clientOrderId) \(intent.state)")
            } catch .blockedByUnknown(let id) {
                log.append("  → blocked by \(id)")
                h.clock.advance(2_000)
            } catch .notReconciled(let reason) {
                log.append("  → not reconciled: \(reason)")
                _ = await ready()
            } catch {
                problems.append("place failed: \(error)")
            }
        }

        // The venue goes quiet, the grace period runs out, and the books must agree.
        h.faults.setEnabled(false)
        h.clock.advance(31_000)
        let outcome = await h.router.reconcile()
        if let reason = outcome.reason { problems.append("the final reconciliation failed: \(reason)") }

        let ids = await h.exchange.clientOrderIds()
        for (id, n) in Dictionary(grouping: ids, by: { $0 }).mapValues(\.count) where n > 1 {
            problems.append("doubled: the venue holds \(n) orders for intent \(id)")
        }
        problems += placedWhileUnknown.value.map { "placed while UNKNOWN: \($0)" }
        let intents = await h.router.orders()
        var tally = Tally()
        tally.faults = h.faults.injected
        for i in intents {
            tally.states[i.state, default: 0] += 1
            let status = await h.exchange.status(clientOrderId: i.clientOrderId.rawValue)
            let agrees: Bool
            switch i.state {
            case .filled: agrees = status == "FILLED"
            case .open: agrees = status == "NEW"
            case .partiallyFilled: agrees = status == "PARTIALLY_FILLED"
            case .cancelled: agrees = status == "CANCELED"
            case .rejected, .notPlaced: agrees = status == nil
            case .pending, .sent, .unknown: agrees = false
            }
            if !agrees { problems.append("intent \(i.clientOrderId) is \(i.state) but the venue has it \(status ?? "nowhere")") }
        }
        let position = await h.router.position(btc)
        let traded = await h.tradedBase()
        if position != traded { problems.append("position \(position) is not the sum of the venue's fills \(traded)") }
        for asset in ["BTC", "USDT"] {
            let ours = await h.router.cash(asset), theirs = await h.venueChange(asset)
            if ours != theirs { problems.append("\(asset): our ledger says \(ours), the venue's balances moved \(theirs)") }
        }
        tally.fills = (try? ledger.fills(bot: bot).count) ?? 0
        tally.requests = h.faults.sent.count
        tally.trace = log + h.faults.trace
        if verbose || !problems.isEmpty {
            let text = "seed \(seed):\n  steps:\n    " + log.joined(separator: "\n    ") + "\n  faults:\n    "
                + h.faults.trace.joined(separator: "\n    ") + "\n  intents:\n    "
                + intents.map { "\($0.clientOrderId) \($0.state) \($0.reason ?? "")" }.joined(separator: "\n    ")
            if verbose { print(text) }
        }
        guard !problems.isEmpty else { return ([], tally) }
        return (["seed \(seed): " + problems.joined(separator: "; ")
                 + " — replay with FLOTILLA_FAULT_SEED=\(seed) swift test --skip-build --filter OrdersFaultSuiteTests"], tally)
    }
}

@Suite("Order fault suite", .heavy)
struct OrdersFaultSuiteTests {
    @Test("a seed replays exactly: the same steps, the same faults at the same requests")
    func replay() async throws {
        for seed: UInt64 in [7, 4711] {
            let first = await OrdersFaultSuite.schedule(seed: seed, ledger: MemoryOrderLedger(), verbose: false)
            let again = await OrdersFaultSuite.schedule(seed: seed, ledger: MemoryOrderLedger(), verbose: false)
            #expect(first.0.isEmpty && again.0.isEmpty)
            #expect(!first.1.trace.isEmpty)
            #expect(first.1.trace == again.1.trace)
        }
        let other = await OrdersFaultSuite.schedule(seed: 8, ledger: MemoryOrderLedger(), verbose: false)
        #expect(other.1.trace != (await OrdersFaultSuite.schedule(seed: 7, ledger: MemoryOrderLedger(), verbose: false)).1.trace)
    }

    @Test("seeded schedules of orders and cancels under order-side faults: nothing doubled, nothing placed while UNKNOWN, position = Σ fills, cash conserved")
    func seededSchedules() async throws {
        let env = ProcessInfo.processInfo.environment
        if let text = env["FLOTILLA_FAULT_SEED"], let seed = UInt64(text) {
            let (failures, _) = try await OrdersFaultSuite.runTallied(seeds: seed..<(seed + 1), ledger: { MemoryOrderLedger() }, verbose: true)
            #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
            return
        }
        let count = env["FLOTILLA_FAULT_SCHEDULES"].flatMap { UInt64($0) } ?? 10_000
        let started = Date()
        let (failures, tally) = try await OrdersFaultSuite.runTallied(seeds: 0..<count, ledger: { MemoryOrderLedger() })
        let faults = OrderFault.allCases.map { "\($0.rawValue) \(tally.faults[$0] ?? 0)" }.joined(separator: ", ")
        let states = OrderState.allCases.map { "\($0.rawValue) \(tally.states[$0] ?? 0)" }.joined(separator: ", ")
        print("fault suite: \(count) schedules in \(String(format: "%.1f", Date().timeIntervalSince(started))) s, \(failures.count) failed; "
              + "faults: \(faults); final states: \(states); fills: \(tally.fills); requests: \(tally.requests)")
        #expect(failures.isEmpty, "\(failures.count) schedules failed; first: \(failures.prefix(5).joined(separator: "\n"))")
        if count >= 1_000 {
            for fault in OrderFault.allCases { #expect((tally.faults[fault] ?? 0) > 0, "\(fault) was never injected") }
            for state in [OrderState.filled, .cancelled, .notPlaced, .open, .partiallyFilled, .rejected] {
                #expect((tally.states[state] ?? 0) > 0, "no schedule ended with an order \(state)")
            }
        }
    }
}
