import Foundation

/// One `kind: Account` document from `accounts/`: an exchange account bots trade through,
/// declared once. It holds where the account is and which credentials open it — by reference
/// (`env:NAME`, `file:PATH`), never the secret itself.
public struct AccountSpec: Sendable, Hashable {
    public var name: String
    public var file: String
    public var mark: SourceMark
    public var venue: VenueSpec.Kind
    public var mode: AccountMode
    /// By role: binance `apiKey`, `secretKey`; coinbase `keyName`, `privateKey`.
    public var credentials: [String: SecretReference]
    /// `mode: live` trades real money only when this is set on purpose.
    public var liveEnabled: Bool
    /// The venue's base URL, when not its published one: the exchange simulator on loopback, or
    /// an https proxy in front of one of the venue's own hosts.
    public var endpoint: String?
    public var description: String
    /// What the account holds, by asset (`USDT: 10000`), exact: declared for a paper account;
    /// for an exchange account, optional — what you funded it with, which `plan` checks the
    /// bots' allocations against (the engine reads the venue's own balance when it trades).
    public var balance: [String: Decimal]
    /// Where each asset of `balance` is written ("" for `spec.balance` itself).
    public var balanceMarks: [String: SourceMark]

    public init(name: String, file: String? = nil, mark: SourceMark = SourceMark(line: 1, column: 1),
                venue: VenueSpec.Kind, mode: AccountMode, credentials: [String: SecretReference] = [:],
                liveEnabled: Bool = false, endpoint: String? = nil, description: String = "",
                balance: [String: Decimal] = [:], balanceMarks: [String: SourceMark] = [:]) {
        self.balance = balance
        self.balanceMarks = balanceMarks
        self.name = name
        self.file = file ?? "accounts/\(name).yaml"
        self.mark = mark
        self.venue = venue
        self.mode = mode
        self.credentials = credentials
        self.liveEnabled = liveEnabled
        self.endpoint = endpoint
        self.description = description
    }

    /// An asset code as market symbols write theirs: 2–12 capital letters or digits (`USDT`, `BTC`, `1INCH`).
    public static func isAsset(_ text: String) -> Bool { Market.isSymbol("\(text)-\(text)") }

    /// `paper` for a paper account, else the mode (`testnet`, `live`).
    public var modeName: String { venue == .paper ? "paper" : mode.rawValue }

    /// Whether orders through this account move real money.
    public var tradesRealMoney: Bool { venue.isExchange && mode == .live }

    /// The credential roles each venue needs.
    public static func credentialRoles(_ venue: VenueSpec.Kind) -> [String] {
        switch venue {
        case .paper: return []
        case .binance: return ["apiKey", "secretKey"]
        case .coinbase: return ["keyName", "privateKey"]
        }
    }

    /// The hosts an `endpoint` may name besides loopback: the venue's own for that mode — a
    /// testnet account never names a real-money host, nor a live one the test network.
    public static func venueHosts(_ venue: VenueSpec.Kind, mode: AccountMode) -> [String] {
        switch (venue, mode) {
        case (.paper, _): return []
        case (.binance, .testnet): return ["testnet.binance.vision"]
        case (.binance, .live): return ["api.binance.com", "api-gcp.binance.com", "api1.binance.com", "api2.binance.com", "api3.binance.com", "api4.binance.com"]
        case (.coinbase, .testnet): return []
        case (.coinbase, .live): return ["api.coinbase.com"]
        }
    }

    public static let loopbackHosts = ["127.0.0.1", "localhost", "[::1]"]

    /// Whether the account is reached on loopback (the exchange simulator), not a real exchange.
    public var isLoopback: Bool {
        guard let endpoint else { return false }
        return Self.loopbackHosts.contains { endpoint.hasPrefix("http://\($0)") || endpoint.hasPrefix("https://\($0)") }
    }

    /// Why `endpoint` may not be used for an account of `venue` in `mode`, or nil. Credentials are
    /// sent to it, so it is exactly `scheme://host[:port][/]` in lowercase ASCII, with the host one
    /// of the venue's own for that mode over https, or loopback (the simulator) over http or https.
    public static func endpointProblem(_ endpoint: String, venue: VenueSpec.Kind, mode: AccountMode) -> String? {
        let hosts = venueHosts(venue, mode: mode)
        let allowed = (hosts.map { "https://\($0)" } + ["http://127.0.0.1:PORT"]).joined(separator: ", ")
        let shape = "endpoint is scheme://host[:port] in lowercase ASCII, e.g. \(allowed)"
        guard endpoint.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else { return shape + " (no spaces or non-ASCII characters)" }
        var rest = Substring(endpoint)
        let scheme: String
        if rest.hasPrefix("https://") { scheme = "https"; rest = rest.dropFirst(8) }
        else if rest.hasPrefix("http://") { scheme = "http"; rest = rest.dropFirst(7) }
        else { return shape }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        var host = rest
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            host = rest[..<colon]
            let port = rest[rest.index(after: colon)...]
            guard !port.isEmpty, port.count <= 5, port.allSatisfy(\.isASCII), let n = Int(port), (1...65_535).contains(n) else {
                return "endpoint port must be a number from 1 to 65535"
            }
        }
        let name = String(host)
        if loopbackHosts.contains(name) { return nil }
        guard name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 46 }) else { return shape }
        guard hosts.contains(name) else {
            return "endpoint host \(name.prefix(60)) is not one of \(venue.rawValue)'s \(mode.rawValue) hosts (\(hosts.isEmpty ? "none" : hosts.joined(separator: ", "))) or loopback; credentials are sent to it"
        }
        guard scheme == "https" else { return "endpoint must use https unless it is loopback (the simulator)" }
        return nil
    }
}

/// Whether an exchange account holds real money.
public enum AccountMode: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The venue's test network (Binance Spot testnet): real orders, play money.
    case testnet
    /// The venue itself: real money.
    case live

    public var description: String { rawValue }
}
