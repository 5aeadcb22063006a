/// One HTTP request to a venue, built by an adapter as a value (so tests compare it with the
/// recorded one) and sent by an `HTTPTransport`.
public struct VenueRequest: Sendable, Equatable, CustomStringConvertible {
    public enum Method: String, Sendable { case get = "GET", post = "POST", delete = "DELETE" }

    /// Whether sending it twice could do something twice: a write that may have been acted on
    /// turns a lost answer into `.unknownOutcome`; a read is simply read again.
    public enum Effect: Sendable { case read, write }

    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var method: Method
    /// `https://api.binance.com`, no trailing slash.
    public var baseURL: String
    /// `/api/v3/order`.
    public var path: String
    /// In the order sent (Binance signs the exact query text).
    public var query: [Field]
    public var headers: [Field]
    public var body: [UInt8]?
    public var effect: Effect
    /// What we are doing, for errors and metrics: `place order`, `klines`.
    public var operation: String

    public init(method: Method, baseURL: String, path: String, query: [Field] = [], headers: [Field] = [],
                body: [UInt8]? = nil, effect: Effect = .read, operation: String) {
        self.method = method
        self.baseURL = baseURL
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.effect = effect
        self.operation = operation
    }

    /// `a=1&b=x%20y`: values percent-encoded outside RFC 3986's unreserved set.
    public var queryText: String { VenueRequest.encode(query) }

    public var url: String { query.isEmpty ? baseURL + path : baseURL + path + "?" + queryText }

    /// Host as the venue signs it: `api.coinbase.com`.
    public var host: String {
        var h = Substring(baseURL)
        if let r = h.range(of: "://") { h = h[r.upperBound...] }
        return String(h)
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    public static func encode(_ fields: [Field]) -> String {
        fields.map { "\(percentEncode($0.name))=\(percentEncode($0.value))" }.joined(separator: "&")
    }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let c = Character(UnicodeScalar(byte))
            if byte < 128, c.isLetter || c.isNumber || c == "-" || c == "_" || c == "." || c == "~" {
                out.append(c)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    /// Headers and query fields whose values authenticate the request: never printed.
    static let sensitiveNames: Set<String> = ["authorization", "x-mbx-apikey", "signature", "cb-access-key"]

    /// Method, URL and headers with every credential-bearing value shown as `‹redacted›`.
    public var description: String {
        let q = query.map { VenueRequest.sensitiveNames.contains($0.name.lowercased()) ? Field($0.name, "‹redacted›") : $0 }
        let url = q.isEmpty ? baseURL + path : baseURL + path + "?" + VenueRequest.encode(q)
        let h = headers.map { VenueRequest.sensitiveNames.contains($0.name.lowercased()) ? "\($0.name): ‹redacted›" : "\($0.name): \($0.value)" }
        let b = body.map { " body \($0.count) bytes" } ?? ""
        return "\(method.rawValue) \(url)" + (h.isEmpty ? "" : " [" + h.joined(separator: ", ") + "]") + b
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
