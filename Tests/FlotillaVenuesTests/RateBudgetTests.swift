import FlotillaTesting
import FlotillaTrading
import FlotillaVenues
import Foundation
import Testing

/// One budget per venue account, shared by every bot on it: the fleet never sends past the
/// venue's published limits, and the venue's own signals win over our count.
@Suite("Rate budgets")
struct RateBudgetTests {
    static let binance = BinanceRequests(baseURL: "https://api.binance.com")
    static func klines() -> VenueRequest {
        binance.klines(Symbol(base: "BTC", quote: "USDT"), interval: .oneMinute, startMs: 0, endMs: 60_000, limit: 10)
    }
    static func order() -> VenueRequest {
        VenueRequest(method: .post, baseURL: "https://api.binance.com", path: "/api/v3/order", effect: .write, operation: "place order")
    }

    static func budget(_ policy: RatePolicy = .binanceSpot, _ clock: ManualClock) -> RateBudget {
        RateBudget(policy: policy, clock: VenueClock { clock.now }, sleep: clock.sleep)
    }

    struct Weight: Sendable, CustomTestStringConvertible {
        var method: VenueRequest.Method
        var path: String
        var query: [VenueRequest.Field] = []
        var expected: [String: Int]
        var testDescription: String { "\(method.rawValue) \(path) \(query.map(\.name))" }
    }

    @Test("each Binance request costs its published weight; an order also counts against the order limits", arguments: [
        Weight(method: .get, path: "/api/v3/exchangeInfo", expected: ["weight": 20]),
        Weight(method: .get, path: "/api/v3/klines", expected: ["weight": 2]),
        Weight(method: .get, path: "/api/v3/account", expected: ["weight": 20]),
        Weight(method: .get, path: "/api/v3/order", expected: ["weight": 4]),
        Weight(method: .get, path: "/api/v3/openOrders", query: [.init("symbol", "BTCUSDT")], expected: ["weight": 6]),
        Weight(method: .get, path: "/api/v3/openOrders", expected: ["weight": 80]),
        Weight(method: .get, path: "/api/v3/myTrades", expected: ["weight": 20]),
        Weight(method: .delete, path: "/api/v3/order", expected: ["weight": 1]),
        Weight(method: .post, path: "/api/v3/order", expected: ["weight": 1, "orders": 1, "orders/day": 1]),
    ])
    func binanceWeights(_ w: Weight) {
        let request = VenueRequest(method: w.method, baseURL: "https://api.binance.com", path: w.path, query: w.query, operation: "x")
        #expect(RatePolicy.binanceSpot.cost(request) == w.expected)
    }

    @Test("Coinbase counts public market data and private calls against their own per-second limits")
    func coinbaseBuckets() {
        let base = "https://api.coinbase.com"
        #expect(RatePolicy.coinbaseAdvancedTrade.cost(VenueRequest(method: .get, baseURL: base, path: "/api/v3/brokerage/market/products", operation: "p")) == ["public": 1])
        #expect(RatePolicy.coinbaseAdvancedTrade.cost(VenueRequest(method: .get, baseURL: base, path: "/api/v3/brokerage/time", operation: "t")) == ["public": 1])
        #expect(RatePolicy.coinbaseAdvancedTrade.cost(VenueRequest(method: .post, baseURL: base, path: "/api/v3/brokerage/orders", operation: "o")) == ["private": 1])
    }

    @Test("reads stop at 80 % of a window and wait for the next; orders may use the rest")
    func readsLeaveRoomForOrders() async throws {
        let clock = ManualClock(1_700_000_040_000)  // on a second boundary
        let budget = Self.budget(.coinbaseAdvancedTrade, clock)
        let base = "https://api.coinbase.com"
        let read = VenueRequest(method: .get, baseURL: base, path: "/api/v3/brokerage/accounts", operation: "accounts")
        let write = VenueRequest(method: .post, baseURL: base, path: "/api/v3/brokerage/orders", effect: .write, operation: "place order")
        for _ in 0..<24 { try await budget.admit(read) }
        #expect(clock.slept.isEmpty, "24 reads fit in 80 % of 30")
        for _ in 0..<6 { try await budget.admit(write) }
        #expect(clock.slept.isEmpty, "orders use the reserved 20 %")
        try await budget.admit(read)
        #expect(clock.slept == [1_000], "the 25th read waits for the next second")
        #expect(await budget.usage().first { $0.limit == "private" } == .init(limit: "private", used: 1, capacity: 30))
    }

    @Test("a thousand bots' klines share one minute of weight: what does not fit waits for the next minute, never sent past it")
    func sharedAcrossBots() async throws {
        let clock = ManualClock(1_699_999_980_000)  // on a minute boundary
        let budget = Self.budget(.binanceSpot, clock)
        // 6,000 × 80 % / 2 = 2,400 klines a minute for reads.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3_000 { group.addTask { try await budget.admit(Self.klines(), maxWaitMilliseconds: 120_000) } }
            try await group.waitForAll()
        }
        #expect(await budget.admitted == 3_000)
        #expect(clock.now - 1_699_999_980_000 == 60_000, "the last 600 went in the next minute")
        #expect(await budget.usage().first { $0.limit == "weight" }?.used == 1_200)
    }

    @Test("a wait past the caller's deadline is refused and counts nothing")
    func deadline() async throws {
        let clock = ManualClock(1_700_000_000_000)
        let budget = Self.budget(.binanceSpot, clock)
        for _ in 0..<100 { try await budget.admit(Self.order()) }
        await #expect(throws: RateBudget.Exhausted.self) { try await budget.admit(Self.order(), maxWaitMilliseconds: 1_000) }
        #expect(await budget.usage().first { $0.limit == "orders" }?.used == 100)
        try await budget.admit(Self.order(), maxWaitMilliseconds: 10_000)
        #expect(clock.slept == [10_000], "the 101st order waited for the next 10-second window")
    }

    @Test("the venue's own count and Retry-After win over ours")
    func venueSignals() async throws {
        let clock = ManualClock(1_700_000_000_000)
        let budget = Self.budget(.binanceSpot, clock)
        try await budget.admit(Self.klines())
        await budget.observe(VenueResponse(status: 200, headers: [.init("X-MBX-USED-WEIGHT-1M", "4799")], text: "[]"))
        #expect(await budget.usage().first { $0.limit == "weight" }?.used == 4_799, "another program on the key used weight too")
        await #expect(throws: RateBudget.Exhausted.self, "4,801 is past the 4,800 reads may use") {
            try await budget.admit(Self.klines(), maxWaitMilliseconds: 0)
        }
        await budget.observe(VenueResponse(status: 429, headers: [.init("Retry-After", "7")], text: "{}"))
        let before = clock.slept.count
        try await budget.admit(Self.order())
        #expect(clock.slept.dropFirst(before).reduce(0, +) >= 7_000, "nothing is sent until Retry-After has passed")
    }
}
