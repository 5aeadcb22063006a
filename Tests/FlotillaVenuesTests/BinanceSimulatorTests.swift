import FlotillaTrading
import FlotillaVenueSimulator
import FlotillaVenues
import Hummingbird
import HummingbirdTesting
import Testing

/// The Binance client against the loopback simulator over real HTTP (AsyncHTTPClient): orders,
/// fills and balances agree, and the simulator refuses what Binance refuses.
@Suite(.serialized) struct BinanceSimulatorTests {
    static let start: Int64 = 1_700_000_000_000
    static let btc = Symbol(base: "BTC", quote: "USDT")

    static func exchange() -> SimulatedBinance {
        SimulatedBinance(
            apiKey: "sim-api-key-0001", secretKey: "sim-secret-key-0001", now: start,
            markets: [SimulatedBinance.Market(symbol: btc, rules: VenueRules(lotSize: Fixed(parsing: "0.00001")!, tickSize: Fixed(parsing: "0.01")!, minNotional: 5),
                                              minQuantity: Fixed(parsing: "0.00001")!, price: 40000)],
            balances: ["USDT": 10000, "BTC": Fixed(parsing: "0.5")!])
    }

    /// Runs `body` with a client on the simulator's random loopback port. A failure inside is
    /// recorded, never thrown out of the live block (NIO traps on a server cancelled mid-connection).
    static func live(_ exchange: SimulatedBinance, secret: String = "sim-secret-key-0001",
                     _ body: @escaping @Sendable (BinanceSpot) async throws -> Void) async throws {
        try await BinanceSimulatorApp.application(exchange).test(.live) { client in
            do {
                let port = try #require(client.port)
                let account = BinanceAccount(environment: .testnet, apiKey: Secret("sim-api-key-0001"), secretKey: Secret(secret),
                                             baseURL: "http://127.0.0.1:\(port)")
                try await body(BinanceSpot(account: account, transport: NetworkTransport(timeout: .seconds(60)), clock: .fixed(start)))
            } catch {
                Issue.record(error, "inside the simulator test")
            }
        }
    }

    static func f(_ s: String) -> Fixed { Fixed(parsing: s)! }

    @Test func aMarketBuyFillsAndBalancesAndFillsAgree() async throws {
        let exchange = Self.exchange()
        try await Self.live(exchange) { venue in
            let markets = try await venue.markets([Self.btc])
            #expect(markets.first?.rules.lotSize == Self.f("0.00001"))
            let report = try await venue.place(OrderRequest(clientOrderId: ClientOrderId("flo-sim-1")!, symbol: Self.btc, side: .buy,
                                                            kind: .market(.base(Self.f("0.01")))))
            #expect(report.status == .filled)
            #expect(report.filledQuote == 400)
            let page = try await venue.fills(Self.btc, since: nil)
            #expect(page.fills.count == 1)
            let position = page.fills.reduce(Fixed.zero) { $0 + ($1.side == .buy ? $1.quantity : -$1.quantity) }
            #expect(position == Self.f("0.01"))
            let balances = try await venue.balances()
            #expect(balances.first { $0.asset == "USDT" }?.available == 9600)
            // 0.1 % fee taken in the asset received.
            #expect(balances.first { $0.asset == "BTC" }?.available == Self.f("0.50999"))
            #expect(try await venue.fills(Self.btc, since: page.next).fills.isEmpty)
        }
    }

    @Test func aRestingLimitIsFoundByClientIdCancelledOnceAndThenAlreadyDone() async throws {
        let exchange = Self.exchange()
        try await Self.live(exchange) { venue in
            let id = ClientOrderId("flo-sim-2")!
            let placed = try await venue.place(OrderRequest(clientOrderId: id, symbol: Self.btc, side: .buy,
                                                            kind: .limit(price: 39000, quantity: Self.f("0.1"))))
            #expect(placed.status == .open)
            #expect(try await venue.openOrders(Self.btc).map(\.clientOrderId) == [id])
            #expect(try await venue.order(id, symbol: Self.btc)?.limitPrice == 39000)
            #expect(try await venue.balances().first { $0.asset == "USDT" }?.held == 3900)
            #expect(try await venue.cancel(OrderReference(symbol: Self.btc, clientOrderId: id)) == .cancelled)
            #expect(try await venue.cancel(OrderReference(symbol: Self.btc, clientOrderId: id)) == .alreadyDone)
            #expect(try await venue.cancel(OrderReference(symbol: Self.btc, clientOrderId: ClientOrderId("flo-never")!)) == .notFound)
            #expect(try await venue.openOrders(nil).isEmpty)
            #expect(try await venue.balances().first { $0.asset == "USDT" }?.available == 10000)
        }
    }

    @Test func aStopLimitRestsUntilThePriceFallsToItsStop() async throws {
        let exchange = Self.exchange()
        try await Self.live(exchange) { venue in
            let id = ClientOrderId("flo-sim-3")!
            _ = try await venue.place(OrderRequest(clientOrderId: id, symbol: Self.btc, side: .sell,
                                                   kind: .stopLimit(stop: 38000, limit: 37900, quantity: Self.f("0.2"))))
            #expect(try await venue.order(id, symbol: Self.btc)?.status == .open)
            await exchange.setPrice(Self.btc, 37950)
            let done = try await venue.order(id, symbol: Self.btc)
            #expect(done?.status == .filled)
            #expect(done?.filledQuote == 7580)
        }
    }

    @Test func aBadSignatureGetsBinancesRealError() async throws {
        try await Self.live(Self.exchange(), secret: "not-the-secret") { venue in
            do {
                _ = try await venue.balances()
                Issue.record("a bad signature was accepted")
            } catch let e as VenueError {
                #expect(e.kind == .authentication)
                #expect(e.venueCode == "-1022")
                #expect(e.message == "Signature for this request is not valid.")
            }
        }
    }

    @Test func aReusedClientIdIsADuplicateAndInsufficientFundsIsTerminal() async throws {
        try await Self.live(Self.exchange()) { venue in
            let order = OrderRequest(clientOrderId: ClientOrderId("flo-sim-4")!, symbol: Self.btc, side: .buy,
                                     kind: .limit(price: 30000, quantity: Self.f("0.1")))
            _ = try await venue.place(order)
            do {
                _ = try await venue.place(order)
                Issue.record("placed twice")
            } catch let e as VenueError {
                #expect(e.kind == .duplicateClientOrderId)
            }
            do {
                _ = try await venue.place(OrderRequest(clientOrderId: ClientOrderId("flo-sim-5")!, symbol: Self.btc, side: .buy,
                                                       kind: .market(.base(1))))
                Issue.record("spent money it did not have")
            } catch let e as VenueError {
                #expect(e.kind == .insufficientFunds)
                #expect(e.classification == .terminal)
            }
        }
    }

    @Test func aClockThatDriftsOutOfTheWindowIsReMeasured() async throws {
        let exchange = Self.exchange()
        try await Self.live(exchange) { venue in
            _ = try await venue.balances()
            #expect(await venue.clockOffset == 0)
            await exchange.advance(milliseconds: 20_000)
            _ = try await venue.balances()
            #expect(await venue.clockOffset == 20_000)
        }
    }
}
