import Foundation

/// Typed reads from a YAML node tree that collect every problem instead of stopping at the first.
///
/// Each read takes the field path it is reading, so a message can say exactly which field is wrong
/// and where it was written.
final class NodeReader {
    let file: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String) { self.file = file }

    func fail(_ mark: SourceMark, _ path: String, _ message: String) {
        diagnostics.append(Diagnostic(file: file, mark: mark, path: path, message: message))
    }

    /// A mapping's accepted entries in document order. Spec mappings hold a handful of keys, so
    /// lookups scan the array; hashing every key cost more than the scan in plan profiles.
    struct Mapping {
        let node: YAMLNode
        let path: String
        let entries: [(key: String, value: YAMLNode)]

        subscript(_ key: String) -> YAMLNode? {
            for entry in entries where entry.key == key { return entry.value }
            return nil
        }
        func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    }

    /// Reads a mapping, reporting a non-mapping node, non-text or duplicate keys, and keys outside
    /// `allowed` (with a "did you mean"). `allowed == nil` accepts any key (labels, params).
    func mapping(_ node: YAMLNode, _ path: String, allowed: [String]?) -> Mapping? {
        guard case .mapping(let pairs) = node.content else {
            fail(node.mark, path, "expected a mapping, got \(node.kindDescription)")
            return nil
        }
        var entries: [(key: String, value: YAMLNode)] = []
        entries.reserveCapacity(pairs.count)
        // Large free-form mappings (labels) get a set for the duplicate check; small ones scan.
        var seen: [String: SourceMark]? = pairs.count > 16 ? [:] : nil
        var marks: [SourceMark] = []
        for (key, value) in pairs {
            guard let scalar = key.scalar, !scalar.isNull else {
                fail(key.mark, path, "mapping keys must be text, got \(key.kindDescription)")
                continue
            }
            let name = scalar.text
            let fieldPath = path.isEmpty ? name : "\(path).\(name)"
            let earlier: SourceMark?
            if seen != nil {
                earlier = seen![name]
            } else {
                earlier = entries.firstIndex { $0.key == name }.map { marks[$0] }
            }
            if let earlier {
                fail(key.mark, fieldPath, "duplicate key \"\(name)\"; it is already set on line \(earlier.line)")
                continue
            }
            if let allowed, !allowed.contains(name) {
                let known = allowed.sorted().joined(separator: ", ")
                fail(key.mark, fieldPath, "unknown field \"\(name)\"\(Suggestion.hint(for: name, among: allowed)); known fields: \(known)")
                continue
            }
            entries.append((name, value))
            marks.append(key.mark)
            seen?[name] = key.mark
        }
        return Mapping(node: node, path: path, entries: entries)
    }

    func required(_ map: Mapping, _ key: String) -> YAMLNode? {
        if let node = map[key] { return node }
        fail(map.node.mark, map.path(key), "is required")
        return nil
    }

    /// Text. A plain scalar that YAML reads as a number or a boolean (`1`, `true`) is refused, as
    /// the JSON Schema and Kubernetes do: quote it to mean text.
    func string(_ node: YAMLNode, _ path: String) -> String? {
        guard let scalar = node.scalar, !scalar.isNull else {
            fail(node.mark, path, "expected text, got \(node.kindDescription)")
            return nil
        }
        if scalar.isPlain, YAMLNode.boolValue(scalar.text) != nil || Decimal.parseExact(scalar.text) != nil {
            fail(node.mark, path, "expected text, got \(node.kindDescription) \(scalar.text.prefix(40)); quote it (\"\(scalar.text.prefix(40))\") to mean text")
            return nil
        }
        return scalar.text
    }

    func bool(_ node: YAMLNode, _ path: String) -> Bool? {
        guard let scalar = node.scalar, scalar.isPlain, let value = YAMLNode.boolValue(scalar.text) else {
            fail(node.mark, path, "expected true or false, got \(node.kindDescription)\(quoted(node))")
            return nil
        }
        return value
    }

    func number(_ node: YAMLNode, _ path: String) -> Decimal? {
        guard let scalar = node.scalar, !scalar.isNull else {
            fail(node.mark, path, "expected a number, got \(node.kindDescription)")
            return nil
        }
        guard scalar.isPlain else {
            fail(node.mark, path, "expected a number, got the quoted text \"\(scalar.text.prefix(40))\"; remove the quotes")
            return nil
        }
        guard let value = Decimal.parseExact(scalar.text) else {
            if Self.looksNumeric(scalar.text) {
                let shown = scalar.text.count > 40 ? scalar.text.prefix(40) + "…" : Substring(scalar.text)
                fail(node.mark, path, "\(shown) is out of range: numbers must fit in 38 significant digits and exponents within ±100")
            } else if node.kindDescription == "a number" {
                // YAML calls 0x10 and .inf numbers too; Flotilla takes decimal numbers only.
                fail(node.mark, path, "expected a decimal number such as 25 or 0.5, got\(quoted(node))")
            } else {
                fail(node.mark, path, "expected a number, got \(node.kindDescription)\(quoted(node))")
            }
            return nil
        }
        return value
    }

    /// A decimal literal (digits, sign, point, exponent) that is a number, just not one we hold.
    static func looksNumeric(_ text: String) -> Bool {
        guard text.utf8.contains(where: { $0 >= 48 && $0 <= 57 }) else { return false }
        return text.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E")
            || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") } && Double(text) != nil
    }

    func integer(_ node: YAMLNode, _ path: String, min: Int, max: Int) -> Int? {
        guard let value = number(node, path) else { return nil }
        guard value.isWholeNumber, value >= Decimal(min), value <= Decimal(max) else {
            fail(node.mark, path, "must be a whole number from \(min) to \(max) (got \(value.canonicalText))")
            return nil
        }
        return NSDecimalNumber(decimal: value).intValue
    }

    func decimal(_ node: YAMLNode, _ path: String, min: Decimal, max: Decimal, exclusiveMin: Bool = false) -> Decimal? {
        guard let value = number(node, path) else { return nil }
        let tooLow = exclusiveMin ? value <= min : value < min
        if tooLow || value > max {
            let lower = exclusiveMin ? "greater than \(min.canonicalText)" : "from \(min.canonicalText)"
            let range = exclusiveMin ? "\(lower) and at most \(max.canonicalText)" : "\(lower) to \(max.canonicalText)"
            fail(node.mark, path, "must be \(range) (got \(value.canonicalText))")
            return nil
        }
        return value
    }

    /// An amount of money (capital, a balance, a price): a number in range that the engine's exact
    /// money type holds as written (`Money`), never rounded or clipped later.
    func money(_ node: YAMLNode, _ path: String, min: Decimal, max: Decimal = Money.max, exclusiveMin: Bool = false) -> Decimal? {
        guard let value = decimal(node, path, min: min, max: Swift.min(max, Money.max), exclusiveMin: exclusiveMin) else { return nil }
        if let problem = Money.problem(with: value) {
            fail(node.mark, path, problem)
            return nil
        }
        return value
    }

    func duration(_ node: YAMLNode, _ path: String, min: TimeSpan? = nil, max: TimeSpan? = nil) -> TimeSpan? {
        guard let scalar = node.scalar, !scalar.isNull else {
            fail(node.mark, path, "expected a duration such as 30s, 5m or 1h30m, got \(node.kindDescription)")
            return nil
        }
        guard let span = TimeSpan(parsing: scalar.text) else {
            let hint = Decimal.parseExact(scalar.text) != nil ? "; add a unit, e.g. \(scalar.text)s" : ""
            fail(node.mark, path, "expected a duration such as 30s, 5m or 1h30m, got \"\(scalar.text.prefix(40))\"\(hint)")
            return nil
        }
        if let min, span < min {
            fail(node.mark, path, "must be at least \(min) (got \(span))")
            return nil
        }
        if let max, span > max {
            fail(node.mark, path, "must be at most \(max) (got \(span))")
            return nil
        }
        return span
    }

    func setting(_ node: YAMLNode, _ path: String, type: SettingType) -> SettingValue? {
        switch type {
        case .percent(let min, let exclusive):
            return decimal(node, path, min: min, max: 100, exclusiveMin: exclusive).map { .number($0) }
        case .integer(let min, let max):
            return integer(node, path, min: min, max: max).map { .number(Decimal($0)) }
        case .decimal(let min, let max):
            return decimal(node, path, min: min, max: max).map { .number($0) }
        case .money(let min, let max):
            return money(node, path, min: min, max: max).map { .number($0) }
        case .duration(let min, let max):
            return duration(node, path, min: min, max: max).map { .duration($0) }
        case .timeZone:
            guard let name = string(node, path) else { return nil }
            guard TimeZone(identifier: name) != nil else {
                fail(node.mark, path, "unknown time zone \"\(name)\"; use an IANA name such as UTC or Europe/Berlin")
                return nil
            }
            return .text(name)
        }
    }

    /// A `key: value` mapping of text to text, such as labels.
    func stringMap(_ node: YAMLNode, _ path: String) -> [String: String]? {
        guard let map = mapping(node, path, allowed: nil) else { return nil }
        var result: [String: String] = [:]
        for (key, value) in map.entries {
            if let text = string(value, map.path(key)) { result[key] = text }
        }
        return result
    }

    func sequence(_ node: YAMLNode, _ path: String) -> [YAMLNode]? {
        guard case .sequence(let items) = node.content else {
            fail(node.mark, path, "expected a list, got \(node.kindDescription)")
            return nil
        }
        return items
    }

    private func quoted(_ node: YAMLNode) -> String {
        guard let text = node.scalar?.text, !text.isEmpty else { return "" }
        return " \"\(text.prefix(40))\""
    }
}

/// Names of bots, profiles, accounts and templates: DNS labels, as Kubernetes object names.
public enum Name {
    public static let pattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
    public static let maxLength = 63

    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "must not be empty" }
        if name.utf8.count > maxLength { return "must be at most \(maxLength) characters (got \(name.utf8.count))" }
        let bytes = Array(name.utf8)
        let allowed = bytes.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
        if !allowed || bytes.first == 45 || bytes.last == 45 {
            return "\"\(name.prefix(70))\" is not a valid name: use lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. \"\(suggested(name))\")"
        }
        return nil
    }

    static func suggested(_ name: String) -> String {
        var out = ""
        for c in name.lowercased() {
            if c.isASCII && (c.isLetter || c.isNumber) { out.append(c) } else if !out.hasSuffix("-") { out.append("-") }
        }
        let trimmed = out.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return trimmed.isEmpty ? "my-bot" : String(trimmed.prefix(maxLength))
    }
}

extension Decimal {
    var isWholeNumber: Bool {
        var value = self
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 0, .plain)
        return rounded == self
    }
}
