import FlotillaLive
import FlotillaTrading
import FlotillaVenueSimulator
import Foundation
import Testing

@Suite("Order router: placed once, never lost, never doubled")
struct OrdersRouterTests {
    let btc = OrdersHarness.btc

    func ready(_ h: OrdersHarness) async throws {
        let outcome = await h.router.reconcile()
        #expect(outcome.reason == nil)
    }

    @Test("an intent is in the ledger, marked sent, before the venue sees it")
    func writtenBeforeSent() async throws {
        let h = OrdersHarness()
        try await ready(h)
        let ledger = h.ledger as! MemoryOrderLedger
        let seen = Box<[String]>([])
        h.faults.observePlaces { id in seen.mutate { $0.append(ledger.allIntents().first { $0.clientOrderId.rawValue == id }?.state.rawValue ?? "absent") } }
        let intent = try await h.router.place(btc, .buy, .market(.base(Fixed(exact: "0.01"))))
        #expect(seen.value == ["sent"])
        #expect(intent.state == .filled)
        #expect(intent.clientOrderId == ClientOrderId.derived(bot: "test-bot", instance: "test-bot-1", sequence: 0))
    }

    @Test("a retryable failure re-sends the same client id after the venue's Retry-After, having looked first")
    func retrySameId() async throws {
        let h = OrdersHarness()
        try await ready(h)
        h.faults.force(.rateLimited, on: .place)
        let before = h.clock.now()
        let intent = try await h.router.place(btc, .buy, .market(.base(Fixed(exact: "0.01"))))
        #expect(intent.state == .filled)
        let id = intent.clientOrderId.rawValue
        #expect(h.faults.sent.filter { $0.hasSuffix(id) } == ["POST /api/v3/order \(id)", "GET /api/v3/order \(id)", "POST /api/v3/order \(id)"])
        #expect(h.clock.now() - before >= 1000, "waited out Retry-After (at least 1 s)")
        #expect(await h.exchange.orderCount(clientOrderId: id) == 1)
    }

    @Test("a refusal rejects the intent with the venue's reason, and the next order goes out")
    func terminalRejects() async throws {
        let h = OrdersHarness()
        try await ready(h)
        let refused = try await h.router.place(btc, .buy, .market(.base(Fixed(1000))))
        #expect(refused.state == .rejected)
        #expect(refused.reason?.contains("insufficient") == true)
        let next = try await h.router.place(btc, .buy, .market(.base(Fixed(exact: "0.01"))))
        #expect(next.state == .filled)
        #expect(next.sequence == 1)
    }

    @Test("an answer lost after the venue took the order is resolved by query: filled once, counted once")
    func lostAnswerResolved() async throws {
        let h = OrdersHarness()
        try await ready(h)
        h.faults.force(.timeoutAfterAcceptance, on: .place)
        let intent = try await h.router.place(btc, .buy, .market(.base(Fixed(exact: "0.01"))))
        #expect(intent.state == .filled)
        #expect(await h.exchange.orderCount(clientOrderId: intent.clientOrderId.rawValue) == 1)
        #expect(await h.router.position(btc) == Fixed(exact: "0.00999"), "0.01 bought less the 0.1 % fee in BTC")
        #expect(await h.router.cash("USDT") == Fixed(-1))
    }

    @Test("while an order is UNKNOWN nothing more is placed; past the grace period not found means not placed")
    func unknownBlocksThenNotPlaced() async throws {
        let h = OrdersHarness(policy: OrderRouterPolicy(notFoundGrace: 30_000))
        try await ready(h)
        h.faults.force(.serverErrorBeforeAcceptance, on: .place)
        let first = try await h.router.place(btc, .buy, .market(.base(Fixed(exact: "0.01"))))
        #expect(first.state == .unknown)
        let posts = h.faults.sent.filter { $0.hasPrefix("POST") }.count
        await #expect(throws: OrderRouterError.blockedByUnknown(first.clientOrderId)) {
            try await h.router.place(btc, .buy, .market(.base(Fixed(exact: "0.01"))))
        }
        #expect(h.faults.sent.filter { $0.hasPrefix("POST") }.count == posts, "nothing sent while UNKNOWN")
        h.clock.advance(30_000)
        let second = try await h.router.place(btc, .buy, .market(.base(Fixed(exact: "0.01"))))
        #expect(second.state == .filled)
        #expect(await h.router.order(first.clientOrderId)?.state == .notPlaced)
        #expect(await h.exchange.orderCount(clientOrderId: first.clientOrderId.rawValue) == 0)
    }

    @Test("an order the venue is slow to show stays UNKNOWN (not 'not placed') inside the grace period, then is found")
    func slowToShow() async throws {
        let h = OrdersHarness()
        try await ready(h)
        let id = ClientOrderId.derived(bot: "test-bot", instance: "test-bot-1", sequence: 0)
        h.faults.hide(clientOrderId: id.rawValue, queries: 3)
        h.faults.force(.timeoutAfterAcceptance, on: .place)
        let first = try await h.router.place(btc, .buy, .limit(price: Fixed(90), quantity: Fixed(exact: "0.1")))
        #expect(first.state == .unknown)
        for _ in 0..<2 {
            h.clock.advance(1_000)
            await h.router.resolveUnresolved()
            #expect(await h.router.order(id)?.state == .unknown)
        }
        h.clock.advance(1_000)
        await h.router.resolveUnresolved()
        #expect(await h.router.order(id)?.state == .open)
        #expect(await h.exchange.orderCount(clientOrderId: id.rawValue) == 1)
    }

    @Test("a duplicate client id refusal means the first send got there: the order is looked up, not re-placed")
    func duplicateRefusal() async throws {
        let h = OrdersHarness()
        try await ready(h)
        h.faults.force(.duplicateRefusal, on: .place)
        let intent = try await h.router.place(btc, .sell, .market(.base(Fixed(exact: "0.02"))))
        #expect(intent.state == .filled)
        #expect(await h.exchange.orderCount(clientOrderId: intent.clientOrderId.rawValue) == 1)
        #expect(await h.router.position(btc) == Fixed(exact: "-0.02"))
    }

    @Test("cancels are idempotent: a cancelled order is answered without a second request")
    func cancelIdempotent() async throws {
        let h = OrdersHarness()
        try await ready(h)
        let resting = try await h.router.place(btc, .buy, .limit(price: Fixed(90), quantity: Fixed(exact: "0.1")))
        #expect(resting.state == .open)
        #expect(try await h.router.cancel(resting.clientOrderId).state == .cancelled)
        let deletes = h.faults.sent.filter { $0.hasPrefix("DELETE") }.count
        #expect(try await h.router.cancel(resting.clientOrderId).state == .cancelled)
        #expect(h.faults.sent.filter { $0.hasPrefix("DELETE") }.count == deletes)
        #expect(await h.venueChange("USDT") == .zero, "the reserve came back")
    }

    @Test("a fill that lands before the cancel wins: the order is filled and its fill counted")
    func fillBeforeCancel() async throws {
        let h = OrdersHarness()
        try await ready(h)
        let resting = try await h.router.place(btc, .buy, .limit(price: Fixed(90), quantity: Fixed(exact: "0.1")))
        await h.exchange.fillResting(clientOrderId: resting.clientOrderId.rawValue)
        let after = try await h.router.cancel(resting.clientOrderId)
        #expect(after.state == .filled)
        #expect(await h.router.position(btc) == Fixed(exact: "0.0999"))
        #expect(await h.router.cash("USDT") == Fixed(-9))
    }

    @Test("a partial fill, then a cancel: the position is the fills' sum, cash follows fills and fees exactly")
    func partialThenCancel() async throws {
        let h = OrdersHarness()
        try await ready(h)
        let resting = try await h.router.place(btc, .sell, .limit(price: Fixed(110), quantity: Fixed(exact: "0.1")))
        await h.exchange.fillPart(btc, numerator: 1, denominator: 2)
        let after = try await h.router.cancel(resting.clientOrderId)
        #expect(after.state == .cancelled)
        #expect(await h.router.position(btc) == Fixed(exact: "-0.05"))
        #expect(await h.router.cash("USDT") == Fixed(exact: "5.4945"), "5.5 received less the 0.1 % fee")
        #expect(await h.venueChange("USDT") == Fixed(exact: "5.4945"))
        #expect(await h.venueChange("BTC") == Fixed(exact: "-0.05"))
    }

    @Test("a restart reconciles: a resting order that filled meanwhile is updated and its fills recorded once; an intent never sent becomes not placed")
    func restartReconciles() async throws {
        let h = OrdersHarness()
        try await ready(h)
        let resting = try await h.router.place(btc, .buy, .limit(price: Fixed(95), quantity: Fixed(exact: "0.2")))
        // The process dies after writing the next intent as sent, before the send.
        var phantom = OrderIntent(bot: "test-bot", instance: "test-bot-1", account: "binance-sim", sequence: 1, symbol: btc, side: .buy,
                                  kind: .market(.base(Fixed(exact: "0.01"))), createdAt: h.clock.now())
        phantom.state = .sent
        try h.ledger.save(phantom)
        await h.exchange.setPrice(btc, Fixed(94))

        let router = h.restarted()
        let first = await router.reconcile()
        #expect(first.summary?.unresolved == [phantom.clientOrderId], "inside the grace period it is only unknown")
        #expect(await router.order(resting.clientOrderId)?.state == .filled)
        await #expect(throws: OrderRouterError.blockedByUnknown(phantom.clientOrderId)) {
            try await router.place(btc, .sell, .market(.base(Fixed(exact: "0.01"))))
        }
        h.clock.advance(31_000)
        let second = await router.reconcile()
        #expect(second.summary?.notPlaced == 1)
        #expect(await router.order(phantom.clientOrderId)?.state == .notPlaced)
        #expect(await router.position(btc) == Fixed(exact: "0.1998"))
        #expect(await router.cash("USDT") == Fixed(-19))
        #expect(await h.venueChange("USDT") == Fixed(-19))
        let third = await router.reconcile()
        #expect(third.summary?.fillsRecorded == 0, "a fill read again is not counted again")
        #expect(await router.position(btc) == Fixed(exact: "0.1998"))
        #expect(try await router.place(btc, .sell, .market(.base(Fixed(exact: "0.1")))).sequence == 2)
    }

    @Test("a reconciliation that fails says why, and the bot places nothing until one succeeds")
    func failedReconciliation() async throws {
        let h = OrdersHarness()
        h.faults.force(.timeoutBeforeSend, on: .any)
        let outcome = await h.router.reconcile()
        #expect(outcome.reason?.contains("timed out before sending") == true)
        await #expect(throws: OrderRouterError.self) { try await h.router.place(btc, .buy, .market(.base(Fixed(exact: "0.01")))) }
        #expect(h.faults.sent.allSatisfy { !$0.hasPrefix("POST") })
        #expect(await h.router.reconcile().reason == nil)
        #expect(try await h.router.place(btc, .buy, .market(.base(Fixed(exact: "0.01")))).state == .filled)
    }
}

/// A value shared with a `@Sendable` callback.
final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T { lock.withLock { stored } }
    func mutate(_ body: (inout T) -> Void) { lock.withLock { body(&stored) } }
}
