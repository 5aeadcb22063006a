import FlotillaTesting
import FlotillaTrading
import FlotillaVenues
import Foundation
import Testing

/// Credentials are held by reference and never shown: not in a description, an error, or any
/// part of a request but the one header that carries the signature.
@Suite struct SecretTests {
    static let planted = "PLANTED-s3cr3t-9f8e7d6c5b4a"

    @Test func referencesParseAndResolve() throws {
        let env = try SecretReference(parsing: "env:FLOTILLA_TEST_SECRET")
        #expect(env == .environment("FLOTILLA_TEST_SECRET"))
        #expect(env.description == "env:FLOTILLA_TEST_SECRET")
        #expect(try env.resolve(environment: ["FLOTILLA_TEST_SECRET": Self.planted]).reveal() == Self.planted)
        let dir = try Fixtures.temporaryDirectory()
        let file = dir.appendingPathComponent("key.txt")
        try (Self.planted + "\n").write(to: file, atomically: true, encoding: .utf8)
        #expect(try SecretReference(parsing: "file:" + file.path).resolve().reveal() == Self.planted)
    }

    @Test(arguments: ["env:", "env:has-dash", "file:", SecretTests.planted, "plain"])
    func aBadReferenceIsRefusedWithoutEchoingIt(_ text: String) {
        do {
            _ = try SecretReference(parsing: text)
            Issue.record("accepted \(text.count) characters")
        } catch {
            #expect(!error.description.contains(Self.planted))
        }
    }

    @Test func aMissingSecretNamesTheReferenceOnly() {
        #expect(throws: SecretError.missing("environment variable NOPE_NOT_SET is not set")) {
            try SecretReference.environment("NOPE_NOT_SET").resolve(environment: [:])
        }
    }

    @Test func aSecretNeverPrints() {
        let s = Secret(Self.planted)
        var dumped = ""
        dump(s, to: &dumped)
        for text in [s.description, s.debugDescription, "\(s)", String(describing: s), String(reflecting: s), dumped] {
            #expect(!text.contains(Self.planted))
        }
    }

    /// Every answer the venues could give, to drive every error path.
    static let binanceErrors = ["insufficient-balance", "duplicate-order", "unknown-order", "bad-signature", "bad-api-key",
                                "invalid-symbol", "filter-failure", "backend-timeout", "too-much-weight", "timestamp-outside-window"]

    @Test func aPlantedSecretIsInNoErrorAndNoRequestDescription() async throws {
        var texts: [String] = []
        var requests: [VenueRequest] = []
        let order = OrderRequest(clientOrderId: ClientOrderId("flo-1")!, symbol: Symbol(base: "BTC", quote: "USDT"), side: .buy, kind: .market(.base(1)))
        let failures: [RecordingTransport.Answer] =
            try Self.binanceErrors.map { try VenueFixtures.status(400, "binance/errors/\($0).json") } + [
                .failure(.notSent("connect to api.binance.com failed")), .failure(.timedOut(sent: true)), .failure(.lost("reset")),
                // A venue that echoes what it was sent.
                .response(VenueResponse(status: 400, text: "{\"code\":-1100,\"msg\":\"Illegal characters found in \(Self.planted)\"}")),
                .response(VenueResponse(status: 200, text: "not json")),
            ]
        for answer in failures {
            let transport = RecordingTransport()
            await transport.on(.get, "/api/v3/time", try VenueFixtures.ok("binance/time.json"))
            for path in ["/api/v3/order", "/api/v3/account", "/api/v3/openOrders", "/api/v3/myTrades"] {
                await transport.on(.post, path, answer)
                await transport.on(.get, path, answer)
                await transport.on(.delete, path, answer)
            }
            // The planted value is both the API key and the secret key.
            let venue = BinanceSpot(account: BinanceAccount(environment: .testnet, apiKey: Secret(Self.planted), secretKey: Secret(Self.planted)),
                                    transport: transport, clock: .fixed(1_499_827_319_559))
            let calls: [@Sendable () async throws -> Void] = [
                { _ = try await venue.place(order) }, { _ = try await venue.balances() }, { _ = try await venue.openOrders(nil) },
                { _ = try await venue.fills(order.symbol, since: nil) }, { _ = try await venue.order(order.clientOrderId, symbol: order.symbol) },
                { _ = try await venue.cancel(OrderReference(symbol: order.symbol, clientOrderId: order.clientOrderId)) },
            ]
            for call in calls {
                do { try await call() } catch { texts += ["\(error)", String(reflecting: error), error.localizedDescription] }
            }
            requests += await transport.sent
        }

        let pem = String(decoding: try VenueFixtures.bytes("coinbase/test-key.sec1.pem"), as: UTF8.self)
        let pemBody = pem.split(separator: "\n")[1]
        for status in [400, 401, 403, 404, 429, 500] {
            let transport = RecordingTransport()
            let answer = RecordingTransport.Answer.response(VenueResponse(status: status, text: "{\"error\":\"X\",\"message\":\"bad\"}"))
            for path in ["/orders", "/accounts", "/orders/historical/batch", "/orders/historical/fills", "/orders/batch_cancel"] {
                await transport.on(.post, "/api/v3/brokerage" + path, answer)
                await transport.on(.get, "/api/v3/brokerage" + path, answer)
            }
            let venue = CoinbaseAdvancedTrade(account: CoinbaseAccount(key: try CoinbaseKey(name: "organizations/o/apiKeys/k", privateKeyPEM: Secret(pem))),
                                              transport: transport)
            let cb = Symbol(base: "BTC", quote: "USD")
            let calls: [@Sendable () async throws -> Void] = [
                { _ = try await venue.place(OrderRequest(clientOrderId: ClientOrderId("flo-1")!, symbol: cb, side: .sell, kind: .limit(price: 1, quantity: 1))) },
                { _ = try await venue.balances() }, { _ = try await venue.openOrders(nil) }, { _ = try await venue.fills(cb, since: nil) },
                { _ = try await venue.cancel(OrderReference(symbol: cb, clientOrderId: ClientOrderId("flo-1")!)) },
            ]
            for call in calls {
                do { try await call() } catch { texts += ["\(error)", String(reflecting: error)] }
            }
            requests += await transport.sent
        }

        #expect(texts.count > 80)
        #expect(requests.count > 80)
        for text in texts {
            #expect(!text.contains(Self.planted), "\(text)")
            #expect(!text.contains(pemBody))
        }
        for r in requests {
            #expect(!r.description.contains(Self.planted), "\(r.description)")
            #expect(!r.description.contains("Bearer"))
            #expect(!r.url.contains(Self.planted))
            for h in r.headers where !["x-mbx-apikey", "authorization"].contains(h.name.lowercased()) {
                #expect(!h.value.contains(Self.planted))
            }
            #expect(!(r.body.map { String(decoding: $0, as: UTF8.self) } ?? "").contains(Self.planted))
        }
    }
}
