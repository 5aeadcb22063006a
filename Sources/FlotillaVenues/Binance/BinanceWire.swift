/// Binance Spot's JSON answers, field for field as documented (decimals are strings; times are
/// Unix milliseconds). Only what Flotilla reads is declared; unknown fields are ignored.
public enum BinanceWire {
    public struct ErrorBody: Decodable, Sendable {
        public var code: Int
        public var msg: String
    }

    public struct ServerTime: Decodable, Sendable {
        public var serverTime: Int64
    }

    public struct ExchangeInfo: Decodable, Sendable {
        public var symbols: [SymbolInfo]
    }

    public struct SymbolInfo: Decodable, Sendable {
        public var symbol: String
        public var status: String
        public var baseAsset: String
        public var quoteAsset: String
        public var filters: [Filter]
    }

    /// One entry of `filters`; which fields are present depends on `filterType`.
    public struct Filter: Decodable, Sendable {
        public var filterType: String
        public var minPrice: String?
        public var maxPrice: String?
        public var tickSize: String?
        public var minQty: String?
        public var maxQty: String?
        public var stepSize: String?
        public var minNotional: String?
        public var applyMinToMarket: Bool?
        public var applyToMarket: Bool?
    }

    public struct Account: Decodable, Sendable {
        public var balances: [Balance]
    }

    public struct Balance: Decodable, Sendable {
        public var asset: String
        public var free: String
        public var locked: String
    }

    /// The order as `POST /api/v3/order` (FULL), `GET /api/v3/order`, `DELETE /api/v3/order` and
    /// `GET /api/v3/openOrders` return it.
    public struct Order: Decodable, Sendable {
        public var symbol: String
        public var orderId: Int64
        public var clientOrderId: String
        public var price: String?
        public var origQty: String?
        public var executedQty: String?
        public var cummulativeQuoteQty: String?
        public var status: String
        public var type: String?
        public var side: String
        public var time: Int64?
        public var transactTime: Int64?
        public var fills: [OrderFill]?
    }

    public struct OrderFill: Decodable, Sendable {
        public var price: String
        public var qty: String
        public var commission: String
        public var commissionAsset: String
        public var tradeId: Int64
    }

    public struct Trade: Decodable, Sendable {
        public var symbol: String
        public var id: Int64
        public var orderId: Int64
        public var price: String
        public var qty: String
        public var commission: String
        public var commissionAsset: String
        public var time: Int64
        public var isBuyer: Bool
        public var isMaker: Bool
    }

    /// `[openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, takerBase, takerQuote, ignore]`.
    public struct Kline: Decodable, Sendable {
        public var openTime: Int64
        public var open: String
        public var high: String
        public var low: String
        public var close: String
        public var volume: String
        public var closeTime: Int64

        public init(from decoder: any Decoder) throws {
            var c = try decoder.unkeyedContainer()
            openTime = try c.decode(Int64.self)
            open = try c.decode(String.self)
            high = try c.decode(String.self)
            low = try c.decode(String.self)
            close = try c.decode(String.self)
            volume = try c.decode(String.self)
            closeTime = try c.decode(Int64.self)
        }
    }
}
