import Foundation

/// Reads `alerts.yaml` (`kind: Alerts`), reporting every problem with its line and field, as the
/// spec files are. Nothing that may be a secret is echoed: a webhook's URL is not repeated in a
/// message.
public enum AlertsFile {
    /// The file's name at the project's root.
    public static let name = "alerts.yaml"

    public static func url(root: URL) -> URL { root.appendingPathComponent(name) }

    /// Reads the file at `url`: nil when there is none (no alerts), the spec, or why it does not validate.
    public static func load(_ url: URL, displayName: String = AlertsFile.name) -> Result<AlertsSpec, ValidationFailure>? {
        switch SingleDocumentFile.read(url, displayName: displayName, maxBytes: 256 * 1024) {
        case nil: return nil
        case .failure(let failure)?: return .failure(failure)
        case .success(let bytes)?: return decode(bytes, file: displayName)
        }
    }

    public static func decode(_ bytes: [UInt8], file: String) -> Result<AlertsSpec, ValidationFailure> {
        SingleDocumentFile.decode(bytes, file: file, kind: "Alerts") { decode($0, reader: $1) }
    }

    static func decode(_ document: YAMLDocument, reader: NodeReader) -> AlertsSpec? {
        guard let spec = SingleDocumentFile.spec(document, kind: "Alerts", fileName: AlertsFile.name, allowed: ["webhooks", "dedupWindow", "retry", "timeout"], reader: reader) else { return nil }
        var out = AlertsSpec.defaults
        if let node = spec["dedupWindow"], let span = reader.duration(node, "spec.dedupWindow", min: .seconds(0), max: .hours(24)) { out.dedupWindow = span }
        if let node = spec["timeout"], let span = reader.duration(node, "spec.timeout", min: TimeSpan(milliseconds: 100), max: .minutes(1)) {
            out.timeout = span
        }
        if let node = spec["retry"], let retry = reader.mapping(node, "spec.retry", allowed: ["attempts", "backoff", "maxBackoff"]) {
            if let n = retry["attempts"], let attempts = reader.integer(n, "spec.retry.attempts", min: 1, max: 20) { out.attempts = attempts }
            if let n = retry["backoff"], let span = reader.duration(n, "spec.retry.backoff", min: TimeSpan(milliseconds: 10), max: .minutes(10)) {
                out.backoff = span
            }
            if let n = retry["maxBackoff"], let span = reader.duration(n, "spec.retry.maxBackoff", min: TimeSpan(milliseconds: 10), max: .hours(1)) {
                out.maxBackoff = span
            }
            if out.maxBackoff < out.backoff {
                reader.fail(retry.node.mark, "spec.retry.maxBackoff", "must be at least spec.retry.backoff (\(out.backoff))")
            }
        }
        guard let listNode = reader.required(spec, "webhooks"), let items = reader.sequence(listNode, "spec.webhooks") else { return nil }
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let path = "spec.webhooks[\(index)]"
            guard let hook = reader.mapping(item, path, allowed: ["name", "url", "on"]) else { continue }
            var name: String?
            if let node = reader.required(hook, "name"), let text = reader.string(node, "\(path).name") {
                if let problem = Name.problem(with: text) {
                    reader.fail(node.mark, "\(path).name", problem)
                } else if let earlier = seen[text] {
                    reader.fail(node.mark, "\(path).name", "duplicate webhook name \"\(text)\"; spec.webhooks[\(earlier)] has it")
                } else {
                    name = text
                    seen[text] = index
                }
            }
            var url: WebhookURL?
            if let node = reader.required(hook, "url") {
                if let scalar = node.scalar, !scalar.isNull {
                    let text = scalar.text
                    if text.hasPrefix("env:") || text.hasPrefix("file:") {
                        do {
                            let reference = try SecretReference(parsing: text)
                            if case .file(let file) = reference, !(file.hasPrefix("/") || file.hasPrefix("~/")) {
                                reader.fail(node.mark, "\(path).url", "file: takes an absolute path (or ~/…); keep the file outside the project")
                            } else {
                                url = .reference(reference)
                            }
                        } catch {
                            reader.fail(node.mark, "\(path).url", error.description)
                        }
                    } else if let problem = WebhookURL.problem(with: text) {
                        reader.fail(node.mark, "\(path).url", problem)
                    } else if WebhookURL.looksSecret(text) {
                        reader.fail(node.mark, "\(path).url",
                                    "this URL carries a token (in its query or path): put it in an environment variable and write env:NAME, so it is never in the files or printed")
                    } else {
                        url = .literal(text)
                    }
                } else {
                    reader.fail(node.mark, "\(path).url", "expected https://host/path, or env:NAME holding it")
                }
            }
            var topics = Set(AlertTopic.allCases)
            if let node = hook["on"], let list = reader.sequence(node, "\(path).on") {
                topics = []
                for (i, entry) in list.enumerated() {
                    guard let text = reader.string(entry, "\(path).on[\(i)]") else { continue }
                    if let topic = AlertTopic(rawValue: text) {
                        topics.insert(topic)
                    } else {
                        let known = AlertTopic.allCases.map(\.rawValue)
                        reader.fail(entry.mark, "\(path).on[\(i)]", "unknown alert \"\(text.prefix(40))\"\(Suggestion.hint(for: text, among: known)); known: \(known.joined(separator: ", "))")
                    }
                }
                if list.isEmpty { reader.fail(node.mark, "\(path).on", "lists no alert; remove the webhook, or leave out on: to send every alert") }
            }
            if let name, let url { out.webhooks.append(.init(name: name, url: url, on: topics)) }
        }
        return out
    }
}
