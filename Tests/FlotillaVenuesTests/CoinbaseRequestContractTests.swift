import Crypto
import FlotillaTesting
import FlotillaTrading
import FlotillaVenues
import Foundation
import Testing

/// Every Coinbase Advanced Trade request Flotilla builds matches
/// Tests/Fixtures/venues/coinbase/requests.json, and each private one carries a fresh ES256 JWT
/// that verifies with the key's public half and says exactly what the docs ask.
@Suite struct CoinbaseRequestContractTests {
    struct Recorded: Decodable, Sendable {
        struct Request: Decodable, Sendable {
            var name: String
            var method: String
            var path: String
            var query: String
            var signed: Bool
            var uri: String?
        }
        var keyName: String
        var now: Int64
        var nonce: String
        var requests: [Request]
    }

    static let recorded: Recorded =
        (try? JSONDecoder().decode(Recorded.self, from: Data(VenueFixtures.bytes("coinbase/requests.json"))))
        ?? Recorded(keyName: "", now: 0, nonce: "", requests: [])

    static func bodies() throws -> [String: Any] {
        let all = try JSONSerialization.jsonObject(with: Data(VenueFixtures.bytes("coinbase/requests.json"))) as? [String: Any]
        let list = all?["requests"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: list.map { ($0["name"] as? String ?? "", $0["body"] ?? NSNull()) })
    }

    static func key() throws -> CoinbaseKey {
        try CoinbaseKey(name: recorded.keyName, privateKeyPEM: Secret(String(decoding: VenueFixtures.bytes("coinbase/test-key.sec1.pem"), as: UTF8.self)))
    }

    static func client() async throws -> (CoinbaseAdvancedTrade, RecordingTransport) {
        let transport = RecordingTransport()
        let nonce = recorded.nonce
        let venue = CoinbaseAdvancedTrade(
            account: CoinbaseAccount(key: try key()), transport: transport, clock: .fixed(recorded.now * 1000 + 250),
            nonce: { nonce })
        return (venue, transport)
    }

    static let btc = Symbol(base: "BTC", quote: "USD")
    static func id(_ s: String) -> ClientOrderId { ClientOrderId(s)! }
    static func f(_ s: String) -> Fixed { Fixed(parsing: s)! }

    static func call(_ name: String, on venue: CoinbaseAdvancedTrade, transport: RecordingTransport) async throws {
        switch name {
        case "server time": _ = try? await venue.serverTime()
        case "products for two markets": _ = try? await venue.markets([btc, Symbol(base: "ETH", quote: "BTC")])
        case "public candles": _ = try? await venue.candles(btc, interval: .oneMinute, start: 1_700_000_000, end: 1_700_000_120)
        case "accounts, first page": _ = try? await venue.balances()
        case "accounts, next page":
            await transport.on(.get, "/api/v3/brokerage/accounts", try VenueFixtures.ok("coinbase/accounts-page1.json"),
                               try VenueFixtures.ok("coinbase/accounts-page2.json"))
            _ = try? await venue.balances()
        case "limit buy GTC":
            _ = try? await venue.place(OrderRequest(clientOrderId: id("flo-b1-r3-000041"), symbol: btc, side: .buy,
                                                    kind: .limit(price: 36000, quantity: f("0.001"))))
        case "market buy by quote":
            _ = try? await venue.place(OrderRequest(clientOrderId: id("flo-b1-r3-000042"), symbol: btc, side: .buy, kind: .market(.quote(100))))
        case "market sell by base":
            _ = try? await venue.place(OrderRequest(clientOrderId: id("flo-b1-r3-000043"), symbol: btc, side: .sell,
                                                    kind: .market(.base(f("0.00267941")))))
        case "stop-limit sell GTC":
            _ = try? await venue.place(OrderRequest(clientOrderId: id("flo-b1-r3-000045"), symbol: btc, side: .sell,
                                                    kind: .stopLimit(stop: 35100, limit: 35000, quantity: f("0.002"))))
        case "stop-limit buy GTC":
            _ = try? await venue.place(OrderRequest(clientOrderId: id("flo-b1-r3-000046"), symbol: btc, side: .buy,
                                                    kind: .stopLimit(stop: 37900, limit: 38000, quantity: f("0.002"))))
        case "batch cancel":
            _ = try? await venue.cancel(OrderReference(symbol: btc, clientOrderId: id("flo-b1-r3-000041"),
                                                       venueOrderId: "11111111-2222-4333-8444-555555555555"))
        case "open orders in one market": _ = try? await venue.openOrders(btc)
        case "historical orders, next page":
            await transport.on(.get, "/api/v3/brokerage/orders/historical/batch", try VenueFixtures.ok("coinbase/orders-history-page1.json"))
            _ = try? await venue.order(id("flo-b1-r3-000041"), symbol: btc)
        case "one order":
            // A refused cancel asks for the order by id.
            await transport.on(.post, "/api/v3/brokerage/orders/batch_cancel",
                               .response(VenueResponse(status: 200, text: "{\"results\":[{\"success\":false,\"failure_reason\":\"INVALID_CANCEL_REQUEST\",\"order_id\":\"33333333-2222-4333-8444-555555555555\"}]}")))
            _ = try? await venue.cancel(OrderReference(symbol: btc, clientOrderId: id("flo-b1-r3-000040"),
                                                       venueOrderId: "33333333-2222-4333-8444-555555555555"))
        case "fills since a sequence timestamp": _ = try? await venue.fills(btc, since: FillCursor("2023-11-14T22:10:00.223344Z"))
        default: Issue.record("no call for recorded request \(name)")
        }
    }

    @Test func everyRecordedRequestHasACall() { #expect(Self.recorded.requests.count == 15) }

    @Test(arguments: recorded.requests.map(\.name))
    func theRequestWeBuildIsTheRecordedOne(_ name: String) async throws {
        let expected = try #require(Self.recorded.requests.first { $0.name == name })
        let (venue, transport) = try await Self.client()
        try await Self.call(name, on: venue, transport: transport)
        let sent = await transport.sent
        let request = try #require(sent.last { $0.path == expected.path && $0.queryText == expected.query })
        #expect(request.method.rawValue == expected.method)
        #expect(request.baseURL == "https://api.coinbase.com")
        #expect(sameJSON(request.body, try Self.bodies()[name]))
        guard expected.signed else {
            #expect(request.header("Authorization") == nil)
            return
        }
        let bearer = try #require(request.header("Authorization"))
        #expect(bearer.hasPrefix("Bearer "))
        let jwt = try #require(CoinbaseJWT.verify(String(bearer.dropFirst(7)), publicKey: try Self.key().publicKey()), "the JWT does not verify")
        #expect(jwt.header == CoinbaseJWT.Header(alg: "ES256", kid: Self.recorded.keyName, nonce: Self.recorded.nonce, typ: "JWT"))
        #expect(jwt.claims == CoinbaseJWT.Claims(sub: Self.recorded.keyName, iss: "cdp", nbf: Self.recorded.now,
                                                 exp: Self.recorded.now + 120, uri: try #require(expected.uri)))
    }

    @Test func eachPrivateRequestGetsAFreshTokenWithARandomNonce() async throws {
        let transport = RecordingTransport()
        await transport.on(.get, "/api/v3/brokerage/accounts", try VenueFixtures.ok("coinbase/accounts-page2.json"))
        let venue = CoinbaseAdvancedTrade(account: CoinbaseAccount(key: try Self.key()), transport: transport)
        _ = try await venue.balances()
        _ = try await venue.balances()
        let tokens = await transport.sent.compactMap { $0.header("Authorization") }
        #expect(tokens.count == 2)
        #expect(tokens[0] != tokens[1])
        let nonces = try tokens.map { try #require(CoinbaseJWT.verify(String($0.dropFirst(7)), publicKey: try Self.key().publicKey())).header.nonce }
        #expect(nonces[0] != nonces[1])
        #expect(nonces.allSatisfy { $0.count == 32 })
    }

    @Test func aTokenSignedByAnotherKeyDoesNotVerify() async throws {
        let (venue, transport) = try await Self.client()
        _ = try? await venue.balances()
        let bearer = try #require(await transport.sent.first?.header("Authorization"))
        #expect(CoinbaseJWT.verify(String(bearer.dropFirst(7)), publicKey: P256.Signing.PrivateKey().publicKey) == nil)
    }

    @Test(arguments: ["coinbase/test-key.sec1.pem", "coinbase/test-key.pkcs8.pem"])
    func aKeyIsReadFromEitherPEMForm(_ file: String) throws {
        let pem = String(decoding: try VenueFixtures.bytes(file), as: UTF8.self)
        let key = try CoinbaseKey(name: "k", privateKeyPEM: Secret(pem))
        #expect(try key.publicKey().rawRepresentation == (try Self.key()).publicKey().rawRepresentation)
        // As pasted from the CDP JSON download, with \n escapes.
        let escaped = try CoinbaseKey(name: "k", privateKeyPEM: Secret(pem.replacingOccurrences(of: "\n", with: "\\n")))
        #expect(try escaped.publicKey().rawRepresentation == key.publicKey().rawRepresentation)
    }

    @Test func aBrokenKeySaysSoWithoutShowingIt() {
        let pem = "-----BEGIN EC PRIVATE KEY-----\nTOTALLYNOTAKEYbutSECRETish\n-----END EC PRIVATE KEY-----\n"
        do {
            _ = try CoinbaseKey(name: "organizations/o/apiKeys/k", privateKeyPEM: Secret(pem))
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("organizations/o/apiKeys/k"))
            #expect(!error.description.contains("TOTALLYNOTAKEY"))
        }
    }
}
