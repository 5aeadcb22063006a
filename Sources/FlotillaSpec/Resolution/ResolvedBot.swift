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
    public let name: String
    public let labels: [String: String]
    public let profile: String
    public let venue: VenueSpec
    public let market: Market
    public let strategy: StrategySpec
    public let capital: Capital
    public let settings: [SettingKey: SettingValue]
    public let sources: [SettingKey: SettingSource]
    public let deploy: DeploySpec
    /// The file the spec was read from (not part of its content).
    public let file: String

    /// Content hash of every field: changes whenever the plan would show a difference.
    public let specHash: String
    /// Content hash of the fields that need a new revision: what a revision is numbered by.
    public let revisionHash: String

    public init(
        name: String, labels: [String: String], profile: String, venue: VenueSpec, market: Market, strategy: StrategySpec,
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
        // Hashed once here: a resolved spec is immutable, and planning compares hashes many times.
        // The canonical text goes straight into two buffers, without building the field list.
        var all: [UInt8] = []
        var revision: [UInt8] = []
        all.reserveCapacity(2048)
        revision.reserveCapacity(1536)
        Self.visitFields(
            name: name, labels: labels, profile: profile, venue: venue, market: market, strategy: strategy,
            capital: capital, settings: settings, deploy: deploy
        ) { path, value, kind in
            Self.appendLine(path, value, to: &all)
            if kind == .replace { Self.appendLine(path, value, to: &revision) }
        }
        self.specHash = Hex.string(SHA256.hash(data: all))
        self.revisionHash = Hex.string(SHA256.hash(data: revision))
    }

    enum CodingKeys: String, CodingKey {
        case name, labels, profile, venue, market, strategy, capital, settings, sources, deploy, file
    }

    /// Decoding recomputes the hashes from the content, so a stored or saved spec can't claim a
    /// hash it doesn't have.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try c.decode(String.self, forKey: .name), labels: try c.decode([String: String].self, forKey: .labels),
            profile: try c.decode(String.self, forKey: .profile), venue: try c.decode(VenueSpec.self, forKey: .venue),
            market: try c.decode(Market.self, forKey: .market), strategy: try c.decode(StrategySpec.self, forKey: .strategy),
            capital: try c.decode(Capital.self, forKey: .capital),
            settings: try c.decode([SettingKey: SettingValue].self, forKey: .settings),
            sources: try c.decode([SettingKey: SettingSource].self, forKey: .sources),
            deploy: try c.decode(DeploySpec.self, forKey: .deploy), file: try c.decode(String.self, forKey: .file))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(labels, forKey: .labels)
        try c.encode(profile, forKey: .profile)
        try c.encode(venue, forKey: .venue)
        try c.encode(market, forKey: .market)
        try c.encode(strategy, forKey: .strategy)
        try c.encode(capital, forKey: .capital)
        try c.encode(settings, forKey: .settings)
        try c.encode(sources, forKey: .sources)
        try c.encode(deploy, forKey: .deploy)
        try c.encode(file, forKey: .file)
    }

    public func setting(_ key: SettingKey) -> SettingValue { settings[key] ?? key.defaultValue }
    public func number(_ key: SettingKey) -> Decimal { setting(key).number ?? 0 }
    public func timeSpan(_ key: SettingKey) -> TimeSpan { setting(key).timeSpan ?? .seconds(0) }

    /// The canonical, ordered field list: what diffs show and hashes cover.
    public var fields: [SpecField] {
        var out: [SpecField] = []
        out.reserveCapacity(72)
        Self.visitFields(
            name: name, labels: labels, profile: profile, venue: venue, market: market, strategy: strategy,
            capital: capital, settings: settings, deploy: deploy
        ) { out.append(SpecField(path: $0, value: $1, kind: $2)) }
        return out
    }

    private static func appendLine(_ path: String, _ value: String, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: path.utf8)
        bytes.append(0x3D)  // =
        bytes.append(contentsOf: value.utf8)
        bytes.append(0x0A)  // newline
    }

    private static let settingPaths: [(SettingKey, String)] = SettingKey.allCases.map { ($0, "spec.\($0.path)") }

    static func visitFields(
        name: String, labels: [String: String], profile: String, venue: VenueSpec, market: Market, strategy: StrategySpec,
        capital: Capital, settings: [SettingKey: SettingValue], deploy: DeploySpec,
        _ visit: (String, String, FieldClass) -> Void
    ) {
        func setting(_ key: SettingKey) -> SettingValue { settings[key] ?? key.defaultValue }
        func add(_ path: String, _ value: String, _ kind: FieldClass = .replace) { visit(path, value, kind) }
        for key in labels.keys.sorted() { add("metadata.labels.\(key)", labels[key]!, .inPlace) }
        add("spec.profile", profile, .inPlace)
        add("spec.venue.kind", venue.kind.rawValue)
        add("spec.venue.account", venue.account)
        // From the account; only exchange bots have them, so a paper bot's content is unchanged.
        if let mode = venue.mode { add("spec.venue.mode", mode.rawValue) }
        if let endpoint = venue.endpoint { add("spec.venue.endpoint", endpoint) }
        if let credentials = venue.credentials {
            add("spec.venue.credentials", credentials.keys.sorted().map { "\($0)=\(credentials[$0]!)" }.joined(separator: " "), .inPlace)
        }
        add("spec.market.symbols", market.symbols.joined(separator: ","))
        add("spec.market.interval", market.interval.description)
        switch market.source.feed {
        case .replay(let file): add("spec.market.source.replay", file)
        case .synthetic(let seed, let start, let vol, let drift):
            add("spec.market.source.synthetic.seed", String(seed))
            add("spec.market.source.synthetic.startPrice", start.canonicalText)
            add("spec.market.source.synthetic.volatilityPct", vol.canonicalText)
            add("spec.market.source.synthetic.driftPct", drift.canonicalText)
        case .live(let venue, let account):
            add("spec.market.source.live", venue.rawValue)
            if let account { add("spec.market.source.account", account) }
        }
        add("spec.market.source.speed", market.source.speed.canonicalText, .inPlace)
        add("spec.strategy.kind", strategy.kind.rawValue)
        add("spec.strategy.longOnly", String(strategy.longOnly))
        for parameter in strategy.kind.parameters {
            add("spec.strategy.params.\(parameter.name)", (strategy.params[parameter.name] ?? parameter.defaultValue).canonicalText)
        }
        if let llm = strategy.llm {
            add("spec.strategy.params.endpoint", llm.endpoint)
            add("spec.strategy.params.model", llm.model)
            add(llm.template == nil ? "spec.strategy.params.prompt" : "spec.strategy.params.promptTemplate",
                llm.template.map { "\($0) \(llm.promptDigest)" } ?? llm.promptDigest)
            add("spec.strategy.params.timeout", llm.timeout.description)
            add("spec.strategy.params.apiKey", llm.apiKey ?? "none")
        }
        add("spec.capital.quote", capital.quote.canonicalText, .inPlace)
        for (key, path) in settingPaths { add(path, setting(key).description) }
        // Only when set, so a spec that does not say them keeps the hash it had before they existed.
        if deploy.isSuspended { add("spec.suspend", "true", .inPlace) }
        if deploy.driftPolicy != .report { add("spec.drift", deploy.driftPolicy.rawValue, .inPlace) }
        add("spec.deploy.strategy", deploy.strategy.name.rawValue, .inPlace)
        switch deploy.strategy {
        case .immediate: break
        case .staged(let stages):
            for (i, s) in stages.enumerated() {
                add("spec.deploy.staged.stages[\(i)]", "\(s.name.rawValue) duration=\(s.duration?.description ?? "-") analysis=\(s.analysis ?? "-")", .inPlace)
            }
        case .canary(let steps):
            for (i, s) in steps.enumerated() { add("spec.deploy.canary.steps[\(i)]", s.description, .inPlace) }
        case .blueGreen(let b):
            add("spec.deploy.blueGreen.previewDuration", b.previewDuration.description, .inPlace)
            add("spec.deploy.blueGreen.prePromotionAnalysis", b.prePromotionAnalysis ?? "-", .inPlace)
            add("spec.deploy.blueGreen.postPromotionAnalysis", b.postPromotionAnalysis ?? "-", .inPlace)
            add("spec.deploy.blueGreen.autoPromote", String(b.autoPromote), .inPlace)
            add("spec.deploy.blueGreen.scaleDownDelay", b.scaleDownDelay.description, .inPlace)
        case .rolling(let r):
            add("spec.deploy.rolling.maxUnavailable", String(r.maxUnavailable), .inPlace)
            add("spec.deploy.rolling.maxSurge", String(r.maxSurge), .inPlace)
            add("spec.deploy.rolling.minHealthyTime", r.minHealthyTime.description, .inPlace)
        }
        add("spec.deploy.progressDeadline", deploy.progressDeadline.description, .inPlace)
        add("spec.deploy.autoRollback", String(deploy.autoRollback), .inPlace)
        add("spec.deploy.revisionHistoryLimit", String(deploy.revisionHistoryLimit), .inPlace)
        for name in deploy.analysisTemplates.keys.sorted() {
            let t = deploy.analysisTemplates[name]!
            let checks = t.checks.map { c in
                "\(c.metric.rawValue)\(c.relativeToStable ? "(vs stable)" : "") min=\(c.min?.canonicalText ?? "-") max=\(c.max?.canonicalText ?? "-")"
            }
            add("spec.deploy.analysisTemplates.\(name)", "minTrades=\(t.minTrades) " + checks.joined(separator: "; "), .inPlace)
        }
    }

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
    /// Whether changing it needs a new revision; always `FieldClass.of(path)` (a test checks).
    public var kind: FieldClass

    public init(path: String, value: String, kind: FieldClass) {
        self.path = path
        self.value = value
        self.kind = kind
    }
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
            || path == "spec.market.source.speed" || path.hasPrefix("spec.deploy.") || path == "spec.suspend" || path == "spec.drift"
        {
            return .inPlace
        }
        return .replace
    }
}

extension SettingKey: CodingKeyRepresentable {}
