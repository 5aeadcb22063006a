/// Rewrites the `spec.profile` of chosen bots in a spec file's text, leaving every other byte —
/// comments, layout, quoting style of other fields — as it was (a profile switch edits the
/// user's files, so it must read like a hand edit in `git diff`).
public enum ProfileEdit {
    /// `text` with `spec.profile` set to `profile` in the Bot documents named in `bots`; nil when
    /// the text does not parse or holds none of them.
    public static func apply(to text: String, file: String, bots: Set<String>, profile: String) -> String? {
        guard case .success(let documents) = YAMLReader.documents(in: Array(text.utf8), file: file) else { return nil }
        var marks: [SourceMark] = []
        for document in documents {
            guard document.root["kind"]?.scalar?.text == "Bot",
                  let name = document.root["metadata"]?["name"]?.scalar?.text, bots.contains(name),
                  let node = document.root["spec"]?["profile"], node.scalar != nil
            else { continue }
            marks.append(node.mark)
        }
        guard !marks.isEmpty else { return nil }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for mark in marks.sorted(by: { ($0.line, $0.column) > ($1.line, $1.column) }) {
            guard mark.line >= 1, mark.line <= lines.count else { return nil }
            var chars = Array(lines[mark.line - 1])
            let start = mark.column - 1
            guard start >= 0, start < chars.count else { return nil }
            var end = start
            if chars[start] == "\"" || chars[start] == "'" {
                let quote = chars[start]
                end = start + 1
                while end < chars.count, chars[end] != quote { end += chars[end] == "\\" && quote == "\"" ? 2 : 1 }
                end = min(chars.count, end + 1)
            } else {
                // A plain scalar ends at a comment, a flow separator or the end of the line.
                while end < chars.count, !",}]#".contains(chars[end]) { end += 1 }
                while end > start, chars[end - 1] == " " || chars[end - 1] == "\t" || chars[end - 1] == "\r" { end -= 1 }
            }
            chars.replaceSubrange(start..<end, with: Array(profile))
            lines[mark.line - 1] = String(chars)
        }
        return lines.joined(separator: "\n")
    }
}

extension YAMLNode {
    /// The value under `key` in a mapping.
    subscript(key: String) -> YAMLNode? {
        guard case .mapping(let pairs) = content else { return nil }
        return pairs.first { $0.key.scalar?.text == key }?.value
    }
}
