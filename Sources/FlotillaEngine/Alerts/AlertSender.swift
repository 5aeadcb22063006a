import FlotillaSpec
import FlotillaStore
import FlotillaVenues
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// Sends alerts to the webhooks of `alerts.yaml`: follows the event log (every process's events,
/// whoever recorded them — the fleet, `apply`, the watcher, the API), turns the events a person
/// should hear about into alerts, de-duplicates them, and POSTs each with retries and backoff.
/// Each delivery runs on its own; a receiver that is slow, down or hanging delays only its own
/// alerts, never the fleet or another webhook. A delivery that fails for good is an `AlertFailed`
/// event (which raises no alert). The webhook's URL is never logged, stored or shown: messages name
/// the webhook.
public struct AlertSender: Service {
    let store: StateStore
    let file: URL
    let logger: Logger
    let pollInterval: Duration
    let environment: @Sendable (String) -> String?
    let transport: @Sendable (AlertsSpec) -> any HTTPTransport
    /// Alerts waiting or in flight per webhook beyond which new ones are dropped (and said so).
    let maxPending: Int

    public init(store: StateStore, file: URL, logger: Logger, pollInterval: Duration = .milliseconds(500),
                environment: @escaping @Sendable (String) -> String? = { ProcessInfo.processInfo.environment[$0] },
                transport: @escaping @Sendable (AlertsSpec) -> any HTTPTransport = { NetworkTransport(timeout: .milliseconds($0.timeout.milliseconds)) },
                maxPending: Int = 100) {
        self.store = store
        self.file = file
        self.logger = logger
        self.pollInterval = pollInterval
        self.environment = environment
        self.transport = transport
        self.maxPending = maxPending
    }

    /// The alerts file as last read: its stamp, and the last spec that validated.
    struct Loaded {
        var stamp: FileStamp?
        var spec: AlertsSpec?
    }

    /// Reads the file again when its stamp changed. An invalid file keeps the last valid spec and
    /// is an `InvalidEdit` event (an alert in its own right, sent with the spec that stands).
    func reload(_ loaded: inout Loaded) {
        let exists = FileManager.default.fileExists(atPath: file.path)
        let stamp = exists ? FileStamp(path: file.path) : nil
        guard stamp != loaded.stamp else { return }
        loaded.stamp = stamp
        switch AlertsFile.load(file) {
        case nil:
            loaded.spec = nil
        case .success(let spec)?:
            loaded.spec = spec
            logger.info("alerts: \(spec.webhooks.count) webhook(s) from \(AlertsFile.name)")
        case .failure(let failure)?:
            let first = failure.diagnostics.first?.description ?? "invalid"
            logger.error("\(AlertsFile.name) is invalid; the alerts configured before stand: \(first)")
            try? store.recordEvent(bot: nil, kind: "InvalidEdit", message: "\(AlertsFile.name): nothing changed: \(first)")
        }
    }

    public func run() async throws {
        var loaded = Loaded()
        reload(&loaded)
        var cursor = (try? store.lastEventID()) ?? 0
        var dedup = AlertDedup(windowMs: loaded.spec?.dedupWindow.milliseconds ?? AlertsSpec.defaults.dedupWindow.milliseconds)
        let pending = NIOLockedValueBox<[String: Int]>([:])
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                reload(&loaded)
                if let spec = loaded.spec { dedup.window = spec.dedupWindow.milliseconds }
                let events = (try? store.events(after: cursor, limit: 1000)) ?? []
                if let last = events.last { cursor = last.id }
                if let spec = loaded.spec, !spec.webhooks.isEmpty {
                    let transport = self.transport(spec)
                    let retry = AlertRetry(spec)
                    for event in events {
                        guard let alert = Alert(event) else { continue }
                        let now = Int64(Date().timeIntervalSince1970 * 1000)
                        for hook in spec.webhooks where hook.on.contains(alert.topic) {
                            guard dedup.admit(hook.name + "|" + alert.key, nowMs: now) else { continue }
                            let admitted = pending.withLockedValue { counts -> Bool in
                                guard counts[hook.name, default: 0] < maxPending else { return false }
                                counts[hook.name, default: 0] += 1
                                return true
                            }
                            guard admitted else {
                                record(failure: "webhook \(hook.name): \(maxPending) alerts already waiting; \(alert.topic.rawValue) for \(alert.bot ?? "the fleet") dropped", alert)
                                continue
                            }
                            group.addTask {
                                await deliver(alert, to: hook, retry: retry, transport: transport)
                                pending.withLockedValue { $0[hook.name, default: 1] -= 1 }
                            }
                        }
                    }
                }
                if events.count == 1000 { continue }  // more waiting: read on at once
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pollInterval) }
            }
            // A stop does not wait out a receiver's retries.
            group.cancelAll()
        }
    }

    /// Tries `alert` on `hook` until delivered, refused, out of tries, or stopped.
    func deliver(_ alert: Alert, to hook: AlertsSpec.Webhook, retry: AlertRetry, transport: any HTTPTransport) async {
        let target: String
        switch resolve(hook.url) {
        case .success(let url): target = url
        case .failure(let problem):
            return record(failure: "webhook \(hook.name): \(problem); \(alert.topic.rawValue) for \(alert.bot ?? "the fleet") not sent", alert)
        }
        guard let request = Self.request(target, body: alert.body) else {
            return record(failure: "webhook \(hook.name): its URL cannot be sent to; \(alert.topic.rawValue) not sent", alert)
        }
        var attempt = 1
        while true {
            let said: String
            do {
                let response = try await transport.send(request)
                switch AlertRetry.outcome(status: response.status) {
                case .delivered:
                    logger.info("alert sent", metadata: ["webhook": "\(hook.name)", "alert": "\(alert.topic.rawValue)", "bot.name": "\(alert.bot ?? "-")"])
                    return
                case .refused(let why):
                    return record(failure: "webhook \(hook.name) refused \(alert.topic.rawValue) for \(alert.bot ?? "the fleet") (\(why)); not retried", alert)
                case .retry(let why): said = why
                }
            } catch {
                // Said by category: a transport's own text can carry the host or the path.
                switch error {
                case .notSent: said = "not reachable"
                case .timedOut: said = "no answer within the timeout"
                case .lost: said = "connection lost"
                }
            }
            guard let wait = retry.wait(after: attempt), !Task.isCancelled else {
                return record(failure: "webhook \(hook.name): \(alert.topic.rawValue) for \(alert.bot ?? "the fleet") not delivered after \(attempt) tr\(attempt == 1 ? "y" : "ies") (last: \(said))", alert)
            }
            do { try await Task.sleep(for: .milliseconds(wait)) } catch { return }
            attempt += 1
        }
    }

    func record(failure message: String, _ alert: Alert) {
        logger.warning("\(message)")
        try? store.recordEvent(bot: alert.bot, kind: "AlertFailed", revision: alert.revision, message: message)
    }

    /// The webhook's URL, read from its reference when it has one, and checked again (a variable
    /// may hold anything). The problem never repeats the value.
    func resolve(_ url: WebhookURL) -> Result<String, AlertURLProblem> {
        let text: String
        switch url {
        case .literal(let literal): text = literal
        case .reference(.environment(let name)):
            guard let value = environment(name), !value.isEmpty else { return .failure(.init(description: "env:\(name) is not set")) }
            text = value.trimmingCharacters(in: .whitespacesAndNewlines)
        case .reference(.file(let path)):
            let expanded = path.hasPrefix("~/") ? FileManager.default.homeDirectoryForCurrentUser.path + path.dropFirst(1) : path
            guard let data = FileManager.default.contents(atPath: expanded), data.count < 8192 else {
                return .failure(.init(description: "file:\(path) cannot be read"))
            }
            text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let problem = WebhookURL.problem(with: text) {
            let source: String
            if case .reference(let reference) = url { source = reference.description } else { source = "its url" }
            return .failure(.init(description: "\(source) does not hold a usable webhook URL (\(problem))"))
        }
        return .success(text)
    }

    struct AlertURLProblem: Error, CustomStringConvertible {
        var description: String
    }

    /// The POST for `url`: scheme and authority as the base, the rest as the path.
    static func request(_ url: String, body: [UInt8]) -> VenueRequest? {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else { return nil }
        let authority = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let base = "\(scheme)://\(authority)" + (components.port.map { ":\($0)" } ?? "")
        var path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        if let query = components.percentEncodedQuery { path += "?" + query }
        return VenueRequest(method: .post, baseURL: base, path: path, headers: [.init("Content-Type", "application/json"), .init("User-Agent", "flotilla")],
                            body: body, effect: .write, operation: "alert")
    }
}
