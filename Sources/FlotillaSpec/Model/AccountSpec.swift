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

    public init(name: String, file: String? = nil, mark: SourceMark = SourceMark(line: 1, column: 1),
                venue: VenueSpec.Kind, mode: AccountMode, credentials: [String: SecretReference] = [:],
                liveEnabled: Bool = false, endpoint: String? = nil, description: String = "") {
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

    /// The hosts an `endpoint` may name besides loopback: the venue's own.
    public static func venueHosts(_ venue: VenueSpec.Kind) -> [String] {
        switch venue {
        case .paper: return []
        case .binance:
            return ["api.binance.com", "api-gcp.binance.com", "api1.binance.com", "api2.binance.com", "api3.binance.com",
                    "api4.binance.com", "data-api.binance.vision", "testnet.binance.vision"]
        case .coinbase: return ["api.coinbase.com", "api-sandbox.coinbase.com"]
        }
    }

    /// Why `endpoint` may not be used for `venue`, or nil. Credentials are sent to it, so it is the
    /// venue's own host over https, or loopback (the simulator) — never another machine.
    public static func endpointProblem(_ endpoint: String, venue: VenueSpec.Kind) -> String? {
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased(), !host.isEmpty
        else { return "endpoint must be a URL such as https://testnet.binance.vision or http://127.0.0.1:9000" }
        guard url.user == nil, url.password == nil, url.query == nil, url.fragment == nil, url.path.isEmpty || url.path == "/"
        else { return "endpoint is a scheme, host and port only (no user, path, query or fragment)" }
        let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host)
        if loopback { return scheme == "http" || scheme == "https" ? nil : "endpoint scheme must be http or https" }
        guard scheme == "https" else { return "endpoint must use https unless it is loopback (the simulator)" }
        let hosts = venueHosts(venue)
        guard hosts.contains(host) else {
            return "endpoint host \(host.prefix(60)) is not one of \(venue.rawValue)'s (\(hosts.joined(separator: ", "))) or loopback; credentials are sent to it"
        }
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
