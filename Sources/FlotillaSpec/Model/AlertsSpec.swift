import Foundation

/// `alerts.yaml` at the project's root (`kind: Alerts`): where Flotilla sends a message when
/// something needs a person — webhooks that take a JSON POST with a Slack-compatible `text` field.
public struct AlertsSpec: Sendable, Equatable {
    public struct Webhook: Sendable, Equatable {
        /// How events and `status` name it: the URL itself is never printed or stored.
        public var name: String
        public var url: WebhookURL
        /// What it is sent; every alert when the file does not say.
        public var on: Set<AlertTopic>

        public init(name: String, url: WebhookURL, on: Set<AlertTopic> = Set(AlertTopic.allCases)) {
            self.name = name
            self.url = url
            self.on = on
        }
    }

    public var webhooks: [Webhook]
    /// The same alert (topic, bot, revision) again within this window is not sent again.
    public var dedupWindow: TimeSpan
    /// Tries per alert (the first included), the wait before the second, and the longest wait:
    /// each wait doubles up to it.
    public var attempts: Int
    public var backoff: TimeSpan
    public var maxBackoff: TimeSpan
    /// How long one POST may take (connect, send, answer).
    public var timeout: TimeSpan

    public static let defaults = AlertsSpec(webhooks: [], dedupWindow: .minutes(10), attempts: 5, backoff: .seconds(1), maxBackoff: .minutes(1),
                                            timeout: .seconds(5))

    public init(webhooks: [Webhook], dedupWindow: TimeSpan, attempts: Int, backoff: TimeSpan, maxBackoff: TimeSpan, timeout: TimeSpan) {
        self.webhooks = webhooks
        self.dedupWindow = dedupWindow
        self.attempts = attempts
        self.backoff = backoff
        self.maxBackoff = maxBackoff
        self.timeout = timeout
    }
}

/// What an alert is about, as `spec.webhooks[].on` names it.
public enum AlertTopic: String, Sendable, CaseIterable, Codable, Hashable {
    case rolloutFailed, rolledBack, waitingForPerson
    case botFailed, crashLooping, autoPaused
    case invalidEdit, syncFailed, pullFailed
    case venueUnreachable, orderUnknown, accountShortfall
    case killSwitch, lossLimit

    public var summary: String {
        switch self {
        case .rolloutFailed: "a rollout failed or was aborted"
        case .rolledBack: "a rollout was rolled back"
        case .waitingForPerson: "a rollout waits for a person (promote, inconclusive analysis)"
        case .botFailed: "a bot failed to start, restart or restore"
        case .crashLooping: "a bot is crash-looping"
        case .autoPaused: "a bot was paused by Flotilla (venue errors, emergency stop)"
        case .invalidEdit: "an edit of the files is invalid (nothing changed)"
        case .syncFailed: "the files could not be applied, or a reconcile pass failed"
        case .pullFailed: "git pull failed"
        case .venueUnreachable: "a live venue is unreachable"
        case .orderUnknown: "an order is stuck in UNKNOWN"
        case .accountShortfall: "an exchange account holds less than its bots' books"
        case .killSwitch: "kill switch: the fleet was halted or resumed"
        case .lossLimit: "loss limit reached: an account's bots are halted"
        }
    }
}

/// A webhook's address: written in the file when it holds no secret, or by reference
/// (`env:NAME`, `file:/path`) when it does (a Slack webhook's path is its credential).
public enum WebhookURL: Sendable, Equatable {
    case literal(String)
    case reference(SecretReference)

    /// Why `text` may not be a webhook address, or nil: https anywhere, http only to the loopback
    /// interface (a receiver on this machine); no user or password in it.
    public static func problem(with text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(), let host = components.host, !host.isEmpty
        else { return "not a URL; write https://host/path" }
        if components.user != nil || components.password != nil {
            return "a URL with a user or password in it is a credential: put it in an environment variable and write env:NAME"
        }
        switch scheme {
        case "https": return nil
        case "http":
            let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host.lowercased()) || host.hasPrefix("127.")
            return loopback ? nil : "http is allowed only to this machine (127.0.0.1, localhost, [::1]); use https"
        default: return "the scheme must be https (or http to 127.0.0.1)"
        }
    }

    /// Whether a literal looks like it carries a secret (a query or a long path token): such a
    /// URL belongs in `env:NAME` too.
    static func looksSecret(_ text: String) -> Bool {
        guard let components = URLComponents(string: text) else { return false }
        if let query = components.query, !query.isEmpty { return true }
        return components.path.split(separator: "/").contains { $0.count >= 20 && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } }
    }
}
