import FlotillaTesting
import FlotillaTrading
import FlotillaVenues
import Foundation
import Testing

/// Every Binance request Flotilla builds is, byte for byte, the one in
/// Tests/Fixtures/venues/binance/requests.json (signatures computed there by Python's hmac).
@Suite struct BinanceRequestContractTests {
    struct Recorded: Decodable, Sendable {
        struct Request: Decodable, Sendable {
            var name: String
            var method: String
            var path: String
            var query: String
            var apiKeyHeader: Bool
        }
        struct Example: Decodable, Sendable {
            var query: String
            var signature: String
        }
        var apiKey: String
        var secretKey: String
        var timestamp: Int64
        var recvWindow: Int
        var documentedExample: Example
        var requests: [Request]
    }

    static let recorded: Recorded = {
        // A missing or broken fixture fails every test below through `#require`.
        (try? JSONDecoder().decode(Recorded.self, from: Data(VenueFixtures.bytes("binance/requests.json"))))
            ?? Recorded(apiKey: "", secretKey: "", timestamp: 0, recvWindow: 0, documentedExample: .init(query: "", signature: ""), requests: [])
    }()

    static func client(_ environment: BinanceEnvironment = .live) async throws -> (BinanceSpot, RecordingTransport) {
        let transport = RecordingTransport()
        await transport.on(.get, "/api/v3/time", try VenueFixtures.ok("binance/time.json"))
        let account = BinanceAccount(environment: environment, apiKey: Secret(recorded.apiKey), secretKey: Secret(recorded.secretKey),
                                     recvWindow: recorded.recvWindow)
        return (BinanceSpot(account: account, transport: transport, clock: .fixed(recorded.timestamp)), transport)
    }

    static let btc = Symbol(base: "BTC", quote: "USDT")
    static func id(_ s: String) -> ClientOrderId { ClientOrderId(s)! }

    /// The call that sends each recorded request.
    static func call(_ name: String, on venue: BinanceSpot) async {
        switch name {
        case "server time": _ = try? await venue.serverTime()
        case "exchangeInfo for one market": _ = try? await venue.markets([btc])
        case "exchangeInfo for two markets": _ = try? await venue.markets([btc, Symbol(base: "ETH", quote: "BTC")])
        case "klines for two minutes": _ = try? await venue.candles(btc, interval: .oneMinute, start: 1_700_000_000, end: 1_700_000_120)
        case "account": _ = try? await venue.balances()
        case "limit buy, the documented example's order":
            _ = try? await venue.place(OrderRequest(clientOrderId: id("flo-b1-r3-000041"), symbol: Symbol(base: "LTC", quote: "BTC"),
                                                    side: .buy, kind: .limit(price: Fixed(parsing: "0.1")!, quantity: 1)))
        case "market buy by base quantity":
            _ = try? await venue.place(OrderRequest(clientOrderId: id("flo-b1-r3-000042"), symbol: btc, side: .buy,
                                                    kind: .market(.base(Fixed(parsing: "0.01")!))))
        case "market buy by quote amount":
            _ = try? await venue.place(OrderRequest(clientOrderId: id("flo-b1-r3-000044"), symbol: btc, side: .buy,
                                                    kind: .market(.quote(Fixed(parsing: "100.50")!))))
        case "stop-limit sell":
            _ = try? await venue.place(OrderRequest(clientOrderId: id("flo-b2-r1-000007"), symbol: Symbol(base: "ETH", quote: "BTC"),
                                                    side: .sell, kind: .stopLimit(stop: Fixed(parsing: "0.056")!, limit: Fixed(parsing: "0.055")!, quantity: 1)))
        case "query order by client id": _ = try? await venue.order(id("flo-b1-r3-000043"), symbol: btc)
        case "cancel by client id": _ = try? await venue.cancel(OrderReference(symbol: btc, clientOrderId: id("flo-b1-r3-000043")))
        case "open orders in one market": _ = try? await venue.openOrders(btc)
        case "open orders in every market": _ = try? await venue.openOrders(nil)
        case "trades from a trade id": _ = try? await venue.fills(btc, since: FillCursor("5001"))
        default: Issue.record("no call for recorded request \(name)")
        }
    }

    @Test func theSignerReproducesBinancesDocumentedExample() {
        let e = Self.recorded.documentedExample
        #expect(BinanceSigner.signature(of: e.query, secretKey: Secret(Self.recorded.secretKey)) == e.signature)
        #expect(e.signature == "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71")
    }

    @Test func everyRecordedRequestHasACall() {
        #expect(Self.recorded.requests.count == 14)
    }

    @Test(arguments: recorded.requests.map(\.name))
    func theRequestWeBuildIsTheRecordedOne(_ name: String) async throws {
        let expected = try #require(Self.recorded.requests.first { $0.name == name })
        let (venue, transport) = try await Self.client()
        await Self.call(name, on: venue)
        let sent = await transport.sent.filter { $0.path != "/api/v3/time" || name == "server time" }
        let request = try #require(sent.first, "nothing was sent for \(name)")
        #expect(request.method.rawValue == expected.method)
        #expect(request.baseURL == "https://api.binance.com")
        #expect(request.path == expected.path)
        #expect(request.queryText == expected.query)
        #expect(request.body == nil)
        #expect(request.header("X-MBX-APIKEY") == (expected.apiKeyHeader ? Self.recorded.apiKey : nil))
    }

    @Test func theTestNetworkIsChosenPerAccount() async throws {
        let (venue, transport) = try await Self.client(.testnet)
        _ = try? await venue.balances()
        let urls = await transport.sent.map(\.url)
        #expect(urls.count == 2)
        #expect(urls.allSatisfy { $0.hasPrefix("https://testnet.binance.vision/api/v3/") })
        #expect(BinanceEnvironment.live.baseURL == "https://api.binance.com")
    }

    @Test func theClockOffsetIsMeasuredAndAppliedToTheTimestamp() async throws {
        let transport = RecordingTransport()
        // The venue's clock runs 1,500 ms ahead of ours.
        await transport.on(.get, "/api/v3/time", .response(VenueResponse(status: 200, text: "{\"serverTime\":1700000001500}")))
        await transport.on(.get, "/api/v3/account", try VenueFixtures.ok("binance/account.json"))
        let venue = BinanceSpot(
            account: BinanceAccount(environment: .live, apiKey: Secret("k-0123456789"), secretKey: Secret("s-0123456789")),
            transport: transport, clock: .fixed(1_700_000_000_000))
        _ = try await venue.balances()
        #expect(await venue.clockOffset == 1500)
        let account = try #require(await transport.last(.get, "/api/v3/account"))
        #expect(account.query.first { $0.name == "timestamp" }?.value == "1700000001500")
    }
}
