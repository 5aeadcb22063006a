import Foundation

/// Turns YAML documents into `BotSpec` and `ProfileSpec` values, reporting every problem found.
enum DocumentDecoder {
    static let apiVersion = "flotilla/v1"

    enum Decoded {
        case bot(BotSpec)
        case profile(ProfileSpec)
        case account(AccountSpec)
    }

    /// Decodes one document. `expected` is the kind its directory holds.
    static func decode(_ document: YAMLDocument, expected: DocumentKind, reader: NodeReader) -> Decoded? {
        guard let top = reader.mapping(document.root, "", allowed: ["apiVersion", "kind", "metadata", "spec"]) else { return nil }
        if let node = reader.required(top, "apiVersion"), let version = reader.string(node, "apiVersion"), version != apiVersion {
            reader.fail(node.mark, "apiVersion", "unsupported apiVersion \"\(version.prefix(40))\"; use \(apiVersion)")
        }
        guard let kindNode = reader.required(top, "kind"), let kind = reader.string(kindNode, "kind") else { return nil }
        guard let documentKind = DocumentKind(rawValue: kind) else {
            let hint = Suggestion.hint(for: kind, among: DocumentKind.allCases.map(\.rawValue))
            reader.fail(kindNode.mark, "kind", "unknown kind \"\(kind.prefix(40))\"\(hint); this file's directory holds kind: \(expected.rawValue)")
            return nil
        }
        guard documentKind == expected else {
            reader.fail(kindNode.mark, "kind", "\(expected.directory)/ holds kind: \(expected.rawValue) documents; move this \(kind) to \(documentKind.directory)/")
            return nil
        }
        switch documentKind {
        case .bot: return decodeBot(top, document: document, reader: reader).map(Decoded.bot)
        case .profile: return decodeProfile(top, document: document, reader: reader).map(Decoded.profile)
        case .account: return decodeAccount(top, document: document, reader: reader).map(Decoded.account)
        }
    }

    // MARK: Profile

    static func decodeProfile(_ top: NodeReader.Mapping, document: YAMLDocument, reader: NodeReader) -> ProfileSpec? {
        var name: String?
        var description = ""
        if let metaNode = reader.required(top, "metadata"),
            let meta = reader.mapping(metaNode, "metadata", allowed: ["name", "description"])
        {
            name = decodeName(meta, reader: reader)
            if let node = meta["description"], let text = reader.string(node, meta.path("description")) { description = text }
        }
        var settings: [SettingKey: Located<SettingValue>] = [:]
        if let specNode = top["spec"], let spec = reader.mapping(specNode, "spec", allowed: ["risk", "runtime"]) {
            settings = decodeSettings(spec, reader: reader)
        }
        guard let name else { return nil }
        return ProfileSpec(name: name, description: description, file: document.file, mark: document.root.mark, settings: settings)
    }

    // MARK: Bot

    static func decodeBot(_ top: NodeReader.Mapping, document: YAMLDocument, reader: NodeReader) -> BotSpec? {
        var name: String?
        var labels: [String: String] = [:]
        if let metaNode = reader.required(top, "metadata"),
            let meta = reader.mapping(metaNode, "metadata", allowed: ["name", "labels"])
        {
            name = decodeName(meta, reader: reader)
            if let node = meta["labels"], let map = reader.stringMap(node, meta.path("labels")) {
                for (key, value) in map where Label.problem(key: key, value: value) != nil {
                    reader.fail(node.mark, meta.path("labels.\(key)"), Label.problem(key: key, value: value)!)
                }
                labels = map
            }
        }
        guard let specNode = reader.required(top, "spec"),
            let spec = reader.mapping(
                specNode, "spec",
                allowed: ["profile", "venue", "market", "strategy", "capital", "risk", "runtime", "deploy", "suspend", "drift"])
        else { return nil }

        var marks: [String: SourceMark] = [:]
        let errorsBefore = reader.diagnostics.count
        let profile = reader.required(spec, "profile").flatMap { node in
            reader.string(node, "spec.profile").map { Located($0, at: node.mark) }
        }
        let venue = spec["venue"].map { decodeVenue($0, reader: reader, marks: &marks) } ?? VenueSpec()
        let market = reader.required(spec, "market").flatMap { decodeMarket($0, reader: reader, marks: &marks) }
        let strategy = reader.required(spec, "strategy").flatMap { decodeStrategy($0, reader: reader, marks: &marks) }
        var capital: Capital?
        if let node = reader.required(spec, "capital"), let map = reader.mapping(node, "spec.capital", allowed: ["quote"]),
            let quoteNode = reader.required(map, "quote"),
            let quote = reader.money(quoteNode, "spec.capital.quote", min: 0, exclusiveMin: true)
        {
            capital = Capital(quote: quote)
        }
        let overrides = decodeSettings(spec, reader: reader)
        var deploy = spec["deploy"].flatMap { decodeDeploy($0, reader: reader) } ?? DeploySpec()
        if let node = spec["suspend"], let suspend = reader.bool(node, "spec.suspend") { deploy.suspend = suspend ? true : nil }
        if let node = spec["drift"], let text = reader.string(node, "spec.drift") {
            if let policy = DriftPolicy(rawValue: text) {
                deploy.drift = policy == .report ? nil : policy
            } else {
                let known = DriftPolicy.allCases.map(\.rawValue)
                reader.fail(node.mark, "spec.drift", "unknown drift policy \"\(text.prefix(40))\"\(Suggestion.hint(for: text, among: known)); use report (show it) or correct (revert it)")
            }
        }

        guard let name, let profile, let market, let strategy, let capital, reader.diagnostics.count == errorsBefore
        else { return nil }
        return BotSpec(
            name: name, labels: labels, file: document.file, mark: document.root.mark, profile: profile, venue: venue,
            market: market, strategy: strategy, capital: capital, overrides: overrides, deploy: deploy, marks: marks)
    }

    static func decodeName(_ meta: NodeReader.Mapping, reader: NodeReader) -> String? {
        guard let node = reader.required(meta, "name"), let name = reader.string(node, meta.path("name")) else { return nil }
        if let problem = Name.problem(with: name) {
            reader.fail(node.mark, meta.path("name"), problem)
            return nil
        }
        return name
    }

    /// `risk:` and `runtime:` blocks under a profile's or a bot's `spec`.
    private static func decodeSettings(_ spec: NodeReader.Mapping, reader: NodeReader) -> [SettingKey: Located<SettingValue>] {
        var settings: [SettingKey: Located<SettingValue>] = [:]
        for group in [SettingKey.Group.risk, .runtime] {
            guard let node = spec[group.rawValue] else { continue }
            let keys = SettingKey.keys(in: group)
            guard let map = reader.mapping(node, spec.path(group.rawValue), allowed: keys.map(\.rawValue)) else { continue }
            for key in keys {
                guard let valueNode = map[key.rawValue] else { continue }
                if let value = reader.setting(valueNode, map.path(key.rawValue), type: key.type) {
                    settings[key] = Located(value, at: valueNode.mark)
                }
            }
        }
        return settings
    }

    private static func decodeVenue(_ node: YAMLNode, reader: NodeReader, marks: inout [String: SourceMark]) -> VenueSpec {
        var venue = VenueSpec()
        marks["spec.venue"] = node.mark
        guard let map = reader.mapping(node, "spec.venue", allowed: ["kind", "account"]) else { return venue }
        if let kindNode = map["kind"], let kind = reader.string(kindNode, "spec.venue.kind") {
            marks["spec.venue.kind"] = kindNode.mark
            if let known = VenueSpec.Kind(rawValue: kind) {
                venue.kind = known
            } else {
                reader.fail(
                    kindNode.mark, "spec.venue.kind",
                    "unknown venue kind \"\(kind.prefix(40))\"\(Suggestion.hint(for: kind, among: VenueSpec.Kind.allCases.map(\.rawValue))); available: \(VenueSpec.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        if let accountNode = map["account"], let account = reader.string(accountNode, "spec.venue.account") {
            marks["spec.venue.account"] = accountNode.mark
            if let problem = Name.problem(with: account) { reader.fail(accountNode.mark, "spec.venue.account", problem) }
            venue.account = account
        }
        return venue
    }

    private static func decodeMarket(_ node: YAMLNode, reader: NodeReader, marks: inout [String: SourceMark]) -> Market? {
        guard let map = reader.mapping(node, "spec.market", allowed: ["symbol", "symbols", "interval", "source"]) else { return nil }
        var symbols: [String] = []
        switch (map["symbol"], map["symbols"]) {
        case (let one?, nil):
            if let symbol = reader.string(one, "spec.market.symbol") { symbols = [symbol] }
            checkSymbols(symbols, nodes: [one], path: { _ in "spec.market.symbol" }, reader: reader)
        case (nil, let many?):
            if let items = reader.sequence(many, "spec.market.symbols") {
                if items.isEmpty { reader.fail(many.mark, "spec.market.symbols", "must list at least one symbol") }
                symbols = items.enumerated().compactMap { reader.string($1, "spec.market.symbols[\($0)]") }
                if symbols.count == items.count {
                    checkSymbols(symbols, nodes: items, path: { "spec.market.symbols[\($0)]" }, reader: reader)
                }
            }
        case (.some, .some(let many)):
            reader.fail(many.mark, "spec.market.symbols", "set either symbol or symbols, not both")
        case (nil, nil):
            reader.fail(map.node.mark, "spec.market.symbol", "is required (or symbols: [ ... ] for several)")
        }
        let interval = reader.required(map, "interval").flatMap {
            reader.duration($0, "spec.market.interval", min: .seconds(1), max: .hours(24 * 31))
        }
        var source = MarketSource.defaultSynthetic
        if let node = map["source"] { source = decodeSource(node, reader: reader, marks: &marks) }
        if source.isLive, let interval, !MarketSource.liveIntervalSeconds.contains(interval.milliseconds / 1000) || interval.milliseconds % 1000 != 0, let node = map["interval"] {
            reader.fail(node.mark, "spec.market.interval",
                        "live candles come in 1m, 5m, 15m, 30m, 1h, 2h, 6h or 1d; \(interval) is not one the venues serve")
        }
        guard let interval, !symbols.isEmpty else { return nil }
        return Market(symbols: symbols, interval: interval, source: source)
    }

    private static func checkSymbols(_ symbols: [String], nodes: [YAMLNode], path: (Int) -> String, reader: NodeReader) {
        var seen = Set<String>()
        for (i, symbol) in symbols.enumerated() {
            if !Market.isSymbol(symbol) {
                reader.fail(nodes[i].mark, path(i), "\"\(symbol.prefix(40))\" is not a market symbol; write BASE-QUOTE in capitals, e.g. ETH-BTC")
            } else if !seen.insert(symbol).inserted {
                reader.fail(nodes[i].mark, path(i), "\(symbol) is listed twice")
            }
        }
    }

    private static func decodeSource(_ node: YAMLNode, reader: NodeReader, marks: inout [String: SourceMark]) -> MarketSource {
        var source = MarketSource.defaultSynthetic
        guard let map = reader.mapping(node, "spec.market.source", allowed: ["replay", "synthetic", "live", "account", "speed"]) else { return source }
        marks["spec.market.source"] = node.mark
        if let speedNode = map["speed"], let speed = reader.decimal(speedNode, "spec.market.source.speed", min: 0, max: 1_000_000, exclusiveMin: true) {
            source.speed = speed
        }
        let given = [map["replay"], map["synthetic"], map["live"]].compactMap { $0 }
        if given.count > 1 {
            reader.fail(given[1].mark, "spec.market.source", "set one of replay, synthetic or live, not several")
            return source
        }
        if let accountNode = map["account"], map["live"] == nil {
            reader.fail(accountNode.mark, "spec.market.source.account", "names the venue account of a live source; add live: binance or live: coinbase, or remove it")
        }
        if let live = map["live"] {
            marks["spec.market.source.live"] = live.mark
            if let speedNode = map["speed"] {
                reader.fail(speedNode.mark, "spec.market.source.speed", "live candles come as the market makes them; remove speed (it paces replay and synthetic sources)")
            }
            var account: String?
            if let accountNode = map["account"], let name = reader.string(accountNode, "spec.market.source.account") {
                marks["spec.market.source.account"] = accountNode.mark
                if let problem = Name.problem(with: name) { reader.fail(accountNode.mark, "spec.market.source.account", problem) }
                account = name
            }
            guard let text = reader.string(live, "spec.market.source.live") else { return source }
            guard let venue = MarketSource.LiveVenue(rawValue: text) else {
                let names = MarketSource.LiveVenue.allCases.map(\.rawValue)
                reader.fail(live.mark, "spec.market.source.live",
                            "unknown venue \"\(text.prefix(40))\"\(Suggestion.hint(for: text, among: names)); live candles come from \(names.joined(separator: " or "))")
                return source
            }
            source.feed = .live(venue: venue, account: account)
            return source
        }
        switch (map["replay"], map["synthetic"]) {
        case (let replay?, nil):
            marks["spec.market.source.replay"] = replay.mark
            if let file = reader.string(replay, "spec.market.source.replay") {
                if file.isEmpty || file.contains("\0") {
                    reader.fail(replay.mark, "spec.market.source.replay", "name a CSV file of candles, e.g. ETH_BTC-5m.csv")
                }
                source.feed = .replay(file: file)
            }
        case (nil, let synthetic?):
            marks["spec.market.source.synthetic"] = synthetic.mark
            guard let s = reader.mapping(synthetic, "spec.market.source.synthetic", allowed: ["seed", "startPrice", "volatilityPct", "driftPct"])
            else { break }
            let p = "spec.market.source.synthetic"
            let seed = s["seed"].flatMap { reader.integer($0, "\(p).seed", min: 0, max: Int(Int32.max)) } ?? 1
            let start = s["startPrice"].flatMap { reader.money($0, "\(p).startPrice", min: 0, max: 1_000_000_000, exclusiveMin: true) } ?? 100
            let vol = s["volatilityPct"].flatMap { reader.decimal($0, "\(p).volatilityPct", min: 0, max: 50) } ?? 1
            let drift = s["driftPct"].flatMap { reader.decimal($0, "\(p).driftPct", min: -50, max: 50) } ?? 0
            source.feed = .synthetic(seed: Int64(seed), startPrice: start, volatilityPct: vol, driftPct: drift)
        case (.some, .some(let second)):
            reader.fail(second.mark, "spec.market.source", "set either replay or synthetic, not both")
        case (nil, nil):
            reader.fail(map.node.mark, "spec.market.source", "needs replay: FILE, synthetic: { seed: N } or live: binance | coinbase")
        }
        return source
    }

    private static func decodeStrategy(_ node: YAMLNode, reader: NodeReader, marks: inout [String: SourceMark]) -> StrategySpec? {
        guard let map = reader.mapping(node, "spec.strategy", allowed: ["kind", "params", "longOnly"]),
            let kindNode = reader.required(map, "kind"), let kindText = reader.string(kindNode, "spec.strategy.kind")
        else { return nil }
        guard let kind = StrategyKind(rawValue: kindText) else {
            let names = StrategyKind.allCases.map(\.rawValue)
            reader.fail(
                kindNode.mark, "spec.strategy.kind",
                "unknown strategy \"\(kindText.prefix(40))\"\(Suggestion.hint(for: kindText, among: names)); available: \(names.joined(separator: ", "))")
            return nil
        }
        var params: [String: Decimal] = [:]
        for parameter in kind.parameters { params[parameter.name] = parameter.defaultValue }
        var llm: LLMStrategySpec?
        if kind == .llm, map["params"] == nil {
            reader.fail(node.mark, "spec.strategy.params", "kind: llm needs params with at least endpoint and model, e.g. { endpoint: https://api.openai.com/v1, model: gpt-4o-mini, apiKey: env:OPENAI_API_KEY }")
            return nil
        }
        if let paramsNode = map["params"],
            let given = reader.mapping(paramsNode, "spec.strategy.params", allowed: kind.parameters.map(\.name) + (kind == .llm ? LLMStrategySpec.textParameters : []))
        {
            if kind == .llm { llm = decodeLLM(given, reader: reader, marks: &marks) }
            for parameter in kind.parameters {
                guard let valueNode = given[parameter.name] else { continue }
                let path = "spec.strategy.params.\(parameter.name)"
                marks[path] = valueNode.mark
                switch parameter.type {
                case .integer(let min, let max):
                    if let v = reader.integer(valueNode, path, min: min, max: max) { params[parameter.name] = Decimal(v) }
                case .decimal(let min, let max):
                    if let v = reader.decimal(valueNode, path, min: min, max: max) { params[parameter.name] = v }
                }
            }
            for (parameter, message) in kind.crossCheck(params) {
                let mark = given[parameter]?.mark ?? paramsNode.mark
                reader.fail(mark, "spec.strategy.params.\(parameter)", message)
            }
        } else {
            for (parameter, message) in kind.crossCheck(params) {
                reader.fail(node.mark, "spec.strategy.params.\(parameter)", message)
            }
        }
        let longOnly = map["longOnly"].flatMap { reader.bool($0, "spec.strategy.longOnly") } ?? true
        if kind == .llm && llm == nil { return nil }
        return StrategySpec(kind: kind, params: params, longOnly: longOnly, llm: llm)
    }

    /// `kind: llm`'s text parameters: an endpoint a key may travel to, a model, a prompt whose
    /// variables all exist, a timeout, an API key by reference.
    private static func decodeLLM(_ given: NodeReader.Mapping, reader: NodeReader, marks: inout [String: SourceMark]) -> LLMStrategySpec? {
        let p = "spec.strategy.params"
        let before = reader.diagnostics.count
        var endpoint: String?
        if let node = reader.required(given, "endpoint"), let text = reader.string(node, "\(p).endpoint") {
            marks["\(p).endpoint"] = node.mark
            if let problem = LLMStrategySpec.endpointProblem(text) { reader.fail(node.mark, "\(p).endpoint", problem) } else { endpoint = text }
        }
        var model: String?
        if let node = reader.required(given, "model"), let text = reader.string(node, "\(p).model") {
            if text.isEmpty || text.count > 200 { reader.fail(node.mark, "\(p).model", "name the model, e.g. gpt-4o-mini or llama3.1:8b (1 to 200 characters)") } else { model = text }
        }
        var prompt = PromptTemplates.defaultText
        var template: String? = "default"
        switch (given["prompt"], given["promptTemplate"]) {
        case (.some(let node), .some(let second)):
            _ = node
            reader.fail(second.mark, "\(p).promptTemplate", "set either prompt (the text) or promptTemplate (\(PromptTemplates.names.joined(separator: " | "))), not both")
        case (.some(let node), nil):
            if let text = reader.string(node, "\(p).prompt") {
                if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || text.utf8.count > 32_768 {
                    reader.fail(node.mark, "\(p).prompt", "write the prompt text (1 to 32768 bytes), or name a promptTemplate")
                }
                let unknown = PromptVariable.unknown(in: text)
                if !unknown.isEmpty {
                    let names = PromptVariable.allCases.map(\.rawValue)
                    let first = unknown[0]
                    reader.fail(node.mark, "\(p).prompt",
                                "unknown variable {{\(first)}}\(Suggestion.hint(for: first, among: names))\(unknown.count > 1 ? " (and \(unknown.count - 1) more)" : ""); flotilla strategies lists the variables")
                }
                prompt = text
                template = nil
            }
        case (nil, .some(let node)):
            if let name = reader.string(node, "\(p).promptTemplate") {
                if let text = PromptTemplates.text(name) {
                    prompt = text
                    template = name
                } else {
                    reader.fail(node.mark, "\(p).promptTemplate",
                                "unknown template \"\(name.prefix(40))\"\(Suggestion.hint(for: name, among: PromptTemplates.names)); built in: \(PromptTemplates.names.joined(separator: ", ")), or write prompt: TEXT")
                }
            }
        case (nil, nil): break
        }
        var timeout = TimeSpan.seconds(10)
        if let node = given["timeout"], let span = reader.duration(node, "\(p).timeout", min: TimeSpan(milliseconds: 100), max: .minutes(10)) {
            timeout = span
        }
        var apiKey: String?
        if let node = given["apiKey"], let text = reader.string(node, "\(p).apiKey") {
            if let problem = LLMStrategySpec.apiKeyProblem(text) { reader.fail(node.mark, "\(p).apiKey", problem) } else { apiKey = text }
        }
        guard reader.diagnostics.count == before, let endpoint, let model else { return nil }
        return LLMStrategySpec(endpoint: endpoint, model: model, prompt: prompt, template: template, timeout: timeout, apiKey: apiKey)
    }
}

/// What a spec directory holds.
public enum DocumentKind: String, CaseIterable, Sendable {
    case bot = "Bot"
    case profile = "Profile"
    case account = "Account"

    public var directory: String {
        switch self {
        case .bot: return "bots.d"
        case .profile: return "profiles"
        case .account: return "accounts"
        }
    }
}

/// Label keys and values, as Kubernetes restricts them.
enum Label {
    static let keyPattern = "^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$"
    static let valuePattern = "^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$"

    static func problem(key: String, value: String) -> String? {
        if key.utf8.count > 63 || !matches(key, inner: "-_./", allowEmpty: false) {
            return "label key \"\(key.prefix(70))\" must be at most 63 letters, digits, '-', '_', '.' or '/'"
        }
        if value.utf8.count > 63 || !matches(value, inner: "-_.", allowEmpty: true) {
            return "label value \"\(value.prefix(70))\" must be at most 63 letters, digits, '-', '_' or '.'"
        }
        return nil
    }

    /// The same test as the patterns above (alphanumeric at both ends, `inner` characters inside),
    /// without compiling a regular expression per label: labels are on the hot path of loading.
    static func matches(_ text: String, inner: String, allowEmpty: Bool) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last else { return allowEmpty }
        func alnum(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
        let extra = Set(inner.utf8)
        return alnum(first) && alnum(last) && bytes.allSatisfy { alnum($0) || extra.contains($0) }
    }
}
