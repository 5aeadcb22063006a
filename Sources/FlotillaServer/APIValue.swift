import Foundation

/// A JSON value as a tree, written out as block YAML whose every string is a double-quoted JSON
/// string: no scalar can be taken for a flow mapping, a number, a boolean or a comment, whatever
/// it holds (the `/readyz` summary's commas once split it into four keys). The OpenAPI document is
/// built as one, so tests can read it as a tree and tools as YAML.
public indirect enum APIValue: Sendable, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral
{
    case string(String)
    case int(Int)
    case bool(Bool)
    case array([APIValue])
    /// Keys in the order written.
    case object([(key: String, value: APIValue)])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: APIValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, APIValue)...) { self = .object(elements.map { (key: $0.0, value: $0.1) }) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }

    /// The value under `key` of an object.
    public subscript(key: String) -> APIValue? {
        guard case .object(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var keys: [String] {
        if case .object(let entries) = self { return entries.map(\.key) }
        return []
    }

    /// The object with `entries` added after its own (a key already there is replaced in place).
    func merging(_ entries: [(key: String, value: APIValue)]) -> APIValue {
        guard case .object(var own) = self else { return self }
        for entry in entries {
            if let i = own.firstIndex(where: { $0.key == entry.key }) { own[i].value = entry.value } else { own.append(entry) }
        }
        return .object(own)
    }

    // MARK: Writing

    /// Block YAML (YAML 1.2; also read right by YAML 1.1 parsers): strings double-quoted with JSON
    /// escapes, keys plain only when they are plain words.
    public var yaml: String { lines(indent: 0).joined(separator: "\n") + "\n" }

    /// The same tree as JSON text.
    public var json: String {
        switch self {
        case .string(let s): return Self.quoted(s)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .array(let items): return "[" + items.map(\.json).joined(separator: ",") + "]"
        case .object(let entries): return "{" + entries.map { Self.quoted($0.key) + ":" + $0.value.json }.joined(separator: ",") + "}"
        }
    }

    private var inline: String? {
        switch self {
        case .string, .int, .bool: return json
        case .array(let items) where items.isEmpty: return "[]"
        case .object(let entries) where entries.isEmpty: return "{}"
        default: return nil
        }
    }

    private func lines(indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .object(let entries) where !entries.isEmpty:
            return entries.flatMap { entry -> [String] in
                let key = pad + Self.key(entry.key) + ":"
                if let inline = entry.value.inline { return [key + " " + inline] }
                return [key] + entry.value.lines(indent: indent + 2)
            }
        case .array(let items) where !items.isEmpty:
            return items.flatMap { item -> [String] in
                if let inline = item.inline { return [pad + "- " + inline] }
                var nested = item.lines(indent: indent + 2)
                nested[0] = pad + "- " + nested[0].dropFirst(indent + 2)
                return nested
            }
        default:
            return [pad + (inline ?? "")]
        }
    }

    private static let reserved: Set<String> = ["y", "n", "yes", "no", "true", "false", "on", "off", "null"]

    /// A key plain when it is a word of letters, digits and `_ $ / . -` that starts with a letter,
    /// `_`, `$` or `/` and no YAML reading can take for anything but a string; else quoted.
    static func key(_ text: String) -> String {
        guard let first = text.unicodeScalars.first, first.properties.isAlphabetic && first.isASCII || "_$/".unicodeScalars.contains(first),
              text.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_$/.-".unicodeScalars.contains($0)) }),
              !reserved.contains(text.lowercased())
        else { return quoted(text) }
        return text
    }

    /// A JSON string literal, which is also a YAML double-quoted scalar.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value)
                || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0xFEFF:
                out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
