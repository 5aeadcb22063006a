import FlotillaLive
import FlotillaTrading
import FlotillaVenueSimulator
import FlotillaVenues

/// One bot instance trading on a simulated Binance account through the real Binance client:
/// exchange, seeded fault schedule, virtual clock, ledger and router, wired as the engine would.
struct OrdersHarness {
    static let btc = Symbol(base: "BTC", quote: "USDT")
    static let start: Int64 = 1_700_000_000_000
    static let startingBalances: [String: Fixed] = ["USDT": Fixed(10_000), "BTC": Fixed(1)]

    let clock: VirtualClock
    let exchange: SimulatedBinance
    let faults: FaultSchedule
    let venue: BinanceSpot
    let ledger: any OrderLedger
    let router: OrderRouter

    init(seed: UInt64 = 1, probability: Double = 0, ledger: any OrderLedger = MemoryOrderLedger(), bot: String = "test-bot",
         instance: String = "test-bot-1", policy: OrderRouterPolicy = OrderRouterPolicy(), checksSignatures: Bool = true) {
        let clock = VirtualClock(Self.start)
        let rules = VenueRules(lotSize: Fixed(units: 100_000), tickSize: Fixed(units: 1_000_000), minNotional: Fixed(1))
        exchange = SimulatedBinance(
            apiKey: "sim-key", secretKey: "sim-secret", now: Self.start,
            markets: [.init(symbol: Self.btc, rules: rules, minQuantity: Fixed(units: 100_000), price: Fixed(100))],
            balances: Self.startingBalances)
        faults = FaultSchedule(SimulatorTransport(exchange, clock: { clock.now() }, checksSignatures: checksSignatures), seed: seed, symbol: Self.btc, probability: probability)
        venue = BinanceSpot(
            account: BinanceAccount(environment: .testnet, apiKey: Secret("sim-key"), secretKey: Secret("sim-secret"), baseURL: "http://simulator"),
            transport: faults, clock: VenueClock { clock.now() })
        self.clock = clock
        self.ledger = ledger
        router = OrderRouter(
            bot: bot, instance: instance, account: "binance-sim", venue: venue, ledger: ledger, symbols: [Self.btc], policy: policy,
            timing: OrderTiming(now: { clock.now() }, sleep: { clock.advance($0) }))
    }

    /// A new router for the same bot instance over the same ledger and exchange: the process after a restart.
    func restarted(policy: OrderRouterPolicy = OrderRouterPolicy()) -> OrderRouter {
        let clock = self.clock
        return OrderRouter(bot: router.bot, instance: router.instance, account: router.account, venue: venue, ledger: ledger,
                           symbols: [Self.btc], policy: policy, timing: OrderTiming(now: { clock.now() }, sleep: { clock.advance($0) }))
    }

    /// Venue totals (free + locked) less what the account started with: what the bot's trading changed.
    func venueChange(_ asset: String) async -> Fixed {
        (await exchange.totals()[asset] ?? .zero) - (Self.startingBalances[asset] ?? .zero)
    }

    /// Σ of the exchange's own trades: the base the account gained (bought less sold less base fees).
    func tradedBase() async -> Fixed {
        var sum = Fixed.zero
        for t in await exchange.executedTrades() {
            sum += t.side == .buy ? t.quantity : -t.quantity
            if t.commissionAsset == "BTC" { sum -= t.commission }
        }
        return sum
    }
}

extension Fixed {
    /// `Fixed(exact: "0.01")` in tests.
    init(exact text: String) { self = Fixed(parsing: text)! }
}
