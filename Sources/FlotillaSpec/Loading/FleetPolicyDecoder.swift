import Foundation

/// Reads `fleet-policy.yaml` (`kind: FleetPolicy`), reporting every problem with its line and
/// field, as the spec files are.
public enum FleetPolicyFile {
    /// The file's name at the project's root.
    public static let name = "fleet-policy.yaml"

    public static func url(root: URL) -> URL { root.appendingPathComponent(name) }

    /// At most this many bytes are read: a policy is a few rules.
    public static let maxBytes = 256 * 1024

    /// Reads the file at `url`: nil when there is none (no rules across bots), the spec, or why it
    /// does not validate.
    public static func load(_ url: URL, displayName: String = FleetPolicyFile.name) -> Result<FleetPolicySpec, ValidationFailure>? {
        switch SingleDocumentFile.read(url, displayName: displayName, maxBytes: maxBytes) {
        case nil: return nil
        case .failure(let failure)?: return .failure(failure)
        case .success(let bytes)?: return decode(bytes, file: displayName)
        }
    }

    public static func decode(_ bytes: [UInt8], file: String) -> Result<FleetPolicySpec, ValidationFailure> {
        SingleDocumentFile.decode(bytes, file: file, kind: "FleetPolicy") { decode($0, file: file, reader: $1) }
    }

    static func decode(_ document: YAMLDocument, file: String, reader: NodeReader) -> FleetPolicySpec? {
        guard let spec = SingleDocumentFile.spec(document, kind: "FleetPolicy", fileName: FleetPolicyFile.name, allowed: ["exposure", "conflicts", "concentration"], reader: reader) else { return nil }
        var out = FleetPolicySpec(file: file)
        if let node = spec["conflicts"], let text = reader.string(node, "spec.conflicts") {
            if let policy = FleetPolicySpec.ConflictPolicy(rawValue: text) {
                out.conflicts = policy
            } else {
                let known = FleetPolicySpec.ConflictPolicy.allCases.map(\.rawValue)
                reader.fail(node.mark, "spec.conflicts", "unknown policy \"\(text.prefix(40))\"\(Suggestion.hint(for: text, among: known)); use \(known.joined(separator: ", "))")
            }
        }
        if let node = spec["concentration"], let map = reader.mapping(node, "spec.concentration", allowed: ["maxSymbolPctOfEquity"]),
           let pct = map["maxSymbolPctOfEquity"]
        {
            out.maxSymbolPctOfEquity = reader.decimal(pct, "spec.concentration.maxSymbolPctOfEquity", min: 0, max: 100, exclusiveMin: true)
        }
        if let node = spec["exposure"], let items = reader.sequence(node, "spec.exposure") {
            for (i, item) in items.enumerated() {
                let path = "spec.exposure[\(i)]"
                guard let rule = reader.mapping(item, path, allowed: ["symbol", "asset", "account", "maxNotional", "maxPctOfEquity", "maxQuantity"]) else { continue }
                var subject: FleetPolicySpec.ExposureRule.Subject?
                switch (rule["symbol"], rule["asset"]) {
                case (let s?, nil):
                    if let text = reader.string(s, "\(path).symbol") {
                        if Market.isSymbol(text) { subject = .symbol(text) } else {
                            reader.fail(s.mark, "\(path).symbol", "\"\(text.prefix(40))\" is not a market symbol; write BASE-QUOTE in capitals, e.g. BTC-USDT")
                        }
                    }
                case (nil, let a?):
                    if let text = reader.string(a, "\(path).asset") {
                        if AccountSpec.isAsset(text) { subject = .asset(text) } else {
                            reader.fail(a.mark, "\(path).asset", "\"\(text.prefix(20))\" is not an asset; write its code in capitals, e.g. BTC")
                        }
                    }
                case (_?, _?):
                    reader.fail(item.mark, path, "takes symbol or asset, not both: write one rule for each")
                case (nil, nil):
                    reader.fail(item.mark, path, "needs symbol (BTC-USDT) or asset (BTC): what the limit is on")
                }
                var account: String?
                if let node = rule["account"], let text = reader.string(node, "\(path).account") {
                    if let problem = Name.problem(with: text) { reader.fail(node.mark, "\(path).account", problem) } else { account = text }
                }
                let notional = rule["maxNotional"].flatMap { reader.money($0, "\(path).maxNotional", min: 0) }
                let pct = rule["maxPctOfEquity"].flatMap { reader.decimal($0, "\(path).maxPctOfEquity", min: 0, max: 100, exclusiveMin: true) }
                var quantity: Decimal?
                if let node = rule["maxQuantity"] {
                    if rule["symbol"] != nil {
                        reader.fail(node.mark, "\(path).maxQuantity", "is for an asset rule (the asset held across its symbols); a symbol rule takes maxNotional or maxPctOfEquity")
                    } else {
                        quantity = reader.money(node, "\(path).maxQuantity", min: 0)
                    }
                }
                if rule["maxNotional"] == nil, rule["maxPctOfEquity"] == nil, rule["maxQuantity"] == nil {
                    reader.fail(item.mark, path, "needs a limit: maxNotional (quote currency), maxPctOfEquity (of the equity of the bots in scope) or, for an asset, maxQuantity")
                }
                if let subject {
                    out.exposure.append(.init(path: path, subject: subject, account: account, maxNotional: notional, maxPctOfEquity: pct, maxQuantity: quantity))
                }
            }
        }
        return out
    }
}
