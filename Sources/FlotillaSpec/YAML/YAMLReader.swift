import CLibYAML

/// Reads YAML text into `YAMLNode` trees through libyaml's event parser.
///
/// Why not Yams' node API: building and resolving Yams' general node tree costs ~0.35 ms per
/// 30-line spec on this machine (see FACTS.md), which alone would spend the 1 s budget for planning
/// 10,000 bots; libyaml's events, folded straight into this small tree, cost about a tenth of
/// that. Only one copy of libyaml is linked (Debian's), so Yams is not a dependency.
///
/// Hostile input is bounded: the file size, the nesting depth, and the number of nodes a document
/// expands to through aliases (the "billion laughs" bomb) all have limits, and each breach is an
/// ordinary `Diagnostic`, never a crash or a hang.
public enum YAMLReader {
    public struct Limits: Sendable {
        public var maxBytes: Int
        public var maxDepth: Int
        public var maxNodes: Int

        public static let specFiles = Limits(maxBytes: 1 << 20, maxDepth: 64, maxNodes: 50_000)

        public init(maxBytes: Int, maxDepth: Int, maxNodes: Int) {
            self.maxBytes = maxBytes
            self.maxDepth = maxDepth
            self.maxNodes = maxNodes
        }
    }

    /// Parses every non-empty document of `bytes`. Empty documents (`---` with nothing after it)
    /// are skipped, as kubectl does.
    public static func documents(
        in bytes: [UInt8], file: String, limits: Limits = .specFiles
    ) -> Result<[YAMLDocument], Diagnostic> {
        if bytes.count > limits.maxBytes {
            return .failure(
                Diagnostic(
                    file: file, mark: SourceMark(line: 1, column: 1), path: "",
                    message: "file is \(bytes.count) bytes; spec files are limited to \(limits.maxBytes) bytes — split it into several files"))
        }
        if bytes.isEmpty { return .success([]) }
        var builder = TreeBuilder(file: file, limits: limits)
        return bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                return .failure(builder.diagnostic("could not start the YAML parser (out of memory?)", at: SourceMark(line: 1, column: 1)))
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    return .failure(syntaxError(parser, bytes: buffer, file: file))
                }
                let outcome = builder.consume(&event)
                yaml_event_delete(&event)
                switch outcome {
                case .continue: continue
                case .finished: return .success(builder.documents)
                case .failed(let diagnostic): return .failure(diagnostic)
                }
            }
        }
    }

    /// libyaml's error, pointed at the mistake: a bad byte where it is (libyaml only gives its
    /// offset), a tab used for indentation said plainly, and a quote or bracket never closed at the
    /// place it was opened rather than at the end of the file.
    private static func syntaxError(_ parser: yaml_parser_t, bytes: UnsafeBufferPointer<UInt8>, file: String) -> Diagnostic {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        if parser.error == YAML_READER_ERROR {
            let offset = min(Int(parser.problem_offset), bytes.count)
            let mark = Self.mark(at: offset, in: bytes)
            let byte = offset < bytes.count ? String(format: " (byte 0x%02X)", bytes[offset]) : ""
            return Diagnostic(file: file, mark: mark, path: "", message: "the file is not valid UTF-8 here\(byte); save it as UTF-8")
        }
        let at = SourceMark(line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1)
        let index = Int(parser.problem_mark.index)
        if index < bytes.count, bytes[index] == 0x09 {
            return Diagnostic(file: file, mark: at, path: "", message: "tabs are not allowed for indentation in YAML; indent with spaces")
        }
        var message = "YAML syntax error: \(problem)"
        if let context = parser.context {
            message += " \(String(cString: context))"
        }
        if problem.contains("end of stream"), parser.context != nil {
            // An unterminated quote or flow collection: the useful place is where it began.
            let opened = SourceMark(line: Int(parser.context_mark.line) + 1, column: Int(parser.context_mark.column) + 1)
            return Diagnostic(file: file, mark: opened, path: "", message: message + " that starts here and is never closed")
        }
        return Diagnostic(file: file, mark: at, path: "", message: message)
    }

    /// Line and column (1-based, in bytes) of a byte offset.
    static func mark(at offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> SourceMark {
        var line = 1, column = 1
        for i in 0..<min(offset, bytes.count) {
            if bytes[i] == 0x0A { line += 1; column = 1 } else { column += 1 }
        }
        return SourceMark(line: line, column: column)
    }
}

private struct TreeBuilder {
    enum Outcome {
        case `continue`
        case finished
        case failed(Diagnostic)
    }

    /// A collection being built. A class, so that appending to it never copies its elements.
    private final class Frame {
        let mark: SourceMark
        let anchor: String?
        let isMapping: Bool
        var items: [YAMLNode] = []
        var pairs: [(key: YAMLNode, value: YAMLNode)] = []
        var pendingKey: YAMLNode?
        var size = 1

        init(mark: SourceMark, anchor: String?, isMapping: Bool) {
            self.mark = mark
            self.anchor = anchor
            self.isMapping = isMapping
        }
    }

    let file: String
    let limits: Limits
    typealias Limits = YAMLReader.Limits
    private(set) var documents: [YAMLDocument] = []
    private var stack: [Frame] = []
    private var root: YAMLNode?
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var nodeCount = 0
    private var documentIndex = 0

    init(file: String, limits: Limits) {
        self.file = file
        self.limits = limits
    }

    func diagnostic(_ message: String, at mark: SourceMark) -> Diagnostic {
        Diagnostic(file: file, mark: mark, path: "", message: message)
    }

    mutating func consume(_ event: inout yaml_event_t) -> Outcome {
        let mark = SourceMark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_STREAM_END_EVENT:
            return .finished
        case YAML_DOCUMENT_START_EVENT:
            anchors.removeAll(keepingCapacity: true)
            nodeCount = 0
            root = nil
        case YAML_DOCUMENT_END_EVENT:
            if let root, root.scalar?.isNull != true {
                documents.append(YAMLDocument(root: root, file: file, index: documentIndex))
            }
            documentIndex += 1
        case YAML_SCALAR_EVENT:
            let data = event.data.scalar
            let text = string(data.value, length: data.length)
            let explicitString = data.tag.map { String(cString: $0) == "tag:yaml.org,2002:str" } ?? false
            let isPlain = data.style == YAML_PLAIN_SCALAR_STYLE && !explicitString
            let node = YAMLNode(.scalar(.init(text: text, isPlain: isPlain)), mark: mark)
            return add(node, size: 1, anchor: data.anchor.map { String(cString: $0) })
        case YAML_ALIAS_EVENT:
            let name = event.data.alias.anchor.map { String(cString: $0) } ?? ""
            guard let anchored = anchors[name] else {
                return .failed(diagnostic("alias *\(name) refers to no anchor defined before it", at: mark))
            }
            return add(anchored.node, size: anchored.size, anchor: nil)
        case YAML_SEQUENCE_START_EVENT:
            if stack.count >= limits.maxDepth {
                return .failed(diagnostic("nesting is deeper than \(limits.maxDepth) levels", at: mark))
            }
            stack.append(Frame(mark: mark, anchor: event.data.sequence_start.anchor.map { String(cString: $0) }, isMapping: false))
        case YAML_MAPPING_START_EVENT:
            if stack.count >= limits.maxDepth {
                return .failed(diagnostic("nesting is deeper than \(limits.maxDepth) levels", at: mark))
            }
            stack.append(Frame(mark: mark, anchor: event.data.mapping_start.anchor.map { String(cString: $0) }, isMapping: true))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return .continue }
            let node = frame.isMapping ? YAMLNode(.mapping(frame.pairs), mark: frame.mark) : YAMLNode(.sequence(frame.items), mark: frame.mark)
            return add(node, size: frame.size, anchor: frame.anchor, counted: true)
        default:
            break
        }
        return .continue
    }

    /// Attaches a finished node to its parent. `size` is the number of nodes it stands for once
    /// aliases are expanded; the document's total is bounded by `limits.maxNodes`.
    private mutating func add(_ node: YAMLNode, size: Int, anchor: String?, counted: Bool = false) -> Outcome {
        if !counted {
            nodeCount += size
            if nodeCount > limits.maxNodes {
                return .failed(diagnostic(
                    "document expands to more than \(limits.maxNodes) nodes (anchors and aliases nested too deeply?)", at: node.mark))
            }
        } else {
            nodeCount += 1
        }
        if let anchor { anchors[anchor] = (node, size) }
        guard let top = stack.last else {
            root = node
            return .continue
        }
        top.size = min(top.size + size, Int.max / 2)
        if !top.isMapping {
            top.items.append(node)
        } else if let key = top.pendingKey {
            top.pairs.append((key, node))
            top.pendingKey = nil
        } else {
            top.pendingKey = node
        }
        return .continue
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int) -> String {
        guard let pointer, length > 0 else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }
}
