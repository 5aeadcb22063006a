import FlotillaSpec
import Foundation
import NIOConcurrencyHelpers

/// The fleet's clients for its exchange accounts: one client and one rate budget per account,
/// shared by every bot and feed that trades through it. A client is made from a bot's *applied*
/// venue (`ResolvedBot.venue`: kind, account, mode, endpoint and credential references, as the
/// revision froze them) — never from what the files say now — and its credentials are resolved
/// only then, so a missing key is that account's trouble (its bots are Degraded with the
/// reason), never the fleet's.
public final class AccountConnections: Sendable {
    /// Why an account's client could not be made; says which credential, never its value.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var account: String
        public var reason: String
        public var description: String { "account \(account): \(reason)" }

        public init(account: String, reason: String) {
            self.account = account
            self.reason = reason
        }
    }

    /// What makes two bots' clients the same: the same account, reached the same way.
    struct Key: Hashable {
        var kind: VenueSpec.Kind
        var account: String
        var mode: AccountMode
        var endpoint: String?
        var credentials: [String: String]
    }

    private let environment: [String: String]
    private let transport: any HTTPTransport
    private let clock: VenueClock
    private let made = NIOLockedValueBox<[Key: (venue: any Venue, budget: RateBudget)]>([:])

    public init(environment: [String: String] = ProcessInfo.processInfo.environment,
                transport: any HTTPTransport = NetworkTransport(), clock: VenueClock = .system) {
        self.environment = environment
        self.transport = transport
        self.clock = clock
    }

    /// The client for a bot's applied venue (made once; the same value for every bot on it).
    public func venue(for venue: VenueSpec) throws(Problem) -> any FlotillaVenues.Venue { try connection(venue).venue }

    /// The budget shared by every client on the account.
    public func budget(for venue: VenueSpec) throws(Problem) -> RateBudget { try connection(venue).budget }

    /// What each account's budget has counted in its current windows (accounts in use only).
    public func usage() async -> [String: [RateBudget.Usage]] {
        var out: [String: [RateBudget.Usage]] = [:]
        for (key, made) in made.withLockedValue({ $0 }) { out[key.account] = await made.budget.usage() }
        return out
    }

    private func connection(_ venue: VenueSpec) throws(Problem) -> (venue: any FlotillaVenues.Venue, budget: RateBudget) {
        guard venue.kind.isExchange, let mode = venue.mode else {
            throw Problem(account: venue.account, reason: "a \(venue.kind.rawValue) bot has no exchange account (its spec was resolved without one)")
        }
        let key = Key(kind: venue.kind, account: venue.account, mode: mode, endpoint: venue.endpoint, credentials: venue.credentials ?? [:])
        if let hit = made.withLockedValue({ $0[key] }) { return hit }
        // A rollout between two revisions of one account (a changed key) keeps one budget: the
        // venue counts by account, however many clients we hold.
        let shared = made.withLockedValue { made in made.first { $0.key.kind == key.kind && $0.key.account == key.account && $0.key.mode == key.mode }?.value.budget }
        let built = try Self.make(key, budget: shared, environment: environment, transport: transport, clock: clock)
        return made.withLockedValue { made in
            if let raced = made[key] { return raced }
            made[key] = built
            return built
        }
    }

    static func make(_ key: Key, budget shared: RateBudget?, environment: [String: String], transport: any HTTPTransport, clock: VenueClock)
        throws(Problem) -> (venue: any FlotillaVenues.Venue, budget: RateBudget)
    {
        func secret(_ role: String) throws(Problem) -> Secret {
            guard let text = key.credentials[role] else {
                throw Problem(account: key.account, reason: "spec.credentials.\(role) is not set (accounts/\(key.account).yaml)")
            }
            do { return try SecretReference(parsing: text).resolve(environment: environment) } catch {
                throw Problem(account: key.account, reason: "spec.credentials.\(role) (\(text)): \(error)")
            }
        }
        switch key.kind {
        case .binance:
            let budget = shared ?? RateBudget(policy: .binanceSpot, clock: clock)
            let account = BinanceAccount(
                environment: key.mode == .live ? .live : .testnet, apiKey: try secret("apiKey"), secretKey: try secret("secretKey"),
                baseURL: key.endpoint)
            return (BinanceSpot(account: account, transport: transport, clock: clock, budget: budget), budget)
        case .coinbase:
            let budget = shared ?? RateBudget(policy: .coinbaseAdvancedTrade, clock: clock)
            let name = try secret("keyName").reveal()
            let pem = try secret("privateKey")
            let key2: CoinbaseKey
            do { key2 = try CoinbaseKey(name: name, privateKeyPEM: pem) } catch {
                throw Problem(account: key.account, reason: "spec.credentials.privateKey: \(error)")
            }
            let account = key.endpoint.map { CoinbaseAccount(key: key2, baseURL: $0) } ?? CoinbaseAccount(key: key2)
            return (CoinbaseAdvancedTrade(account: account, transport: transport, clock: clock, budget: budget), budget)
        case .paper:
            throw Problem(account: key.account, reason: "a paper account has no exchange client")
        }
    }
}
