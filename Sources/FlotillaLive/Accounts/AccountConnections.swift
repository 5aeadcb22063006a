import FlotillaSpec
import Foundation
import NIOConcurrencyHelpers

/// The fleet's clients for its exchange accounts: one client and one rate budget per account
/// (`accounts/`), shared by every bot and feed that trades through it, built on first use with
/// the credentials resolved then — so a missing key is that account's trouble (its bots are
/// Degraded with the reason), never the fleet's.
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

    private let accounts: [String: AccountSpec]
    private let environment: [String: String]
    private let transport: any HTTPTransport
    private let clock: VenueClock
    private let made = NIOLockedValueBox<[String: (venue: any Venue, budget: RateBudget)]>([:])

    public init(accounts: [String: AccountSpec], environment: [String: String] = ProcessInfo.processInfo.environment,
                transport: any HTTPTransport = NetworkTransport(), clock: VenueClock = .system) {
        self.accounts = accounts
        self.environment = environment
        self.transport = transport
        self.clock = clock
    }

    public var names: [String] { accounts.keys.sorted() }

    /// The account's client (made once; the same value for every caller).
    public func venue(_ account: String) throws(Problem) -> any Venue { try connection(account).venue }

    /// The account's shared budget.
    public func budget(_ account: String) throws(Problem) -> RateBudget { try connection(account).budget }

    /// What each account's budget has counted in its current windows (accounts in use only).
    public func usage() async -> [String: [RateBudget.Usage]] {
        var out: [String: [RateBudget.Usage]] = [:]
        for (name, made) in made.withLockedValue({ $0 }) { out[name] = await made.budget.usage() }
        return out
    }

    private func connection(_ name: String) throws(Problem) -> (venue: any Venue, budget: RateBudget) {
        if let hit = made.withLockedValue({ $0[name] }) { return hit }
        guard let spec = accounts[name] else { throw Problem(account: name, reason: "no kind: Account named \(name) in accounts/") }
        let built = try Self.make(spec, environment: environment, transport: transport, clock: clock)
        return made.withLockedValue { made in
            if let raced = made[name] { return raced }
            made[name] = built
            return built
        }
    }

    static func make(_ spec: AccountSpec, environment: [String: String], transport: any HTTPTransport, clock: VenueClock)
        throws(Problem) -> (venue: any Venue, budget: RateBudget)
    {
        func secret(_ role: String) throws(Problem) -> Secret {
            guard let reference = spec.credentials[role] else {
                throw Problem(account: spec.name, reason: "spec.credentials.\(role) is not set (\(spec.file))")
            }
            do { return try reference.resolve(environment: environment) } catch {
                throw Problem(account: spec.name, reason: "spec.credentials.\(role) (\(reference)): \(error)")
            }
        }
        switch spec.venue {
        case .binance:
            let budget = RateBudget(policy: .binanceSpot, clock: clock)
            let account = BinanceAccount(
                environment: spec.mode == .live ? .live : .testnet, apiKey: try secret("apiKey"), secretKey: try secret("secretKey"),
                baseURL: spec.endpoint)
            return (BinanceSpot(account: account, transport: transport, clock: clock, budget: budget), budget)
        case .coinbase:
            let budget = RateBudget(policy: .coinbaseAdvancedTrade, clock: clock)
            let name = try secret("keyName").reveal()
            let key: CoinbaseKey
            do { key = try CoinbaseKey(name: name, privateKeyPEM: try secret("privateKey")) } catch let problem as Problem {
                throw problem
            } catch {
                throw Problem(account: spec.name, reason: "spec.credentials.privateKey: \(error)")
            }
            let account = spec.endpoint.map { CoinbaseAccount(key: key, baseURL: $0) } ?? CoinbaseAccount(key: key)
            return (CoinbaseAdvancedTrade(account: account, transport: transport, clock: clock, budget: budget), budget)
        case .paper:
            throw Problem(account: spec.name, reason: "a paper account has no exchange client")
        }
    }
}
