/// Which Binance a venue account trades on. The test network has the same API with play money:
/// how a user tries real order handling first.
public enum BinanceEnvironment: String, Sendable, CaseIterable {
    case live
    case testnet

    public var baseURL: String {
        switch self {
        case .live: "https://api.binance.com"
        case .testnet: "https://testnet.binance.vision"
        }
    }
}

/// A Binance Spot API key (HMAC): where to trade and with what, by value only once resolved.
public struct BinanceAccount: Sendable {
    public var environment: BinanceEnvironment
    public var apiKey: Secret
    public var secretKey: Secret
    /// Milliseconds a signed request stays valid after its timestamp (Binance default 5000, max 60000).
    public var recvWindow: Int
    /// Where requests go: the environment's URL, or a simulator's (`http://127.0.0.1:PORT`).
    public var baseURL: String

    public init(environment: BinanceEnvironment, apiKey: Secret, secretKey: Secret, recvWindow: Int = 5000, baseURL: String? = nil) {
        self.environment = environment
        self.baseURL = baseURL ?? environment.baseURL
        self.apiKey = apiKey
        self.secretKey = secretKey
        self.recvWindow = recvWindow
    }
}
