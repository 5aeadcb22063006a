/// A Coinbase Advanced Trade account: its CDP key and where to send (production, or the static
/// sandbox `https://api-sandbox.coinbase.com`, which answers canned responses).
public struct CoinbaseAccount: Sendable {
    public var key: CoinbaseKey
    public var baseURL: String

    /// Coinbase's production API.
    public static let productionURL = "https://api.coinbase.com"

    public init(key: CoinbaseKey, baseURL: String = CoinbaseAccount.productionURL) {
        self.key = key
        self.baseURL = baseURL
    }
}
