import FlotillaSpec
import FlotillaStore
import Foundation

/// One alert: an event a person should hear about, and the JSON a webhook is sent for it — a
/// Slack-compatible `text` first, the parts after for any other receiver.
public struct Alert: Sendable, Equatable {
    public var topic: AlertTopic
    public var event: String
    public var bot: String?
    public var revision: Int?
    public var message: String
    public var time: Date

    /// The event kinds each topic is raised by. Kinds not yet recorded by the engine (marked
    /// "coming") are listed so the alert works the day they are.
    public static let kinds: [String: AlertTopic] = [
        "RolloutAborted": .rolloutFailed,
        "RolledBack": .rolledBack,
        "RolloutPaused": .waitingForPerson, "AnalysisInconclusive": .waitingForPerson,
        "StartFailed": .botFailed, "RestartFailed": .botFailed, "RestoreFailed": .botFailed, "BotFailed": .botFailed,
        "CrashLoop": .crashLooping,
        "AutoPaused": .autoPaused, "EmergencyStop": .autoPaused,
        "InvalidEdit": .invalidEdit,
        "ApplyFailed": .syncFailed, "ReconcileError": .syncFailed,
        "GitPullFailed": .pullFailed,
        "VenueUnreachable": .venueUnreachable,
        "OrderUnknown": .orderUnknown,
        "AccountShortfall": .accountShortfall,
        "FleetHalted": .killSwitch, "FleetResumed": .killSwitch, "HaltUnreadable": .killSwitch,
        "LossLimitReached": .lossLimit,  // coming (per-account loss limits are not wired yet)
    ]

    /// The alert an event raises, or nil (most events raise none; `AlertFailed` never does, so a
    /// failing webhook cannot feed itself).
    public init?(_ event: StoreEvent) {
        guard let topic = Self.kinds[event.kind] else { return nil }
        self.topic = topic
        self.event = event.kind
        self.bot = event.bot
        self.revision = event.revision
        self.message = event.message
        self.time = event.time
    }

    public init(topic: AlertTopic, event: String, bot: String?, revision: Int?, message: String, time: Date) {
        self.topic = topic
        self.event = event
        self.bot = bot
        self.revision = revision
        self.message = message
        self.time = time
    }

    /// What makes two alerts the same for de-duplication: a bot's failed rollout of one
    /// revision, said again by a retry or a restart, is one alert.
    /// The kill switch is never de-duplicated by topic alone: a halt, a change of its mode and a
    /// resume within the window are each said.
    public var key: String {
        if topic == .killSwitch || topic == .lossLimit { return "\(topic.rawValue)|\(event)|\(message)" }
        return "\(topic.rawValue)|\(bot ?? "-")|\(revision.map(String.init) ?? "-")"
    }

    /// `:rotating_light: flotilla: rollout failed — bot eth-trend, revision 3: analysis failed …`
    public var text: String {
        let subject = [bot.map { "bot \($0)" }, revision.map { "revision \($0)" }].compactMap { $0 }.joined(separator: ", ")
        return "flotilla: \(topic.summary)\(subject.isEmpty ? "" : " — \(subject)"): \(message.prefix(1500))"
    }

    public var body: [UInt8] {
        struct Body: Encodable {
            var text: String
            var topic: String
            var event: String
            var bot: String?
            var revision: Int?
            var message: String
            var time: Date
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .iso8601
        let value = Body(text: text, topic: topic.rawValue, event: event, bot: bot, revision: revision, message: String(message.prefix(4000)), time: time)
        return (try? Array(encoder.encode(value))) ?? Array("{\"text\":\"flotilla alert\"}".utf8)
    }
}

/// The same alert within the window is sent once. Pure: the caller gives the time.
public struct AlertDedup: Sendable {
    public var window: Int64
    private var sent: [String: Int64] = [:]

    public init(windowMs: Int64) { self.window = windowMs }

    /// Whether `key` is to be sent at `nowMs` (and remembers it when so).
    public mutating func admit(_ key: String, nowMs: Int64) -> Bool {
        if sent.count > 10_000 { sent = sent.filter { nowMs - $0.value < window } }
        if let last = sent[key], nowMs - last < window { return false }
        sent[key] = nowMs
        return true
    }
}

/// The waits between tries: `backoff`, doubled after each try, never more than `maxBackoff`.
public struct AlertRetry: Sendable, Equatable {
    public var attempts: Int
    public var backoffMs: Int64
    public var maxBackoffMs: Int64

    public init(_ spec: AlertsSpec) {
        self.init(attempts: spec.attempts, backoffMs: spec.backoff.milliseconds, maxBackoffMs: spec.maxBackoff.milliseconds)
    }

    public init(attempts: Int, backoffMs: Int64, maxBackoffMs: Int64) {
        self.attempts = attempts
        self.backoffMs = backoffMs
        self.maxBackoffMs = maxBackoffMs
    }

    /// The wait after try `attempt` (1-based) failed, or nil when it was the last.
    public func wait(after attempt: Int) -> Int64? {
        guard attempt < attempts else { return nil }
        let doubled = backoffMs << Int64(min(attempt - 1, 30))
        return min(doubled, maxBackoffMs)
    }

    /// What a receiver's answer means: delivered, worth another try, or refused for good.
    public enum Outcome: Sendable, Equatable {
        case delivered
        case retry(String)
        case refused(String)
    }

    public static func outcome(status: Int) -> Outcome {
        switch status {
        case 200..<300: return .delivered
        case 408, 425, 429, 500..<600: return .retry("HTTP \(status)")
        default: return .refused("HTTP \(status)")
        }
    }
}
