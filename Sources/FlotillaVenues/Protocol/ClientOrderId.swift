/// The id we give an order before it is sent, so a retry re-sends the same id and a lost answer
/// can be looked up. 1–36 characters of `A–Z a–z 0–9 - _`: inside both Binance's
/// `^[\.A-Z\:/a-z0-9_-]{1,36}$` and Coinbase's free-form `client_order_id`.
public struct ClientOrderId: Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init?(_ text: String) {
        guard (1...36).contains(text.utf8.count),
            text.utf8.allSatisfy({ c in
                (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 95
            })
        else { return nil }
        rawValue = text
    }

    public var description: String { rawValue }
}
