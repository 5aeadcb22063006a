import FlotillaLive
import FlotillaTrading
import Foundation
import NIOConcurrencyHelpers

/// One live instance's way to its exchange account: its `OrderRouter`, driven by a worker task
/// that takes the instance's commands one at a time, so the instance (which decides on the
/// fleet's thread and never waits for a venue) hands its orders over and reads back, on its next
/// candle, what became of them (`Report`).
///
/// The worker reconciles first — until that succeeds nothing is sent and the report says why —
/// and again whenever the venue stopped answering and answers again.
final class ExchangeDesk: Sendable {
    enum Command: Sendable {
        /// Send the book's market order (`reference` is the book's client order id).
        case place(reference: String, side: Side, size: OrderRequest.Size)
        case cancel(reference: String)
        /// Read working orders and fills again.
        case refresh
    }

    enum Status: Sendable, Equatable {
        case reconciling(String?)
        case trading
    }

    /// What the instance reads back: the status, this instance's intents by reference, the fills
    /// of those intents (oldest first), and orders refused before they became intents.
    struct Report: Sendable {
        var status: Status = .reconciling(nil)
        var intents: [String: FlotillaLive.OrderIntent] = [:]
        var fills: [RecordedFill] = []
        var refused: [String: String] = [:]
        /// The order whose outcome is not known, while one is.
        var unresolved: ClientOrderId?
        /// Commands sent and not yet done.
        var queued = 0
    }

    let router: OrderRouter
    let symbol: Symbol
    private let continuation: AsyncStream<Command>.Continuation
    private let worker: Task<Void, Never>
    private let state: NIOLockedValueBox<Report>
    /// Set by `finish`: market orders still queued are not sent (their instance stopped).
    private let stopping: NIOLockedValueBox<Bool>

    init(router: OrderRouter, symbol: Symbol, ledger: any OrderLedger) {
        self.router = router
        self.symbol = symbol
        let (stream, continuation) = AsyncStream.makeStream(of: Command.self)
        self.continuation = continuation
        let state = NIOLockedValueBox(Report())
        self.state = state
        let stopping = NIOLockedValueBox(false)
        self.stopping = stopping
        worker = Task { await Self.work(stream, router: router, symbol: symbol, ledger: ledger, state: state, stopping: stopping) }
    }

    var report: Report { state.withLockedValue { $0 } }

    func send(_ command: Command) {
        state.withLockedValue { $0.queued += 1 }
        continuation.yield(command)
    }

    /// Lets the commands already sent finish (a graceful stop's cancels), then ends the worker;
    /// past `seconds` it is cancelled (what was sent stays in the store as intents, reconciled on
    /// the next start).
    func finish(within seconds: Double) async {
        stopping.withLockedValue { $0 = true }
        continuation.finish()
        let worker = self.worker
        let timer = Task {
            try? await Task.sleep(for: .seconds(seconds))
            worker.cancel()
        }
        await worker.value
        timer.cancel()
    }

    /// Ends the worker at once (the instance left without a graceful stop).
    func abandon() {
        continuation.finish()
        worker.cancel()
    }

    // MARK: The worker

    private static func work(_ stream: AsyncStream<Command>, router: OrderRouter, symbol: Symbol, ledger: any OrderLedger,
                             state: NIOLockedValueBox<Report>, stopping: NIOLockedValueBox<Bool>) async {
        await reconcile(router: router, ledger: ledger, state: state)
        for await command in stream {
            if Task.isCancelled { break }
            switch command {
            case .place(let reference, let side, let size):
                if stopping.withLockedValue({ $0 }) {
                    state.withLockedValue { $0.refused[reference] = "not sent: the instance stopped first" }
                    break
                }
                // One intent per order of the book, whatever asks twice.
                if await router.orders().contains(where: { $0.reference == reference }) { break }
                do {
                    _ = try await router.place(symbol, side, .market(size), reference: reference)
                } catch {
                    let reason: String =
                        switch error {
                        case .blockedByUnknown(let id): "not sent: the outcome of order \(id) is not known yet, and nothing is placed until it is"
                        default: "not sent: \(error)"
                        }
                    state.withLockedValue { $0.refused[reference] = reason }
                }
            case .cancel(let reference):
                if let intent = await router.orders().first(where: { $0.reference == reference }) {
                    _ = try? await router.cancel(intent.clientOrderId)
                }
            case .refresh:
                if !(await router.refresh()) {
                    // The venue stopped answering: when it answers again, reconcile before trading on.
                    await reconcile(router: router, ledger: ledger, state: state)
                }
            }
            await publish(router: router, ledger: ledger, state: state)
            state.withLockedValue { $0.queued = max(0, $0.queued - 1) }
        }
    }

    /// Reconciles until it succeeds, waiting 1, 2, 4 … 30 s between tries; the report says why
    /// it failed meanwhile.
    private static func reconcile(router: OrderRouter, ledger: any OrderLedger, state: NIOLockedValueBox<Report>) async {
        var wait = 1.0
        while !Task.isCancelled {
            let outcome = await router.reconcile()
            if case .failed(let reason) = outcome {
                state.withLockedValue { $0.status = .reconciling("reconciliation with the exchange failed: \(reason)") }
                try? await Task.sleep(for: .seconds(wait))
                wait = min(30, wait * 2)
                continue
            }
            await publish(router: router, ledger: ledger, state: state)
            state.withLockedValue { $0.status = .trading }
            return
        }
    }

    private static func publish(router: OrderRouter, ledger: any OrderLedger, state: NIOLockedValueBox<Report>) async {
        let intents = await router.orders()
        let unresolved = await router.unresolved()?.clientOrderId
        let ids = Set(intents.map(\.clientOrderId))
        let fills = ((try? ledger.fills(bot: router.bot)) ?? []).filter { ids.contains($0.clientOrderId) }
        var byReference: [String: FlotillaLive.OrderIntent] = [:]
        for i in intents { if let r = i.reference { byReference[r] = i } }
        state.withLockedValue {
            $0.intents = byReference
            $0.fills = fills
            $0.unresolved = unresolved
        }
    }
}

extension ExchangeDesk.Report {
    /// The fills the book has not booked, as one execution per order (exact sums).
    func executions(for symbol: Symbol, notBookedIn book: PaperVenue, at time: Int64) -> [VenueExecution] {
        var reference: [ClientOrderId: String] = [:]
        for (r, i) in intents { reference[i.clientOrderId] = r }
        var byOrder: [String: VenueExecution] = [:]
        var order: [String] = []
        for f in fills where !book.hasBooked(fill: f.fill.id) {
            guard let r = reference[f.clientOrderId] else { continue }
            let quoteFee = f.fill.feeAsset == symbol.quote ? f.fill.fee : .zero
            let baseFee = f.fill.feeAsset == symbol.base ? f.fill.fee : .zero
            let notional = f.fill.quantity.multiplied(by: f.fill.price)
            if var e = byOrder[r] {
                e.fillIds.append(f.fill.id)
                e.quantity += f.fill.quantity
                e.notional += notional
                e.quoteFee += quoteFee
                e.baseFee += baseFee
                byOrder[r] = e
            } else {
                order.append(r)
                byOrder[r] = VenueExecution(fillIds: [f.fill.id], clientOrderId: r, side: f.fill.side, quantity: f.fill.quantity, notional: notional,
                                            quoteFee: quoteFee, baseFee: baseFee, liquidity: f.fill.liquidity, time: time)
            }
        }
        return order.compactMap { byOrder[$0] }
    }
}
