import FlotillaTesting
import FlotillaTrading
import FlotillaVenues
import Foundation
import Testing

/// Every recorded Coinbase answer decodes into exact values, and every recorded error lands in
/// the class the caller needs.
@Suite struct CoinbaseResponseTests {
    static let btc = Symbol(base: "BTC", quote: "USD")
    static func f(_ s: String) -> Fixed { Fixed(parsing: s)! }
    static let prefix = "/api/v3/brokerage"

    static func venue(_ routes: [(VenueRequest.Method, String, RecordingTransport.Answer)]) async throws -> (CoinbaseAdvancedTrade, RecordingTransport) {
        let transport = RecordingTransport()
        for (m, p, a) in routes { await transport.on(m, prefix + p, a) }
        return (CoinbaseAdvancedTrade(account: CoinbaseAccount(key: try CoinbaseRequestContractTests.key()), transport: transport,
                                      clock: .fixed(1_700_000_000_000)), transport)
    }

    @Test func serverTimeIsInMilliseconds() async throws {
        let (venue, _) = try await Self.venue([(.get, "/time", try VenueFixtures.ok("coinbase/time.json"))])
        #expect(try await venue.serverTime() == 1_700_000_000_123)
    }

    @Test func productsGiveIncrementsAndMinimums() async throws {
        let (venue, _) = try await Self.venue([(.get, "/market/products", try VenueFixtures.ok("coinbase/products.json"))])
        let markets = try await venue.markets([])
        #expect(markets.map(\.venueSymbol) == ["BTC-USD", "ETH-BTC"])
        #expect(markets[0].symbol == Self.btc)
        #expect(markets[0].rules.lotSize == Self.f("0.00000001"))
        #expect(markets[0].rules.tickSize == Self.f("0.01"))
        #expect(markets[0].rules.minNotional == 1)
        #expect(markets[0].minQuantity == Self.f("0.00000001"))
        #expect(markets[0].trading)
        #expect(markets[1].rules.tickSize == Self.f("0.00001"))
        #expect(markets[1].minQuantity == Self.f("0.00022"))
        #expect(!markets[1].trading)
    }

    @Test func candlesComeOldestFirst() async throws {
        let (venue, _) = try await Self.venue([(.get, "/market/products/BTC-USD/candles", try VenueFixtures.ok("coinbase/candles.json"))])
        let candles = try await venue.candles(Self.btc, interval: .oneMinute, start: 1_700_000_000, end: 1_700_000_120)
        #expect(candles.map(\.time) == [1_700_000_000, 1_700_000_060])
        #expect(candles[0].open == Self.f("37310.01"))
        #expect(candles[1].high == 37340)
        #expect(candles[1].volume == 8.9)
    }

    @Test func accountsArePagedByCursorAndLongZeroTailsStayExact() async throws {
        let (venue, transport) = try await Self.venue([
            (.get, "/accounts", try VenueFixtures.ok("coinbase/accounts-page1.json")),
            (.get, "/accounts", try VenueFixtures.ok("coinbase/accounts-page2.json")),
        ])
        let balances = try await venue.balances()
        #expect(balances == [
            VenueBalance(asset: "BTC", available: Self.f("0.51234567"), held: Self.f("0.01")),
            VenueBalance(asset: "USD", available: Self.f("10250.12"), held: 450),
        ])
        #expect(await transport.sent.count == 2)
    }

    @Test func aCreatedOrderIsPendingWithTheVenuesId() async throws {
        let (venue, _) = try await Self.venue([(.post, "/orders", try VenueFixtures.ok("coinbase/create-order-success.json"))])
        let report = try await venue.place(OrderRequest(clientOrderId: ClientOrderId("flo-b1-r3-000041")!, symbol: Self.btc, side: .buy,
                                                        kind: .limit(price: 36000, quantity: Self.f("0.001"))))
        #expect(report.venueOrderId == "11111111-2222-4333-8444-555555555555")
        #expect(report.status == .pending)
        #expect(report.limitPrice == 36000)
    }

    struct RefusalCase: Sendable {
        var fixture: String
        var kind: VenueError.Kind
        var code: String
    }

    static let refusals: [RefusalCase] = [
        .init(fixture: "create-order-insufficient-funds", kind: .insufficientFunds, code: "INSUFFICIENT_FUND"),
        .init(fixture: "create-order-invalid-size", kind: .invalidOrder, code: "INVALID_SIZE_PRECISION"),
        .init(fixture: "create-order-unknown-product", kind: .unknownProduct, code: "INVALID_PRODUCT_ID"),
    ]

    @Test(arguments: refusals)
    func aRefusedOrderIsATerminalError(_ c: RefusalCase) async throws {
        let (venue, _) = try await Self.venue([(.post, "/orders", try VenueFixtures.ok("coinbase/\(c.fixture).json"))])
        do {
            _ = try await venue.place(OrderRequest(clientOrderId: ClientOrderId("flo-1")!, symbol: Self.btc, side: .buy, kind: .market(.quote(100))))
            Issue.record("accepted")
        } catch let e as VenueError {
            #expect(e.kind == c.kind)
            #expect(e.classification == .terminal)
            #expect(e.venueCode == c.code)
        }
    }

    @Test func openOrdersDecodeWithSizesPricesAndFills() async throws {
        let (venue, _) = try await Self.venue([(.get, "/orders/historical/batch", try VenueFixtures.ok("coinbase/orders-open.json"))])
        let open = try await venue.openOrders(Self.btc)
        #expect(open.map(\.clientOrderId?.rawValue) == ["flo-b1-r3-000041", "flo-b1-r3-000045"])
        #expect(open.map(\.status) == [.partiallyFilled, .open])
        #expect(open[0].quantity == Self.f("0.001"))
        #expect(open[0].filledQuantity == Self.f("0.0004"))
        #expect(open[0].filledQuote == Self.f("14.4"))
        #expect(open[0].createdAt == 1_700_000_001_123)
        #expect(open[1].side == .sell)
        #expect(open[1].limitPrice == 35000)
    }

    @Test func anOrderIsFoundByClientIdAcrossPages() async throws {
        let (venue, transport) = try await Self.venue([
            (.get, "/orders/historical/batch", try VenueFixtures.ok("coinbase/orders-history-page1.json")),
            (.get, "/orders/historical/batch", try VenueFixtures.ok("coinbase/orders-history-page2.json")),
        ])
        let found = try #require(try await venue.order(ClientOrderId("flo-b1-r3-000045")!, symbol: Self.btc))
        #expect(found.venueOrderId == "22222222-2222-4333-8444-555555555555")
        #expect(await transport.sent.count == 2)
        let (first, _) = try await Self.venue([(.get, "/orders/historical/batch", try VenueFixtures.ok("coinbase/orders-history-page1.json"))])
        let filled = try #require(try await first.order(ClientOrderId("flo-b1-r3-000040")!, symbol: Self.btc))
        #expect(filled.status == .filled)
        #expect(filled.quantity == nil)
    }

    @Test func cancelsAreIdempotent() async throws {
        let (venue, _) = try await Self.venue([(.post, "/orders/batch_cancel", try VenueFixtures.ok("coinbase/batch-cancel.json"))])
        let ref = OrderReference(symbol: Self.btc, clientOrderId: ClientOrderId("flo-b1-r3-000041")!, venueOrderId: "11111111-2222-4333-8444-555555555555")
        #expect(try await venue.cancel(ref) == .cancelled)
        let (unknown, _) = try await Self.venue([(.post, "/orders/batch_cancel", try VenueFixtures.ok("coinbase/batch-cancel-unknown.json"))])
        #expect(try await unknown.cancel(ref) == .notFound)
        // By client id only: looked up first; a filled order is already done, nothing is sent to cancel.
        let (done, transport) = try await Self.venue([(.get, "/orders/historical/batch", try VenueFixtures.ok("coinbase/orders-history-page1.json"))])
        #expect(try await done.cancel(OrderReference(symbol: Self.btc, clientOrderId: ClientOrderId("flo-b1-r3-000040")!)) == .alreadyDone)
        #expect(await transport.sent.allSatisfy { $0.method == .get })
    }

    @Test func fillsComeOldestFirstWithTheLastSequenceTimestampAsCursor() async throws {
        let (venue, _) = try await Self.venue([(.get, "/orders/historical/fills", try VenueFixtures.ok("coinbase/fills.json"))])
        let page = try await venue.fills(Self.btc, since: nil)
        #expect(page.fills.map(\.id) == ["e-0000000002", "e-0000000003"])
        #expect(page.next == FillCursor("2023-11-14T22:20:00.512345Z"))
        #expect(page.fills[0].liquidity == .taker)
        #expect(page.fills[0].quantity == Self.f("0.00267941"))
        #expect(page.fills[0].fee == Self.f("0.5998"))
        #expect(page.fills[0].feeAsset == "USD")
        #expect(page.fills[1].liquidity == .maker)
        #expect(page.fills[1].time == 1_700_000_400_500)
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var fixture: String
        var status: Int
        var write: Bool
        var operation: String
        var kind: VenueError.Kind
        var testDescription: String { "\(fixture) HTTP \(status) \(operation)" }
    }

    static let errorCases: [ErrorCase] = [
        .init(fixture: "errors/not-found.json", status: 404, write: false, operation: "get order", kind: .orderNotFound),
        .init(fixture: "errors/invalid-argument.json", status: 400, write: false, operation: "candles", kind: .unknownProduct),
        .init(fixture: "errors/invalid-argument.json", status: 400, write: true, operation: "place order", kind: .invalidOrder),
        .init(fixture: "errors/permission-denied.json", status: 403, write: true, operation: "place order", kind: .authentication),
        .init(fixture: "errors/unauthorized.txt", status: 401, write: false, operation: "accounts", kind: .authentication),
        .init(fixture: "errors/rate-limited.json", status: 429, write: true, operation: "place order", kind: .rateLimited(retryAfterSeconds: nil)),
        .init(fixture: "errors/internal.json", status: 500, write: true, operation: "place order", kind: .unknownOutcome),
        .init(fixture: "errors/internal.json", status: 503, write: false, operation: "accounts", kind: .unavailable),
    ]

    @Test(arguments: errorCases)
    func everyRecordedErrorIsClassified(_ c: ErrorCase) throws {
        let bytes = try VenueFixtures.bytes("coinbase/" + c.fixture)
        let body = try? JSONDecoder().decode(CoinbaseWire.ErrorBody.self, from: Data(bytes))
        let e = CoinbaseErrors.classify(status: c.status, body: body, text: String(decoding: bytes, as: UTF8.self), retryAfter: nil,
                                        effect: c.write ? .write : .read, operation: c.operation)
        #expect(e.kind == c.kind)
        #expect(!e.message.isEmpty)
    }
}
