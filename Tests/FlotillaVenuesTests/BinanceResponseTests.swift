import FlotillaTesting
import FlotillaTrading
import FlotillaVenues
import Foundation
import Testing

/// Every recorded Binance answer decodes into exact values, and every recorded error body lands
/// in the class the caller needs.
@Suite struct BinanceResponseTests {
    static let btc = Symbol(base: "BTC", quote: "USDT")
    static func f(_ s: String) -> Fixed { Fixed(parsing: s)! }

    static func venue(_ routes: [(VenueRequest.Method, String, RecordingTransport.Answer)]) async throws -> (BinanceSpot, RecordingTransport) {
        let transport = RecordingTransport()
        await transport.on(.get, "/api/v3/time", try VenueFixtures.ok("binance/time.json"))
        for (m, p, a) in routes { await transport.on(m, p, a) }
        let venue = BinanceSpot(
            account: BinanceAccount(environment: .testnet, apiKey: Secret("test-api-key-0001"), secretKey: Secret("test-secret-0001")),
            transport: transport, clock: .fixed(1_499_827_319_559))
        return (venue, transport)
    }

    @Test func exchangeInfoGivesLotTickAndMinNotionalFromTheFilters() async throws {
        let (venue, _) = try await Self.venue([(.get, "/api/v3/exchangeInfo", try VenueFixtures.ok("binance/exchangeInfo.json"))])
        let markets = try await venue.markets([])
        #expect(markets.count == 2)
        let btc = try #require(markets.first)
        #expect(btc.symbol == Self.btc)
        #expect(btc.venueSymbol == "BTCUSDT")
        #expect(btc.rules.lotSize == Self.f("0.00001"))
        #expect(btc.rules.tickSize == Self.f("0.01"))
        #expect(btc.rules.minNotional == 5)
        #expect(btc.minQuantity == Self.f("0.00001"))
        #expect(btc.trading)
        // The older MIN_NOTIONAL filter counts too; a market in BREAK does not trade.
        let eth = markets[1]
        #expect(eth.rules.minNotional == Self.f("0.0001"))
        #expect(eth.rules.tickSize == Self.f("0.00001"))
        #expect(!eth.trading)
    }

    @Test func klinesBecomeCandlesInSecondsWithExactPrices() async throws {
        let (venue, _) = try await Self.venue([(.get, "/api/v3/klines", try VenueFixtures.ok("binance/klines.json"))])
        let candles = try await venue.candles(Self.btc, interval: .oneMinute, start: 1_700_000_000, end: 1_700_000_120)
        #expect(candles.map(\.time) == [1_700_000_000, 1_700_000_060])
        #expect(candles[0].open == Self.f("37310.01"))
        #expect(candles[0].high == Self.f("37325.5"))
        #expect(candles[0].low == Self.f("37301"))
        #expect(candles[0].close == Self.f("37320.99"))
        #expect(candles[0].volume == 12.34567)
    }

    @Test func accountGivesNonZeroBalancesWithHolds() async throws {
        let (venue, _) = try await Self.venue([(.get, "/api/v3/account", try VenueFixtures.ok("binance/account.json"))])
        let balances = try await venue.balances()
        #expect(balances == [
            VenueBalance(asset: "BTC", available: Self.f("0.51234567"), held: Self.f("0.01")),
            VenueBalance(asset: "USDT", available: Self.f("10250.12"), held: 0),
        ])
    }

    @Test func aFullOrderAnswerIsAFilledReport() async throws {
        let (venue, _) = try await Self.venue([(.post, "/api/v3/order", try VenueFixtures.ok("binance/order-full.json"))])
        let report = try await venue.place(OrderRequest(
            clientOrderId: ClientOrderId("flo-b1-r3-000042")!, symbol: Self.btc, side: .buy, kind: .market(.base(Self.f("0.01")))))
        #expect(report.venueOrderId == "28457")
        #expect(report.clientOrderId?.rawValue == "flo-b1-r3-000042")
        #expect(report.status == .filled)
        #expect(report.quantity == Self.f("0.01"))
        #expect(report.filledQuantity == Self.f("0.01"))
        #expect(report.filledQuote == Self.f("373.32"))
        #expect(report.limitPrice == nil)
        #expect(report.createdAt == 1_700_000_123_456)
    }

    @Test func anOrderFoundByClientIdAndOpenOrdersDecode() async throws {
        let (venue, _) = try await Self.venue([
            (.get, "/api/v3/order", try VenueFixtures.ok("binance/order-query.json")),
            (.get, "/api/v3/openOrders", try VenueFixtures.ok("binance/open-orders.json")),
        ])
        let found = try #require(try await venue.order(ClientOrderId("flo-b1-r3-000043")!, symbol: Self.btc))
        #expect(found.status == .partiallyFilled)
        #expect(found.limitPrice == 36000)
        #expect(found.filledQuantity == Self.f("0.005"))
        let open = try await venue.openOrders(nil)
        #expect(open.map(\.symbol) == [Self.btc, Symbol(base: "ETH", quote: "BTC")])
        #expect(open.map(\.status) == [.partiallyFilled, .open])
        #expect(open[1].side == .sell)
    }

    @Test func anUnknownClientIdIsNotFoundRatherThanAnError() async throws {
        let (venue, _) = try await Self.venue([(.get, "/api/v3/order", try VenueFixtures.status(400, "binance/errors/no-such-order.json"))])
        #expect(try await venue.order(ClientOrderId("flo-none")!, symbol: Self.btc) == nil)
    }

    @Test func tradesAreFillsWithTheNextCursorAfterTheLastTradeId() async throws {
        let (venue, _) = try await Self.venue([(.get, "/api/v3/myTrades", try VenueFixtures.ok("binance/my-trades.json"))])
        let page = try await venue.fills(Self.btc, since: nil)
        #expect(page.fills.map(\.id) == ["5001", "5002", "5010"])
        #expect(page.next == FillCursor("5011"))
        let maker = page.fills[2]
        #expect(maker.liquidity == .maker)
        #expect(maker.fee == Self.f("0.27"))
        #expect(maker.feeAsset == "USDT")
        #expect(maker.price == 36000)
        #expect(page.fills[0].liquidity == .taker)
        #expect(page.fills[0].side == .buy)
    }

    @Test func cancellingIsIdempotent() async throws {
        let (cancelling, _) = try await Self.venue([(.delete, "/api/v3/order", try VenueFixtures.ok("binance/cancel.json"))])
        #expect(try await cancelling.cancel(OrderReference(symbol: Self.btc, clientOrderId: ClientOrderId("flo-b1-r3-000043")!)) == .cancelled)
        // "Unknown order sent." for an order that exists but is done: already done.
        let done = VenueResponse(status: 200, text: String(decoding: try VenueFixtures.bytes("binance/order-full.json"), as: UTF8.self))
        let (twice, _) = try await Self.venue([
            (.delete, "/api/v3/order", try VenueFixtures.status(400, "binance/errors/unknown-order.json")),
            (.get, "/api/v3/order", .response(done)),
        ])
        #expect(try await twice.cancel(OrderReference(symbol: Self.btc, clientOrderId: ClientOrderId("flo-b1-r3-000042")!)) == .alreadyDone)
        let (never, _) = try await Self.venue([
            (.delete, "/api/v3/order", try VenueFixtures.status(400, "binance/errors/unknown-order.json")),
            (.get, "/api/v3/order", try VenueFixtures.status(400, "binance/errors/no-such-order.json")),
        ])
        #expect(try await never.cancel(OrderReference(symbol: Self.btc, clientOrderId: ClientOrderId("flo-none")!)) == .notFound)
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var fixture: String
        var status: Int
        var write: Bool
        var kind: VenueError.Kind
        var classification: VenueErrorClass
        var testDescription: String { "\(fixture) (HTTP \(status), \(write ? "write" : "read"))" }
    }

    static let errorCases: [ErrorCase] = [
        .init(fixture: "insufficient-balance", status: 400, write: true, kind: .insufficientFunds, classification: .terminal),
        .init(fixture: "duplicate-order", status: 400, write: true, kind: .duplicateClientOrderId, classification: .terminal),
        .init(fixture: "unknown-order", status: 400, write: true, kind: .orderNotFound, classification: .terminal),
        .init(fixture: "no-such-order", status: 400, write: false, kind: .orderNotFound, classification: .terminal),
        .init(fixture: "bad-signature", status: 400, write: false, kind: .authentication, classification: .terminal),
        .init(fixture: "bad-api-key", status: 401, write: true, kind: .authentication, classification: .terminal),
        .init(fixture: "invalid-symbol", status: 400, write: false, kind: .unknownProduct, classification: .terminal),
        .init(fixture: "filter-failure", status: 400, write: true, kind: .invalidOrder, classification: .terminal),
        .init(fixture: "too-much-precision", status: 400, write: true, kind: .invalidOrder, classification: .terminal),
        .init(fixture: "unexpected-response", status: 500, write: true, kind: .unknownOutcome, classification: .unknownOutcome),
        .init(fixture: "backend-timeout", status: 500, write: true, kind: .unknownOutcome, classification: .unknownOutcome),
        .init(fixture: "backend-timeout", status: 500, write: false, kind: .unavailable, classification: .retryable),
        .init(fixture: "too-much-weight", status: 429, write: false, kind: .rateLimited(retryAfterSeconds: 7), classification: .retryable),
        .init(fixture: "ip-banned", status: 418, write: true, kind: .banned(retryAfterSeconds: 7), classification: .retryable),
        .init(fixture: "too-many-orders", status: 429, write: true, kind: .rateLimited(retryAfterSeconds: 7), classification: .retryable),
        .init(fixture: "timestamp-outside-window", status: 400, write: true, kind: .clockSkew, classification: .retryable),
    ]

    @Test(arguments: errorCases)
    func everyRecordedErrorBodyIsClassified(_ c: ErrorCase) throws {
        let body = try JSONDecoder().decode(BinanceWire.ErrorBody.self, from: Data(VenueFixtures.bytes("binance/errors/\(c.fixture).json")))
        let retryAfter = c.status == 429 || c.status == 418 ? 7 : nil
        let e = BinanceErrors.classify(status: c.status, body: body, retryAfter: retryAfter, effect: c.write ? .write : .read, operation: "test")
        #expect(e.kind == c.kind)
        #expect(e.classification == c.classification)
        #expect(e.venueCode == String(body.code))
        #expect(e.message == body.msg)
    }

    @Test func aRateLimitIsHonouredUntilRetryAfterHasPassed() async throws {
        let limited = try VenueFixtures.status(429, "binance/errors/too-much-weight.json", headers: [.init("Retry-After", "30")])
        let (venue, transport) = try await Self.venue([
            (.get, "/api/v3/exchangeInfo", limited),
            (.get, "/api/v3/exchangeInfo", try VenueFixtures.ok("binance/exchangeInfo.json")),
        ])
        await #expect(throws: VenueError.self) { _ = try await venue.markets([]) }
        #expect(await venue.quietUntil == 1_499_827_319_559 + 30_000)
        // Refused locally, not sent: the venue bans addresses that keep going.
        do {
            _ = try await venue.markets([])
            Issue.record("sent during Retry-After")
        } catch let e as VenueError {
            #expect(e.kind == .rateLimited(retryAfterSeconds: 30))
        }
        #expect(await transport.sent.count == 1)
    }

    @Test func usedWeightIsTrackedFromTheHeader() async throws {
        let (venue, _) = try await Self.venue([
            (.get, "/api/v3/exchangeInfo", try VenueFixtures.ok("binance/exchangeInfo.json", headers: [.init("x-mbx-used-weight-1m", "21")]))
        ])
        _ = try await venue.markets([])
        #expect(await venue.usedWeight == 21)
    }

    @Test func aTimestampOutsideTheWindowReMeasuresTheClockAndSendsOnce() async throws {
        let (venue, transport) = try await Self.venue([
            (.get, "/api/v3/account", try VenueFixtures.status(400, "binance/errors/timestamp-outside-window.json")),
            (.get, "/api/v3/account", try VenueFixtures.ok("binance/account.json")),
        ])
        #expect(try await venue.balances().count == 2)
        #expect(await transport.sent.map(\.path) == ["/api/v3/time", "/api/v3/account", "/api/v3/time", "/api/v3/account"])
    }

    struct TransportCase: Sendable {
        var failure: TransportError
        var write: Bool
        var kind: VenueError.Kind
    }

    static let transportCases: [TransportCase] = [
        .init(failure: .notSent("connection refused"), write: true, kind: .network),
        .init(failure: .timedOut(sent: false), write: true, kind: .timedOutBeforeSending),
        .init(failure: .timedOut(sent: true), write: true, kind: .unknownOutcome),
        .init(failure: .timedOut(sent: true), write: false, kind: .unavailable),
        .init(failure: .lost("reset by peer"), write: true, kind: .unknownOutcome),
        .init(failure: .lost("reset by peer"), write: false, kind: .unavailable),
    ]

    @Test(arguments: transportCases)
    func aLostAnswerToAWriteIsAnUnknownOutcome(_ c: TransportCase) async throws {
        let path = "/api/v3/order"
        let (venue, _) = try await Self.venue([(c.write ? .post : .get, path, .failure(c.failure))])
        do {
            if c.write {
                _ = try await venue.place(OrderRequest(clientOrderId: ClientOrderId("flo-x")!, symbol: Self.btc, side: .buy, kind: .market(.base(1))))
            } else {
                _ = try await venue.order(ClientOrderId("flo-x")!, symbol: Self.btc)
            }
            Issue.record("no error")
        } catch let e as VenueError {
            #expect(e.kind == c.kind)
        }
    }

    @Test func aPriceWithANinthDecimalIsAnErrorNotARounding() async throws {
        let text = String(decoding: try VenueFixtures.bytes("binance/order-query.json"), as: UTF8.self)
            .replacingOccurrences(of: "\"36000.00000000\"", with: "\"36000.000000001\"")
        let (venue, _) = try await Self.venue([(.get, "/api/v3/order", .response(VenueResponse(status: 200, text: text)))])
        do {
            _ = try await venue.order(ClientOrderId("flo-b1-r3-000043")!, symbol: Self.btc)
            Issue.record("a ninth decimal was accepted")
        } catch let e as VenueError {
            #expect(e.kind == .inexactValue)
            #expect(e.message.contains("price"))
        }
    }
}
