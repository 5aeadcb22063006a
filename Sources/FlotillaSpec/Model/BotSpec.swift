import Foundation

/// A value as written in a file, with the place it was written.
public struct Located<Value: Sendable>: Sendable {
    public var value: Value
    public var mark: SourceMark
    public init(_ value: Value, at mark: SourceMark) {
        self.value = value
        self.mark = mark
    }
}

/// One `kind: Bot` document as written in `bots.d/`, before its profile is merged in.
public struct BotSpec: Sendable {
    public var name: String
    public var labels: [String: String]
    public var file: String
    public var mark: SourceMark
    public var profile: Located<String>
    public var venue: VenueSpec
    public var market: Market
    public var strategy: StrategySpec
    public var capital: Capital
    /// `spec.risk` and `spec.runtime` fields that override the profile.
    public var overrides: [SettingKey: Located<SettingValue>]
    public var deploy: DeploySpec
    /// Where each field was written, by field path (`spec.strategy.params.fast`), for later checks.
    public var marks: [String: SourceMark]
}

/// One `kind: Profile` document from `profiles/`.
public struct ProfileSpec: Sendable {
    public var name: String
    public var description: String
    public var file: String
    public var mark: SourceMark
    public var settings: [SettingKey: Located<SettingValue>]
}

/// Where a bot's orders go: `spec.venue`.
public struct VenueSpec: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Simulated fills in the process (the default): no money moves.
        case paper
        /// Binance Spot through a `kind: Account` of venue binance.
        case binance
        /// Coinbase Advanced Trade through a `kind: Account` of venue coinbase.
        case coinbase

        /// Whether orders leave the process for an exchange.
        public var isExchange: Bool { self != .paper }
    }
    public var kind: Kind
    /// The account the bot's capital is allocated from: for an exchange, the name of a
    /// `kind: Account` in `accounts/`; for paper, a name that keeps paper ledgers apart.
    public var account: String
    /// From the account (resolution fills these in; nil for paper): whether the account trades
    /// play or real money, and its endpoint when not the venue's published one. Part of the
    /// bot's content, so turning an account live shows in the plan of every bot on it.
    public var mode: AccountMode?
    public var endpoint: String?
    /// The account's credential references by role (`apiKey: env:X`; never a value), so a
    /// changed key shows in the plan — as an update in place, not a new revision — and the
    /// engine connects with what was applied, not with what the files say now.
    public var credentials: [String: String]?

    public init(kind: Kind = .paper, account: String = "main", mode: AccountMode? = nil, endpoint: String? = nil,
                credentials: [String: String]? = nil) {
        self.kind = kind
        self.account = account
        self.mode = mode
        self.endpoint = endpoint
        self.credentials = credentials
    }

    /// Whether the bot's orders move real money.
    public var tradesRealMoney: Bool { kind.isExchange && mode == .live }
}

public struct Market: Sendable, Hashable, Codable {
    /// One instance per symbol; several symbols make a fan-out bot (see the rolling strategy).
    public var symbols: [String]
    public var interval: TimeSpan
    public var source: MarketSource

    public init(symbols: [String], interval: TimeSpan, source: MarketSource) {
        self.symbols = symbols
        self.interval = interval
        self.source = source
    }

    public static let symbolPattern = "^[A-Z0-9]{2,12}-[A-Z0-9]{2,12}$"

    /// `symbolPattern`, checked without a regular expression.
    public static func isSymbol(_ text: String) -> Bool {
        let parts = text.utf8.split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return parts.allSatisfy { part in
            (2...12).contains(part.count) && part.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) }
        }
    }
}

public struct MarketSource: Sendable, Hashable, Codable {
    public enum Feed: Sendable, Hashable, Codable {
        /// CSV candles, a bundled data set or a path relative to the spec file. `{symbol}`, `{base}`
        /// and `{quote}` in the name are replaced per instance.
        case replay(file: String)
        /// Seeded geometric Brownian motion, reproducible.
        case synthetic(seed: Int64, startPrice: Decimal, volatilityPct: Decimal, driftPct: Decimal)
        /// Candles from a real exchange as they close (history backfilled for the warm-up), one
        /// feed per (venue, symbol, interval) shared by the fleet. `account` names the venue
        /// account whose endpoint is used (nil: the venue's public endpoint).
        case live(venue: LiveVenue, account: String?)
    }
    /// The exchanges a live source reads candles from.
    public enum LiveVenue: String, Sendable, Hashable, Codable, CaseIterable {
        case binance
        case coinbase
    }
    /// Candle lengths both live venues serve, in seconds (1m 5m 15m 30m 1h 2h 6h 1d).
    public static let liveIntervalSeconds: [Int64] = [60, 300, 900, 1800, 3600, 7200, 21600, 86400]

    public var feed: Feed
    /// Replay speed factor: 600 plays a 5-minute candle every half second.
    public var speed: Decimal

    public init(feed: Feed, speed: Decimal) {
        self.feed = feed
        self.speed = speed
    }

    /// True for candles from a real venue (paced by the market, not by `speed`).
    public var isLive: Bool {
        if case .live = feed { return true }
        return false
    }

    public static let defaultSynthetic = MarketSource(
        feed: .synthetic(seed: 1, startPrice: 100, volatilityPct: 1, driftPct: 0), speed: 1)

    /// The candle file an instance on `symbol` replays (`{symbol}`, `{base}`, `{quote}` filled in),
    /// or nil for a synthetic or live feed.
    public func replayFile(for symbol: String) -> String? {
        guard case .replay(let pattern) = feed else { return nil }
        let parts = symbol.split(separator: "-").map(String.init)
        return pattern.replacingOccurrences(of: "{symbol}", with: symbol).replacingOccurrences(of: "{base}", with: parts.first ?? "")
            .replacingOccurrences(of: "{quote}", with: parts.count > 1 ? parts[1] : "")
    }
}

/// Checks that the candles a bot replays can be read: the trading side knows where candle files
/// live (the project directory, the bundled sets) and what their header is. `validate`, `plan`
/// and the API ask it, so an edit that names a missing or foreign file is refused with
/// `file:line:column` before anything runs.
public protocol ReplaySourceCheck: Sendable {
    /// Why `file` (a replay name with {symbol}, {base} and {quote} filled in) can't be replayed, or nil.
    func problem(replaying file: String) -> String?
}

public struct StrategySpec: Sendable, Hashable, Codable {
    public var kind: StrategyKind
    /// Every parameter of the kind; resolution fills in the defaults.
    public var params: [String: Decimal]
    /// Spot venues cannot short: a long-only bot turns SHORT decisions into CLOSE.
    public var longOnly: Bool
    /// `kind: llm`'s text parameters (endpoint, model, prompt, timeout, apiKey); nil for every other kind.
    public var llm: LLMStrategySpec?

    public init(kind: StrategyKind, params: [String: Decimal], longOnly: Bool = true, llm: LLMStrategySpec? = nil) {
        self.kind = kind
        self.params = params
        self.longOnly = longOnly
        self.llm = llm
    }
}

public struct Capital: Sendable, Hashable, Codable {
    /// Capital allocated to the bot, in the quote currency. Exact.
    public var quote: Decimal

    public init(quote: Decimal) { self.quote = quote }
}

extension ProfileSpec {
    /// Every risk and runtime setting by path, the profile's own value or the default: what
    /// `profile show` and `GET /api/v1/profiles/{name}` print.
    public var resolvedSettings: [String: String] {
        var out: [String: String] = [:]
        for key in SettingKey.allCases { out[key.path] = (settings[key]?.value ?? key.defaultValue).description }
        return out
    }
}
