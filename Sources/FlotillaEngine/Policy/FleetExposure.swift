import FlotillaSpec
import FlotillaTrading
import Foundation

/// The fleet as one book for the rules across bots (`fleet-policy.yaml`): what every live
/// instance holds — its position, marked at its last close, and its equity — kept with running
/// sums per scope, so an order is checked against every rule in a few lookups, not a scan of the
/// fleet. Pure: the fleet shares one behind a lock (`FleetBook`).
///
/// Notional and equity are in a symbol's quote currency and only ever summed within one quote:
/// an asset rule on BTC counts the BTC-USDT bots against a BTC-USDT order and the BTC-EUR bots
/// against a BTC-EUR one.
public struct FleetExposure: Sendable {
    /// One instance's part.
    public struct Holding: Sendable, Equatable {
        public var bot: String
        /// `kind/account`, e.g. `paper/main`, `binance/bn-test`.
        public var account: String
        public var symbol: Symbol
        /// Signed base quantity.
        public var position: Fixed
        /// |position| × the last close.
        public var notional: Fixed
        public var equity: Fixed

        public init(bot: String, account: String, symbol: Symbol, position: Fixed, mark: Fixed, equity: Fixed) {
            self.bot = bot
            self.account = account
            self.symbol = symbol
            self.position = position
            self.notional = position.magnitude.multiplied(by: mark)
            self.equity = equity
        }
    }

    /// An order asking to add to a position.
    public struct Entry: Sendable {
        public var instance: String
        public var side: Side
        /// Quote currency the order adds to the position's notional.
        public var notional: Fixed
        /// Base it adds (at the mark, for an order sized in quote).
        public var quantity: Fixed

        public init(instance: String, side: Side, notional: Fixed, quantity: Fixed) {
            self.instance = instance
            self.side = side
            self.notional = notional
            self.quantity = quantity
        }
    }

    /// Why an entry is refused, or the warning it carries (conflicts under `warn`).
    public struct Verdict: Sendable, Equatable {
        public var refusal: String?
        public var warning: String?
    }

    /// Scopes of the running sums: (account or "*" fleet-wide, symbol or asset, quote).
    struct Scope: Hashable {
        var account: String
        var subject: String
        var quote: String
    }

    public private(set) var policy: FleetPolicySpec
    private var limits: [(rule: FleetPolicySpec.ExposureRule, notional: Fixed?, pct: Fixed?, quantity: Fixed?)] = []
    /// The limits that apply to a symbol (its own and its base asset's), by symbol — built as
    /// symbols are first seen, so a check reads only its own rules.
    private var limitsBySymbol: [String: [Int]] = [:]
    private var concentration: Fixed?
    private var holdings: [String: Holding] = [:]
    private var notional: [Scope: Fixed] = [:]
    private var equity: [Scope: Fixed] = [:]
    /// Per (account or "*", asset): Σ |position| across the asset's symbols, any quote.
    private var quantity: [Scope: Fixed] = [:]
    /// Per (account, symbol): the bots holding a long, and a short, position — with how many of
    /// their instances do.
    private var longs: [Scope: [String: Int]] = [:]
    private var shorts: [Scope: [String: Int]] = [:]

    /// Throws when a limit is not exact money (the loader already refuses such files).
    public init(policy: FleetPolicySpec) throws(MoneyConversionError) {
        self.policy = policy
        try setPolicy(policy)
    }

    public mutating func setPolicy(_ policy: FleetPolicySpec) throws(MoneyConversionError) {
        var limits: [(rule: FleetPolicySpec.ExposureRule, notional: Fixed?, pct: Fixed?, quantity: Fixed?)] = []
        for rule in policy.exposure {
            var notional: Fixed?, pct: Fixed?, quantity: Fixed?
            if let d = rule.maxQuantity { quantity = try TradingBridge.money(d, "\(rule.path).maxQuantity") }
            if let d = rule.maxNotional { notional = try TradingBridge.money(d, "\(rule.path).maxNotional") }
            if let d = rule.maxPctOfEquity { pct = try TradingBridge.money(d, "\(rule.path).maxPctOfEquity") }
            limits.append((rule, notional, pct, quantity))
        }
        self.limits = limits
        limitsBySymbol = [:]
        for symbol in Set(holdings.values.map(\.symbol)) { limitsBySymbol[symbol.description] = Self.applicable(limits.map(\.rule), to: symbol) }
        concentration = nil
        if let d = policy.maxSymbolPctOfEquity { concentration = try TradingBridge.money(d, "spec.concentration.maxSymbolPctOfEquity") }
        self.policy = policy
    }

    public var count: Int { holdings.count }

    static func applicable(_ rules: [FleetPolicySpec.ExposureRule], to symbol: Symbol) -> [Int] {
        rules.indices.filter {
            switch rules[$0].subject {
            case .symbol(let s): s == symbol.description
            case .asset(let a): a == symbol.base
            }
        }
    }

    /// Sets (or, with nil, removes) an instance's part, updating the sums.
    public mutating func update(_ instance: String, _ holding: Holding?) {
        if let old = holdings[instance] { add(old, sign: -1) }
        holdings[instance] = holding
        if let holding {
            add(holding, sign: 1)
            if limitsBySymbol[holding.symbol.description] == nil {
                limitsBySymbol[holding.symbol.description] = Self.applicable(limits.map(\.rule), to: holding.symbol)
            }
        }
    }

    private mutating func add(_ h: Holding, sign: Int64) {
        let n = sign < 0 ? -h.notional : h.notional
        let e = sign < 0 ? -h.equity : h.equity
        for scope in Self.scopes(account: h.account, symbol: h.symbol) {
            notional[scope, default: .zero] += n
            equity[scope, default: .zero] += e
        }
        for scope in Self.quantityScopes(account: h.account, base: h.symbol.base) {
            quantity[scope, default: .zero] += sign < 0 ? -h.position.magnitude : h.position.magnitude
        }
        guard !h.position.isZero else { return }
        let key = Scope(account: h.account, subject: h.symbol.description, quote: h.symbol.quote)
        let count = (h.position.isNegative ? shorts : longs)[key]?[h.bot] ?? 0
        let next = count + Int(sign)
        if h.position.isNegative { shorts[key, default: [:]][h.bot] = next > 0 ? next : nil } else { longs[key, default: [:]][h.bot] = next > 0 ? next : nil }
    }

    /// The sums a holding is part of: its symbol and its base asset, on its account and
    /// fleet-wide, and its account's whole book in the quote (`*`).
    static func scopes(account: String, symbol: Symbol) -> [Scope] {
        let s = symbol.description, q = symbol.quote, b = "asset:" + symbol.base
        return [Scope(account: account, subject: s, quote: q), Scope(account: "*", subject: s, quote: q),
                Scope(account: account, subject: b, quote: q), Scope(account: "*", subject: b, quote: q),
                Scope(account: account, subject: "*", quote: q)]
    }

    static func quantityScopes(account: String, base: String) -> [Scope] {
        [Scope(account: account, subject: "qty:" + base, quote: ""), Scope(account: "*", subject: "qty:" + base, quote: "")]
    }

    /// Whether `entry` may add to its instance's position under the policy: the first rule it
    /// would break, naming the bots that hold the exposure.
    public func check(_ entry: Entry) -> Verdict {
        guard let own = holdings[entry.instance] else { return Verdict() }
        let symbol = own.symbol
        let accountName = Self.accountName(own.account)
        var verdict = Verdict()
        // Conflicting positions: another bot on the account holds the other side.
        let key = Scope(account: own.account, subject: symbol.description, quote: symbol.quote)
        if policy.conflicts != .allow, let others = (entry.side == .buy ? shorts : longs)[key], others.keys.contains(where: { $0 != own.bot }) {
            let opposite = holdings.values.filter {
                $0.bot != own.bot && $0.account == own.account && $0.symbol == symbol && !$0.position.isZero
                    && $0.position.isNegative == (entry.side == .buy)
            }
            if !opposite.isEmpty {
                let side = entry.side == .buy ? "long" : "short"
                let them = Self.holders(opposite)
                let text = "conflicting positions on \(symbol) (account \(accountName)): this order goes \(side) while \(them) hold\(opposite.count == 1 ? "s" : "") the other side"
                if policy.conflicts == .block { return Verdict(refusal: "fleet policy: \(text) (spec.conflicts: block)") }
                verdict.warning = text
            }
        }
        for index in limitsBySymbol[symbol.description] ?? [] {
            let limit = limits[index]
            let subject: String
            switch limit.rule.subject {
            case .symbol(let s): subject = s
            case .asset(let a): subject = "asset:" + a
            }
            if let account = limit.rule.account, account != accountName { continue }
            let scopeAccount = limit.rule.account == nil ? "*" : own.account
            let place = limit.rule.account.map { "on account \($0)" } ?? "fleet-wide"
            if let max = limit.quantity {
                let scope = Scope(account: scopeAccount, subject: "qty:" + symbol.base, quote: "")
                let after = (quantity[scope] ?? .zero) + entry.quantity
                if after > max {
                    let held = Self.holders(holdings.values.filter {
                        $0.symbol.base == symbol.base && (scopeAccount == "*" || $0.account == own.account) && !$0.position.isZero
                    }, quantity: true)
                    return Verdict(refusal: "fleet policy: \(symbol.base) held \(place) would be \(after), over its limit \(max) (\(policy.file) \(limit.rule.path).maxQuantity); held by \(held)")
                }
            }
            let scope = Scope(account: scopeAccount, subject: subject, quote: symbol.quote)
            let after = (notional[scope] ?? .zero) + entry.notional
            let held = { Self.holders(holdings.values.filter { Self.scopes(account: $0.account, symbol: $0.symbol).contains(scope) && !$0.notional.isZero }) }
            if let max = limit.notional, after > max {
                return Verdict(refusal: "fleet policy: exposure to \(limit.rule.subject) \(place) would be \(after) \(symbol.quote), over its limit \(max) (\(policy.file) \(limit.rule.path).maxNotional); held by \(held())")
            }
            if let pct = limit.pct {
                let cap = (equity[scope] ?? .zero).multiplied(by: pct).divided(by: 100)
                if after > cap {
                    return Verdict(refusal: "fleet policy: exposure to \(limit.rule.subject) \(place) would be \(after) \(symbol.quote), over \(pct)% of the bots' equity \(equity[scope] ?? .zero) (\(policy.file) \(limit.rule.path).maxPctOfEquity); held by \(held())")
                }
            }
        }
        if let pct = concentration {
            let scope = Scope(account: own.account, subject: symbol.description, quote: symbol.quote)
            let accountEquity = equity[Scope(account: own.account, subject: "*", quote: symbol.quote)] ?? .zero
            let after = (notional[scope] ?? .zero) + entry.notional
            if after > accountEquity.multiplied(by: pct).divided(by: 100) {
                return Verdict(refusal: "fleet policy: \(symbol) would take \(after) \(symbol.quote) of account \(accountName)'s equity \(accountEquity), over the \(pct)% one symbol may (\(policy.file) spec.concentration.maxSymbolPctOfEquity)")
            }
        }
        return verdict
    }

    static func accountName(_ key: String) -> String { key.split(separator: "/", maxSplits: 1).last.map(String.init) ?? key }

    /// `eth-a 1200 USDT, eth-b 800 USDT` — each bot once, largest first.
    static func holders(_ holdings: [Holding], quantity: Bool = false) -> String {
        var byBot: [String: Fixed] = [:]
        var quote = ""
        for h in holdings {
            byBot[h.bot, default: .zero] += quantity ? h.position.magnitude : h.notional
            quote = quantity ? h.symbol.base : h.symbol.quote
        }
        let ranked = byBot.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        var text = ranked.prefix(5).map { "\($0.key) \($0.value) \(quote)" }.joined(separator: ", ")
        if ranked.count > 5 { text += " and \(ranked.count - 5) more" }
        return text.isEmpty ? "no bot yet" : text
    }
}
