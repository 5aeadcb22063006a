import FlotillaSpec
import Foundation

/// The difference between desired (files) and actual (state store): per bot create, update in
/// place, replace (new revision), delete, or nothing; with field diffs and the risk delta.
///
/// A plan is a value: `Planner.plan` computes it purely; `PlanText` and the JSON encoding show it;
/// saved to a file it is what `flotilla apply FILE` applies exactly. Its JSON shape is documented
/// in docs/plan-json.md and versioned by `formatVersion`.
public struct Plan: Sendable, Codable {
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    /// The state serial the plan was made against; apply refuses the plan when it moved.
    public var stateSerial: Int
    /// Hash of every input file read, by path; apply refuses the plan when any changed.
    public var inputs: [String: String]
    public var options: PlanOptions
    /// Bots that change, sorted by name.
    public var changes: [BotChange]
    /// In the state but no longer in the files; deleted only with `prune`.
    public var orphans: [String]
    /// Bots in scope that need nothing.
    public var unchanged: Int
    public var risk: RiskDelta

    public init(
        formatVersion: Int = Plan.currentFormatVersion, stateSerial: Int, inputs: [String: String], options: PlanOptions,
        changes: [BotChange], orphans: [String], unchanged: Int, risk: RiskDelta
    ) {
        self.formatVersion = formatVersion
        self.stateSerial = stateSerial
        self.inputs = inputs
        self.options = options
        self.changes = changes
        self.orphans = orphans
        self.unchanged = unchanged
        self.risk = risk
    }

    public var summary: Summary {
        var s = Summary()
        for change in changes {
            switch change.action {
            case .create: s.add += 1
            case .update: s.change += 1
            case .replace: s.replace += 1
            case .delete: s.delete += 1
            }
        }
        return s
    }

    public var hasChanges: Bool { !changes.isEmpty }

    private enum DerivedKeys: String, CodingKey { case realMoney }

    /// The stored fields, and `realMoney` (`realMoneyBots`) for programs reading `plan --json`;
    /// decoding reads the stored fields only.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(formatVersion, forKey: .formatVersion)
        try c.encode(stateSerial, forKey: .stateSerial)
        try c.encode(inputs, forKey: .inputs)
        try c.encode(options, forKey: .options)
        try c.encode(changes, forKey: .changes)
        try c.encode(orphans, forKey: .orphans)
        try c.encode(unchanged, forKey: .unchanged)
        try c.encode(risk, forKey: .risk)
        var derived = encoder.container(keyedBy: DerivedKeys.self)
        try derived.encode(realMoneyBots, forKey: .realMoney)
    }

    /// The bots this plan creates or changes that will trade real money (an exchange account in
    /// mode live): plan text names them, apply shows them again before it asks.
    public var realMoneyBots: [String] {
        changes.compactMap { $0.desired?.venue.tradesRealMoney == true ? $0.name : nil }
    }

    public struct Summary: Sendable, Codable, Equatable {
        public var add = 0
        public var change = 0
        public var replace = 0
        public var delete = 0

        public init(add: Int = 0, change: Int = 0, replace: Int = 0, delete: Int = 0) {
            self.add = add
            self.change = change
            self.replace = replace
            self.delete = delete
        }
    }
}

public struct PlanOptions: Sendable, Codable, Equatable {
    /// Delete bots that are in the state but not in the files.
    public var prune: Bool
    /// `-l key=value`: only bots whose labels match all of these.
    public var selector: [String: String]
    /// `--target NAME`: only these bots (empty: all).
    public var targets: [String]

    public init(prune: Bool = false, selector: [String: String] = [:], targets: [String] = []) {
        self.prune = prune
        self.selector = selector
        self.targets = targets
    }

    func includes(name: String, labels: [String: String]?) -> Bool {
        if !targets.isEmpty && !targets.contains(name) { return false }
        guard !selector.isEmpty else { return true }
        guard let labels else { return false }
        return selector.allSatisfy { labels[$0.key] == $0.value }
    }
}

public struct BotChange: Sendable, Codable {
    public enum Action: String, Sendable, Codable {
        case create
        /// in place, no new revision
        case update
        /// a new revision, rolled out by the deploy strategy
        case replace
        case delete
    }

    public var name: String
    public var action: Action
    /// The deploy strategy that will carry the change (the new spec's; the old one's for a delete).
    public var deployStrategy: String
    public var fields: [FieldDiff]
    /// Current revision (nil when created) and the one after apply (nil when deleted).
    public var revisionBefore: Int?
    public var revisionAfter: Int?
    /// Hashes the change was computed from; apply checks them again.
    public var specHashBefore: String?
    public var specHashAfter: String?
    /// The resolved spec to record (nil for a delete).
    public var desired: ResolvedBot?
}

public struct FieldDiff: Sendable, Codable, Equatable {
    public var path: String
    public var old: String?
    public var new: String?
    /// `replace` when this field alone forces a new revision.
    public var forces: FieldClass

    public init(path: String, old: String?, new: String?, forces: FieldClass) {
        self.path = path
        self.old = old
        self.new = new
        self.forces = forces
    }
}

struct AllocationKey: Hashable {
    var account: String
    var asset: String
}

/// Fleet totals before and after the plan: what the change does to risk.
public struct RiskDelta: Sendable, Codable, Equatable {
    public struct Totals: Sendable, Codable, Equatable {
        /// Sum of allocated capital (quote currency).
        public var capital: Decimal = 0
        /// Sum of capital × maxPositionPct × maxLeverage: the most the fleet can hold at once.
        public var maxExposure: Decimal = 0
        /// Sum of capital × the calendar loss limits: the most the fleet may lose before entries stop.
        public var dailyLossLimit: Decimal = 0
        public var weeklyLossLimit: Decimal = 0
        public var monthlyLossLimit: Decimal = 0

        public init() {}
    }

    /// Running sums in percent units; divided by 100 once, when the plan is made (Decimal
    /// division is the slow operation).
    struct Accumulator {
        var capital: Decimal = 0
        var exposure: Decimal = 0
        var daily: Decimal = 0
        var weekly: Decimal = 0
        var monthly: Decimal = 0

        /// Allocation by account and asset (`AllocationKey`), for bots on declared accounts.
        var allocations: [AllocationKey: Decimal] = [:]

        mutating func add(_ bot: ResolvedBot, accounts: [String: AccountSpec]) {
            if !accounts.isEmpty, let account = AllocationCheck.account(of: (bot.venue.kind, bot.venue.account), in: accounts),
               let asset = AllocationCheck.capitalAsset(symbols: bot.market.symbols)
            {
                allocations[AllocationKey(account: account.name, asset: asset), default: 0] += bot.capital.quote
            }
            let c = bot.capital.quote
            capital += c
            exposure += c * bot.number(.maxPositionPct) * bot.number(.maxLeverage)
            daily += c * bot.number(.dailyLossLimitPct)
            weekly += c * bot.number(.weeklyLossLimitPct)
            monthly += c * bot.number(.monthlyLossLimitPct)
        }

        var totals: Totals {
            var t = Totals()
            t.capital = capital
            t.maxExposure = exposure / 100
            t.dailyLossLimit = daily / 100
            t.weeklyLossLimit = weekly / 100
            t.monthlyLossLimit = monthly / 100
            return t
        }
    }

    public var before = Totals()
    public var after = Totals()
    /// Each declared account's allocation before → after, by asset; nil when `accounts/`
    /// declares none its bots are on.
    public var accounts: [AccountAllocation]?
    /// Rules of `fleet-policy.yaml` the bots' allocations alone could breach (each bot at its
    /// profile's largest position), one line each; nil when none.
    public var policyWarnings: [String]?

    public init() {}

    /// Every declared account with bots on it before or after, sorted by account and asset.
    static func allocations(before: Accumulator, after: Accumulator, accounts: [String: AccountSpec]) -> [AccountAllocation]? {
        let keys = Set(before.allocations.keys).union(after.allocations.keys)
        guard !keys.isEmpty else { return nil }
        return keys.sorted { ($0.account, $0.asset) < ($1.account, $1.asset) }.map { key in
            let account = accounts[key.account]
            return AccountAllocation(
                account: key.account, venue: account?.venue.rawValue ?? "", asset: key.asset,
                balance: account.flatMap { $0.balance.isEmpty ? nil : ($0.balance[key.asset] ?? 0) },
                before: before.allocations[key] ?? 0, after: after.allocations[key] ?? 0)
        }
    }
}

/// What the bots on one account are allocated of one asset, before and after a plan, against
/// what the account holds (`balance`, when declared).
public struct AccountAllocation: Sendable, Codable, Equatable {
    public var account: String
    /// `paper`, `binance`, `coinbase`.
    public var venue: String
    public var asset: String
    public var balance: Decimal?
    public var before: Decimal
    public var after: Decimal

    public init(account: String, venue: String, asset: String, balance: Decimal?, before: Decimal, after: Decimal) {
        self.account = account
        self.venue = venue
        self.asset = asset
        self.balance = balance
        self.before = before
        self.after = after
    }

    /// Whether the bots are allocated more than the account holds.
    public var overAllocated: Bool { balance.map { after > $0 } ?? false }
}
