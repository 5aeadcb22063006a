import FlotillaTrading
import Foundation

/// The Coinbase Advanced Trade requests Flotilla sends (REST under `/api/v3/brokerage`), as
/// values. Bodies are JSON with sorted keys; public market data goes to `/market/...` (no key).
public struct CoinbaseRequests: Sendable {
    public var baseURL: String

    public init(baseURL: String = "https://api.coinbase.com") { self.baseURL = baseURL }

    public typealias Field = VenueRequest.Field
    static let prefix = "/api/v3/brokerage"

    /// `BTC-USD` (our symbols are already Coinbase's product ids).
    public static func productId(_ symbol: Symbol) -> String { symbol.base.uppercased() + "-" + symbol.quote.uppercased() }

    private func get(_ path: String, _ query: [Field] = [], operation: String) -> VenueRequest {
        VenueRequest(method: .get, baseURL: baseURL, path: Self.prefix + path, query: query, operation: operation)
    }

    private func post(_ path: String, body: some Encodable, operation: String) -> VenueRequest {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding our own plain structs cannot fail.
        let bytes = (try? encoder.encode(body)).map(Array.init) ?? []
        return VenueRequest(method: .post, baseURL: baseURL, path: Self.prefix + path,
                            headers: [Field("Content-Type", "application/json")], body: bytes, effect: .write,
                            operation: operation)
    }

    public func serverTime() -> VenueRequest { get("/time", operation: "time") }

    /// Public product list, filtered to `symbols` (all when empty).
    public func products(_ symbols: [Symbol]) -> VenueRequest {
        get("/market/products", symbols.map { Field("product_ids", Self.productId($0)) }, operation: "products")
    }

    /// Public candles with start in `start...end` (Unix seconds), at most 350 a request.
    public func candles(_ symbol: Symbol, interval: CandleInterval, start: Int64, end: Int64, limit: Int = 350) -> VenueRequest {
        get("/market/products/\(Self.productId(symbol))/candles",
            [Field("start", String(start)), Field("end", String(end)), Field("granularity", interval.coinbase),
             Field("limit", String(limit))], operation: "candles")
    }

    public func accounts(cursor: String?, limit: Int = 250) -> VenueRequest {
        var q = [Field("limit", String(limit))]
        if let cursor, !cursor.isEmpty { q.append(Field("cursor", cursor)) }
        return get("/accounts", q, operation: "accounts")
    }

    struct CreateOrder: Encodable {
        var client_order_id: String
        var product_id: String
        var side: String
        var order_configuration: Configuration
    }

    enum Configuration: Encodable {
        case marketBase(String), marketQuote(String)
        case limit(base: String, price: String)
        case stopLimit(base: String, limit: String, stop: String, direction: String)

        struct Market: Encodable {
            var base_size: String?
            var quote_size: String?
        }
        struct Limit: Encodable {
            var base_size: String
            var limit_price: String
            var post_only: Bool
        }
        struct StopLimit: Encodable {
            var base_size: String
            var limit_price: String
            var stop_price: String
            var stop_direction: String
        }
        enum Key: String, CodingKey { case market_market_ioc, limit_limit_gtc, stop_limit_stop_limit_gtc }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Key.self)
            switch self {
            case .marketBase(let b): try c.encode(Market(base_size: b), forKey: .market_market_ioc)
            case .marketQuote(let q): try c.encode(Market(quote_size: q), forKey: .market_market_ioc)
            case .limit(let b, let p): try c.encode(Limit(base_size: b, limit_price: p, post_only: false), forKey: .limit_limit_gtc)
            case .stopLimit(let b, let l, let s, let d):
                try c.encode(StopLimit(base_size: b, limit_price: l, stop_price: s, stop_direction: d), forKey: .stop_limit_stop_limit_gtc)
            }
        }
    }

    public func createOrder(_ order: OrderRequest) -> VenueRequest {
        let t = VenueDecimal.text
        let configuration: Configuration =
            switch order.kind {
            case .market(.base(let q)): .marketBase(t(q))
            case .market(.quote(let a)): .marketQuote(t(a))
            case .limit(let price, let quantity): .limit(base: t(quantity), price: t(price))
            case .stopLimit(let stop, let limit, let quantity):
                .stopLimit(base: t(quantity), limit: t(limit), stop: t(stop),
                           direction: order.side == .buy ? "STOP_DIRECTION_STOP_UP" : "STOP_DIRECTION_STOP_DOWN")
            }
        return post("/orders", body: CreateOrder(
            client_order_id: order.clientOrderId.rawValue, product_id: Self.productId(order.symbol),
            side: order.side == .buy ? "BUY" : "SELL", order_configuration: configuration), operation: "place order")
    }

    struct BatchCancel: Encodable { var order_ids: [String] }

    public func batchCancel(_ orderIds: [String]) -> VenueRequest {
        post("/orders/batch_cancel", body: BatchCancel(order_ids: orderIds), operation: "cancel order")
    }

    public func order(venueOrderId: String) -> VenueRequest {
        get("/orders/historical/\(venueOrderId)", operation: "get order")
    }

    /// Historical orders, newest first; `status` OPEN for the working ones.
    public func listOrders(_ symbol: Symbol?, openOnly: Bool, cursor: String?, limit: Int = 250) -> VenueRequest {
        var q: [Field] = []
        if let symbol { q.append(Field("product_ids", Self.productId(symbol))) }
        if openOnly { q.append(Field("order_status", "OPEN")) }
        q.append(Field("limit", String(limit)))
        if let cursor, !cursor.isEmpty { q.append(Field("cursor", cursor)) }
        return get("/orders/historical/batch", q, operation: openOnly ? "open orders" : "list orders")
    }

    /// Fills from `startSequenceTimestamp` on (RFC 3339, inclusive).
    public func fills(_ symbol: Symbol, startSequenceTimestamp: String?, cursor: String?, limit: Int = 250) -> VenueRequest {
        var q = [Field("product_ids", Self.productId(symbol))]
        if let startSequenceTimestamp { q.append(Field("start_sequence_timestamp", startSequenceTimestamp)) }
        q.append(Field("limit", String(limit)))
        if let cursor, !cursor.isEmpty { q.append(Field("cursor", cursor)) }
        return get("/orders/historical/fills", q, operation: "fills")
    }

    /// `request` with `Authorization: Bearer <fresh ES256 JWT>`.
    public static func authorized(_ request: VenueRequest, key: CoinbaseKey, nowSeconds: Int64, nonce: String) throws -> VenueRequest {
        var r = request
        r.headers.append(Field("Authorization", "Bearer " + (try CoinbaseJWT.token(for: request, key: key, nowSeconds: nowSeconds, nonce: nonce))))
        return r
    }
}
