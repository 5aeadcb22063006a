import FlotillaTrading

/// The Binance Spot requests Flotilla sends, as values: pure functions of their inputs, so the
/// contract tests compare them field by field with the recorded ones.
public struct BinanceRequests: Sendable {
    public var baseURL: String

    public init(baseURL: String) { self.baseURL = baseURL }
    public init(environment: BinanceEnvironment) { self.baseURL = environment.baseURL }

    public typealias Field = VenueRequest.Field

    /// `BTC-USDT` → `BTCUSDT`.
    public static func venueSymbol(_ symbol: Symbol) -> String { symbol.base.uppercased() + symbol.quote.uppercased() }

    private func get(_ path: String, _ query: [Field] = [], operation: String) -> VenueRequest {
        VenueRequest(method: .get, baseURL: baseURL, path: path, query: query, operation: operation)
    }

    public func serverTime() -> VenueRequest { get("/api/v3/time", operation: "time") }

    /// One market: `symbol=`; several: `symbols=["A","B"]`; none: every market.
    public func exchangeInfo(_ symbols: [Symbol]) -> VenueRequest {
        let names = symbols.map(Self.venueSymbol)
        let query: [Field] =
            switch names.count {
            case 0: []
            case 1: [Field("symbol", names[0])]
            default: [Field("symbols", "[" + names.map { "\"\($0)\"" }.joined(separator: ",") + "]")]
            }
        return get("/api/v3/exchangeInfo", query, operation: "exchangeInfo")
    }

    /// Open times in `startMs...endMs`, at most `limit` (Binance caps it at 1000).
    public func klines(_ symbol: Symbol, interval: CandleInterval, startMs: Int64, endMs: Int64, limit: Int = 1000) -> VenueRequest {
        get(
            "/api/v3/klines",
            [
                Field("symbol", Self.venueSymbol(symbol)), Field("interval", interval.binance),
                Field("startTime", String(startMs)), Field("endTime", String(endMs)), Field("limit", String(limit)),
            ], operation: "klines")
    }

    // Signed (USER_DATA / TRADE): `signed(_:timestamp:account:)` adds recvWindow, timestamp, signature.

    public func account() -> VenueRequest {
        get("/api/v3/account", [Field("omitZeroBalances", "true")], operation: "account")
    }

    public func newOrder(_ order: OrderRequest) -> VenueRequest {
        var q = [Field("symbol", Self.venueSymbol(order.symbol)), Field("side", order.side == .buy ? "BUY" : "SELL")]
        switch order.kind {
        case .market(.base(let quantity)):
            q += [Field("type", "MARKET"), Field("quantity", VenueDecimal.text(quantity))]
        case .market(.quote(let amount)):
            q += [Field("type", "MARKET"), Field("quoteOrderQty", VenueDecimal.text(amount))]
        case .limit(let price, let quantity):
            q += [Field("type", "LIMIT"), Field("timeInForce", "GTC"), Field("quantity", VenueDecimal.text(quantity)),
                  Field("price", VenueDecimal.text(price))]
        case .stopLimit(let stop, let limit, let quantity):
            q += [Field("type", "STOP_LOSS_LIMIT"), Field("timeInForce", "GTC"), Field("quantity", VenueDecimal.text(quantity)),
                  Field("price", VenueDecimal.text(limit)), Field("stopPrice", VenueDecimal.text(stop))]
        }
        q += [Field("newClientOrderId", order.clientOrderId.rawValue), Field("newOrderRespType", "FULL")]
        return VenueRequest(method: .post, baseURL: baseURL, path: "/api/v3/order", query: q, effect: .write,
                            operation: "place order")
    }

    public func queryOrder(_ clientOrderId: ClientOrderId, symbol: Symbol) -> VenueRequest {
        get("/api/v3/order", [Field("symbol", Self.venueSymbol(symbol)), Field("origClientOrderId", clientOrderId.rawValue)],
            operation: "query order")
    }

    public func cancelOrder(_ clientOrderId: ClientOrderId, symbol: Symbol) -> VenueRequest {
        VenueRequest(
            method: .delete, baseURL: baseURL, path: "/api/v3/order",
            query: [Field("symbol", Self.venueSymbol(symbol)), Field("origClientOrderId", clientOrderId.rawValue)],
            effect: .write, operation: "cancel order")
    }

    public func openOrders(_ symbol: Symbol?) -> VenueRequest {
        get("/api/v3/openOrders", symbol.map { [Field("symbol", Self.venueSymbol($0))] } ?? [], operation: "openOrders")
    }

    /// Trades from trade id `fromId` on (inclusive), oldest first.
    public func myTrades(_ symbol: Symbol, fromId: Int64?, limit: Int = 1000) -> VenueRequest {
        var q = [Field("symbol", Self.venueSymbol(symbol))]
        if let fromId { q.append(Field("fromId", String(fromId))) }
        q.append(Field("limit", String(limit)))
        return get("/api/v3/myTrades", q, operation: "myTrades")
    }

    /// `request` with `recvWindow`, `timestamp` and its HMAC `signature` appended, and the API key header.
    public static func signed(_ request: VenueRequest, timestamp: Int64, account: BinanceAccount) -> VenueRequest {
        var r = request
        r.query += [Field("recvWindow", String(account.recvWindow)), Field("timestamp", String(timestamp))]
        let signature = BinanceSigner.signature(of: r.queryText, secretKey: account.secretKey)
        r.query.append(Field("signature", signature))
        r.headers.append(Field("X-MBX-APIKEY", account.apiKey.reveal()))
        return r
    }
}
