/// A venue's published request limits and what each request costs against them.
///
/// Binance Spot (`GET /api/v3/exchangeInfo` `rateLimits`, and the endpoint weights of its REST
/// reference): `REQUEST_WEIGHT` 6,000 a minute, `ORDERS` 100 every 10 seconds and 200,000 a day,
/// counted per fixed window. Coinbase Advanced Trade: 30 private and 10 public requests a second.
public struct RatePolicy: Sendable {
    public struct Limit: Sendable, Hashable {
        /// `weight`, `orders`, `orders/day`, `private`, `public`.
        public var name: String
        public var capacity: Int
        public var windowMilliseconds: Int64

        public init(_ name: String, capacity: Int, windowMilliseconds: Int64) {
            self.name = name
            self.capacity = capacity
            self.windowMilliseconds = windowMilliseconds
        }
    }

    public var venue: String
    public var limits: [Limit]
    /// What one request takes from each limit, by limit name.
    public var cost: @Sendable (VenueRequest) -> [String: Int]
    /// The share of each limit (percent) that reads may not use: order traffic — placing,
    /// cancelling, resolving an unknown outcome — keeps it when market data polling is heavy.
    public var reservedForWritesPct: Int

    public init(venue: String, limits: [Limit], reservedForWritesPct: Int = 20, cost: @escaping @Sendable (VenueRequest) -> [String: Int]) {
        self.venue = venue
        self.limits = limits
        self.reservedForWritesPct = reservedForWritesPct
        self.cost = cost
    }

    public static let binanceSpot = RatePolicy(
        venue: "binance",
        limits: [
            Limit("weight", capacity: 6_000, windowMilliseconds: 60_000),
            Limit("orders", capacity: 100, windowMilliseconds: 10_000),
            Limit("orders/day", capacity: 200_000, windowMilliseconds: 86_400_000),
        ],
        cost: { request in
            let weight: Int
            switch (request.method, request.path) {
            case (.get, "/api/v3/exchangeInfo"), (.get, "/api/v3/account"), (.get, "/api/v3/myTrades"): weight = 20
            case (.get, "/api/v3/klines"): weight = 2
            case (.get, "/api/v3/order"): weight = 4
            case (.get, "/api/v3/openOrders"): weight = request.query.contains { $0.name == "symbol" } ? 6 : 80
            default: weight = 1  // time, POST and DELETE order
            }
            if request.method == .post, request.path == "/api/v3/order" { return ["weight": weight, "orders": 1, "orders/day": 1] }
            return ["weight": weight]
        })

    public static let coinbaseAdvancedTrade = RatePolicy(
        venue: "coinbase",
        limits: [
            Limit("private", capacity: 30, windowMilliseconds: 1_000),
            Limit("public", capacity: 10, windowMilliseconds: 1_000),
        ],
        cost: { request in
            let publicData = request.path.hasPrefix("/api/v3/brokerage/market/") || request.path == "/api/v3/brokerage/time"
            return [publicData ? "public" : "private": 1]
        })
}
