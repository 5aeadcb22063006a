/// A Coinbase Advanced Trade account: its CDP key and where to send (production, or the static
/// sandbox `https://api-sandbox.coinbase.com`, which answers canned responses).
public struct CoinbaseAccount: Sendable {
    public var key: CoinbaseKey
    public var baseURL: String

    public init(key: CoinbaseKey, baseURL: String = "https://api.coinbase.com") {
        self.key = key
        self.baseURL = baseURL
    }
}
