import Crypto
import Foundation

/// Where a resolved setting's value came from.
public enum SettingSource: Sendable, Hashable, Codable, CustomStringConvertible {
    case builtInDefault
    case profile(String)
    case spec

    public var description: String {
        switch self {
        case .builtInDefault: return "default"
        case .profile(let name): return "profile \(name)"
        case .spec: return "spec"
        }
    }
}

/// A bot spec with its profile merged in (defaults ← profile ← spec): everything an instance needs,
/// and the unit the planner compares, the store records and a revision freezes.
public struct ResolvedBot: Sendable, Hashable, Codable {
    public var name: String
    public var labels: [String: String]
    public var profile: String
    public var venue: Venue
    public var market: Market
    public var strategy: StrategySpec
    public var capital: Capital
    public var settings: [SettingKey: SettingValue]
    public var sources: [SettingKey: SettingSource]
    public var deploy: DeploySpec
    /// The file the spec was read from (not part of its content).
    public var file: String

    public init(
        name: String, labels: [String: String], profile: String, venue: Venue, market: Market, strategy: StrategySpec,
        capital: Capital, settings: [SettingKey: SettingValue], sources: [SettingKey: SettingSource], deploy: DeploySpec,
        file: String
    ) {
        self.name = name
        self.labels = labels
        self.profile = profile
        self.venue = venue
        self.market = market
        self.strategy = strategy
        self.capital = capital
        self.settings = settings
        self.sources = sources
        self.deploy = deploy
        self.file = file
    }

    public func setting(_ key: SettingKey) -> SettingValue { settings[key] ?? key.defaultValue }
    public func number(_ key: SettingKey) -> Decimal { setting(key).number ?? 0 }
    public func timeSpan(_ key: SettingKey) -> TimeSpan { setting(key).timeSpan ?? .seconds(0) }

    /// The canonical, ordered field list: what diffs show and hashes cover.
    public var fields: [SpecField] {
        var out: [SpecField] = []
        out.reserveCapacity(64)
        func add(_ path: String, _ value: String) { out.append(SpecField(path: path, value: value)) }
        for key in labels.keys.sorted() { add("metadata.labels.\(key)", labels[key]!) }
        add("spec.profile", profile)
        add("spec.venue.kind", venue.kind.rawValue)
        add("spec.venue.account", venue.account)
        add("spec.market.symbols", market.symbols.joined(separator: ","))
        add("spec.market.interval", market.interval.description)
        switch market.source.feed {
        case .replay(let file): add("spec.market.source.replay", file)
        case .synthetic(let seed, let start, let vol, let drift):
            add("spec.market.source.synthetic.seed", String(seed))
            add("spec.market.source.synthetic.startPrice", start.canonicalText)
            add("spec.market.source.synthetic.volatilityPct", vol.canonicalText)
            add("spec.market.source.synthetic.driftPct", drift.canonicalText)
        }
        add("spec.market.source.speed", market.source.speed.canonicalText)
        add("spec.strategy.kind", strategy.kind.rawValue)
        add("spec.strategy.longOnly", String(strategy.longOnly))
        for parameter in strategy.kind.parameters {
            add("spec.strategy.params.\(parameter.name)", (strategy.params[parameter.name] ?? parameter.defaultValue).canonicalText)
        }
        add("spec.capital.quote", capital.quote.canonicalText)
        for key in SettingKey.allCases { add("spec.\(key.path)", setting(key).description) }
        add("spec.deploy.strategy", deploy.strategy.name.rawValue)
        switch deploy.strategy {
        case .immediate: break
        case .staged(let stages):
            for (i, s) in stages.enumerated() {
                add("spec.deploy.staged.stages[\(i)]", "\(s.name.rawValue) duration=\(s.duration?.description ?? "-") analysis=\(s.analysis ?? "-")")
            }
        case .canary(let steps):
            for (i, s) in steps.enumerated() { add("spec.deploy.canary.steps[\(i)]", s.description) }
        case .blueGreen(let b):
            add("spec.deploy.blueGreen.previewDuration", b.previewDuration.description)
            add("spec.deploy.blueGreen.prePromotionAnalysis", b.prePromotionAnalysis ?? "-")
            add("spec.deploy.blueGreen.postPromotionAnalysis", b.postPromotionAnalysis ?? "-")
            add("spec.deploy.blueGreen.autoPromote", String(b.autoPromote))
            add("spec.deploy.blueGreen.scaleDownDelay", b.scaleDownDelay.description)
        case .rolling(let r):
            add("spec.deploy.rolling.maxUnavailable", String(r.maxUnavailable))
            add("spec.deploy.rolling.maxSurge", String(r.maxSurge))
            add("spec.deploy.rolling.minHealthyTime", r.minHealthyTime.description)
        }
        add("spec.deploy.progressDeadline", deploy.progressDeadline.description)
        add("spec.deploy.autoRollback", String(deploy.autoRollback))
        add("spec.deploy.revisionHistoryLimit", String(deploy.revisionHistoryLimit))
        for name in deploy.analysisTemplates.keys.sorted() {
            let t = deploy.analysisTemplates[name]!
            let checks = t.checks.map { c in
                "\(c.metric.rawValue)\(c.relativeToStable ? "(vs stable)" : "") min=\(c.min?.canonicalText ?? "-") max=\(c.max?.canonicalText ?? "-")"
            }
            add("spec.deploy.analysisTemplates.\(name)", "minTrades=\(t.minTrades) " + checks.joined(separator: "; "))
        }
        return out
    }

    /// Content hash of every field: changes whenever the plan would show a difference.
    public var specHash: String { Self.hash(fields) }

    /// Content hash of the fields that need a new revision: what a revision is numbered by.
    public var revisionHash: String { Self.hash(fields.filter { FieldClass.of($0.path) == .replace }) }

    static func hash(_ fields: [SpecField]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fields.count * 48)
        for field in fields {
            bytes.append(contentsOf: field.path.utf8)
            bytes.append(0x3D)  // =
            bytes.append(contentsOf: field.value.utf8)
            bytes.append(0x0A)  // newline
        }
        return Hex.string(SHA256.hash(data: bytes))
    }
}

enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    static func string(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// One leaf of a resolved spec: `spec.strategy.params.fast = 10`.
public struct SpecField: Sendable, Hashable, Codable {
    public var path: String
    public var value: String
}

/// Whether a running instance can take a change to a field without a new revision.
///
/// - `inPlace`: labels, the profile's name, capital allocation, replay speed and the deploy settings.
///   They say how the bot is supervised, funded and rolled out, not how it decides: the running
///   instance takes them as they are (capital is re-allocated by the resource manager; deploy settings
///   govern the *next* rollout).
/// - `replace`: venue, market, strategy, risk and runtime settings. They change what the bot does
///   with money, so they make a new revision that the bot's deploy strategy rolls out, with its
///   analysis gates and automatic rollback; `rollout undo` can bring them back.
public enum FieldClass: String, Sendable, Codable {
    case inPlace = "update"
    case replace

    public static func of(_ path: String) -> FieldClass {
        if path.hasPrefix("metadata.") || path == "spec.profile" || path.hasPrefix("spec.capital.")
            || path == "spec.market.source.speed" || path.hasPrefix("spec.deploy.")
        {
            return .inPlace
        }
        return .replace
    }
}

extension SettingKey: CodingKeyRepresentable {}
