/// Coinbase Advanced Trade's JSON answers, as documented (decimals and epoch seconds are strings;
/// times are RFC 3339). Only what Flotilla reads is declared.
public enum CoinbaseWire {
    /// An HTTP error's body: `{"error":"NOT_FOUND","error_details":"…","message":"…"}`.
    public struct ErrorBody: Decodable, Sendable {
        public var error: String?
        public var code: Int?
        public var message: String?
        public var error_details: String?
    }

    public struct ServerTime: Decodable, Sendable {
        public var iso: String
        public var epochSeconds: String
        public var epochMillis: String?
    }

    public struct Money: Decodable, Sendable {
        public var value: String
        public var currency: String
    }

    public struct Accounts: Decodable, Sendable {
        public var accounts: [Account]
        public var has_next: Bool
        public var cursor: String?
    }

    public struct Account: Decodable, Sendable {
        public var uuid: String
        public var currency: String
        public var available_balance: Money
        public var hold: Money?
    }

    public struct Products: Decodable, Sendable {
        public var products: [Product]
    }

    public struct Product: Decodable, Sendable {
        public var product_id: String
        public var base_increment: String
        public var quote_increment: String
        public var price_increment: String?
        public var base_min_size: String
        public var quote_min_size: String
        public var base_currency_id: String
        public var quote_currency_id: String
        public var status: String?
        public var trading_disabled: Bool?
        public var is_disabled: Bool?
    }

    public struct Candles: Decodable, Sendable {
        public var candles: [Candle]
    }

    public struct Candle: Decodable, Sendable {
        public var start: String
        public var low: String
        public var high: String
        public var open: String
        public var close: String
        public var volume: String
    }

    /// `POST /orders`: HTTP 200 either way; `success` says which half is filled in.
    public struct CreateOrderResponse: Decodable, Sendable {
        public var success: Bool
        public var success_response: SuccessResponse?
        public var error_response: ErrorResponse?
        public var failure_reason: String?
    }

    public struct SuccessResponse: Decodable, Sendable {
        public var order_id: String
        public var product_id: String?
        public var side: String?
        public var client_order_id: String?
    }

    public struct ErrorResponse: Decodable, Sendable {
        public var error: String?
        public var message: String?
        public var error_details: String?
        public var preview_failure_reason: String?
        public var new_order_failure_reason: String?
    }

    public struct BatchCancelResponse: Decodable, Sendable {
        public var results: [CancelResult]
    }

    public struct CancelResult: Decodable, Sendable {
        public var success: Bool
        public var failure_reason: String?
        public var order_id: String
    }

    public struct OrderEnvelope: Decodable, Sendable {
        public var order: Order
    }

    public struct Orders: Decodable, Sendable {
        public var orders: [Order]
        public var has_next: Bool
        public var cursor: String?
    }

    public struct Order: Decodable, Sendable {
        public var order_id: String
        public var product_id: String
        public var side: String
        public var client_order_id: String
        public var status: String
        public var created_time: String?
        public var filled_size: String?
        public var filled_value: String?
        public var order_configuration: [String: Configuration]?
    }

    /// One `order_configuration` entry, read loosely: the documented examples are not uniform,
    /// and Flotilla only needs the size and price.
    public struct Configuration: Decodable, Sendable {
        public var base_size: String?
        public var quote_size: String?
        public var limit_price: String?
        public var stop_price: String?

        enum Key: String, CodingKey { case base_size, quote_size, limit_price, stop_price }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            base_size = try? c.decodeIfPresent(String.self, forKey: .base_size)
            quote_size = try? c.decodeIfPresent(String.self, forKey: .quote_size)
            limit_price = try? c.decodeIfPresent(String.self, forKey: .limit_price)
            stop_price = try? c.decodeIfPresent(String.self, forKey: .stop_price)
        }
    }

    public struct Fills: Decodable, Sendable {
        public var fills: [Fill]
        public var cursor: String?
    }

    public struct Fill: Decodable, Sendable {
        public var entry_id: String
        public var trade_id: String
        public var order_id: String
        public var trade_time: String
        public var price: String
        public var size: String
        public var commission: String
        public var product_id: String
        public var sequence_timestamp: String
        public var liquidity_indicator: String
        public var size_in_quote: Bool?
        public var side: String
    }
}
