/// One problem found in a spec or profile file, located precisely enough for an editor to jump to it.
///
/// Printed as `file:line:column: field.path: message`, the shape compilers use, so editors and CI
/// annotate the right line.
public struct Diagnostic: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    public var mark: SourceMark
    /// Dotted field path inside the document, e.g. `spec.risk.maxPositionPct`; empty for file-level problems.
    public var path: String
    public var message: String

    public init(file: String, mark: SourceMark, path: String, message: String) {
        self.file = file
        self.mark = mark
        self.path = path
        self.message = message
    }

    /// One line, whatever the file held: control characters in names and messages (a terminal
    /// escape, a newline that would forge another diagnostic) are shown escaped.
    public var description: String {
        let location = "\(Printable.escaping(file)):\(mark.line):\(mark.column)"
        let text = Printable.escaping(message)
        return path.isEmpty ? "\(location): \(text)" : "\(location): \(Printable.escaping(path)): \(text)"
    }
}

/// Text from someone else's input made safe to print on one terminal line.
public enum Printable {
    /// `text` with C0/C1 control characters and DEL written as `\u{1B}`, and nothing else changed.
    public static func escaping(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) { out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}" } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool { s.value < 0x20 || (s.value >= 0x7F && s.value < 0xA0) || s == "\u{2028}" || s == "\u{2029}" }
}

/// All the problems found in a set of files; thrown when any file is invalid.
public struct ValidationFailure: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics.sorted {
            ($0.file, $0.mark.line, $0.mark.column, $0.path) < ($1.file, $1.mark.line, $1.mark.column, $1.path)
        }
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}

/// "Did you mean" suggestions by edit distance, for unknown fields, profiles and kinds.
public enum Suggestion {
    public static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        let lowered = word.lowercased()
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            let limit = max(2, candidate.count / 3)
            if distance <= limit, distance < (best?.1 ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.0
    }

    /// ` (did you mean "x"?)` or the empty string.
    public static func hint(for word: String, among candidates: some Sequence<String>) -> String {
        guard let match = closest(to: word, among: candidates) else { return "" }
        return " (did you mean \"\(match)\"?)"
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8.prefix(256)), b = Array(b.utf8.prefix(256))
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
