import Crypto
import FlotillaSpec
import FlotillaTrading
import FlotillaVenues

/// Where a live source's market data is read: each venue's public REST URL, unless overridden
/// (a venue account's `endpoint`, or a test pointing at the simulator on loopback). The one seam
/// through which the engine resolves a base URL for candles.
public struct LiveEndpoints: Sendable, Equatable {
    public var binance: String
    public var coinbase: String

    public init(binance: String = BinanceEnvironment.live.baseURL, coinbase: String = "https://api.coinbase.com") {
        self.binance = binance
        self.coinbase = coinbase
    }

    /// The venues' public endpoints.
    public static let `public` = LiveEndpoints()

    /// Every venue at one base URL (the simulator).
    public static func all(_ baseURL: String) -> LiveEndpoints { LiveEndpoints(binance: baseURL, coinbase: baseURL) }

    public func baseURL(_ venue: MarketSource.LiveVenue) -> String {
        switch venue {
        case .binance: binance
        case .coinbase: coinbase
        }
    }

    /// Why `url` can't be a market-data endpoint (only http and https, with a host), or nil.
    public static func problem(with url: String) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            return "an endpoint must be an http:// or https:// URL, e.g. https://api.binance.com"
        }
        let rest = url.drop(while: { $0 != "/" }).dropFirst(2)
        guard let first = rest.first, first != "/", first != ":" else { return "an endpoint must name a host, e.g. https://api.binance.com" }
        return nil
    }
}

/// Where a feed's candles come from: `Venue.candles` is all it needs (public market data, no keys).
public protocol CandleSource: Sendable {
    func candles(_ symbol: Symbol, interval: CandleInterval, start: Int64, end: Int64) async throws -> [Candle]
}

/// A venue adapter reading public candles: no credentials are sent for market data.
public struct VenueCandleSource: CandleSource {
    public let venue: any FlotillaVenues.Venue

    public init(venue: any FlotillaVenues.Venue) { self.venue = venue }

    public func candles(_ symbol: Symbol, interval: CandleInterval, start: Int64, end: Int64) async throws -> [Candle] {
        try await venue.candles(symbol, interval: interval, start: start, end: end)
    }

    /// The public-data adapter of `venue` at `baseURL`. Market data needs no key: Binance's klines are
    /// unsigned, Coinbase's `/market/` paths are sent without a token (its adapter still wants a key
    /// to exist, so it gets a throwaway one that never signs anything).
    public static func make(_ venue: MarketSource.LiveVenue, baseURL: String, transport: any HTTPTransport) throws -> VenueCandleSource {
        switch venue {
        case .binance:
            let account = BinanceAccount(environment: .live, apiKey: Secret(""), secretKey: Secret(""), baseURL: baseURL)
            return VenueCandleSource(venue: BinanceSpot(account: account, transport: transport))
        case .coinbase:
            let key = try CoinbaseKey(name: "public-market-data", privateKeyPEM: Secret(P256.Signing.PrivateKey().pemRepresentation))
            return VenueCandleSource(venue: CoinbaseAdvancedTrade(account: CoinbaseAccount(key: key, baseURL: baseURL), transport: transport))
        }
    }
}
