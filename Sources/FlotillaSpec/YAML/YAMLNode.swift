/// A position in a source file, 1-based, as editors and compilers print it.
public struct SourceMark: Sendable, Hashable, Codable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

/// One node of a parsed YAML document, with the place it was written.
///
/// Flotilla builds this small tree itself from libyaml's events (see `YAMLReader`): it keeps every
/// node's line and column, which validation messages need, and costs a fraction of a general
/// YAML node tree because scalars stay text until a field asks for a type.
public struct YAMLNode: Sendable {
    public enum Content: Sendable {
        case scalar(Scalar)
        case mapping([(key: YAMLNode, value: YAMLNode)])
        case sequence([YAMLNode])
    }

    public struct Scalar: Sendable, Hashable {
        public var text: String
        /// Plain (unquoted) scalars may be numbers, booleans or null; quoted ones are always text.
        public var isPlain: Bool

        public var isNull: Bool { isPlain && (text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL") }
    }

    public var content: Content
    public var mark: SourceMark

    public init(_ content: Content, mark: SourceMark) {
        self.content = content
        self.mark = mark
    }

    public var scalar: Scalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    /// The YAML word for this node's kind, for messages: "a mapping", "a list", "a string".
    public var kindDescription: String {
        switch content {
        case .scalar(let s):
            if s.isNull { return "null" }
            if !s.isPlain { return "a string" }
            if Self.boolValue(s.text) != nil { return "a boolean" }
            if Double(s.text) != nil { return "a number" }
            return "a string"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    /// YAML 1.2 core schema booleans.
    static func boolValue(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }
}

/// A YAML document and the file it came from.
public struct YAMLDocument: Sendable {
    public var root: YAMLNode
    public var file: String
    /// 0-based position of the document in its file (several documents per file are allowed).
    public var index: Int
}
