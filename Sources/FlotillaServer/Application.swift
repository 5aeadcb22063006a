import FlotillaEngine
import FlotillaPlan
import FlotillaSpec
import FlotillaStore
import Foundation
import Hummingbird
import Logging

/// The HTTP side of `flotilla up`, used as it is by `up` and by the tests: the router behind the
/// request gate, HTTP/1.1 connections closed after `idleTimeout` without a request and capped at
/// `maxConnections` (the longest-idle one makes room). `onListening` gets the bound port.
public func buildApplication(_ server: ServerContext, host: String = "127.0.0.1", port: Int = 8080, logger: Logger,
                             onListening: @escaping @Sendable (Int) async -> Void = { _ in })
    -> some ApplicationProtocol
{
    let connections = ConnectionLimit(maximum: server.maxConnections)
    let gate = RequestGate(next: buildRouter(server).buildResponder(), server: server, hosts: HostCheck(listenHost: host, allowed: server.allowedHosts))
    return Application(
        responder: gate,
        server: .http1(configuration: .init(additionalChannelHandlers: [connections.handler()], idleTimeout: .init(server.idleTimeout))),
        configuration: .init(address: .hostname(host, port: port), serverName: "flotilla"),
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
        logger: logger)
}

/// Every route of `Routes.all`, each with its declared access. `router.routes` lists what it
/// answers; a test checks it against the table and `openapi.yaml`.
public func buildRouter(_ server: ServerContext) -> Router<FlotillaRequestContext> {
    let router = Router(context: FlotillaRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: ErrorBodies(server: server))
    let store = server.store
    let cache = ViewCache(store: store, live: server.fleet?.live)
    cache.warm()
    // The first scrape creates every series (~0.5 s for 1,000 bots); do it before anyone asks,
    // once the fleet has had time to start its instances.
    if let fleet = server.fleet {
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + 2) {
            _ = try? MetricsText.render(store: store, live: fleet.live, progress: fleet.progress)
        }
    }

    router.on(Routes.healthz, server: server) { _, _ in try await Health.liveness(server) }
    router.on(Routes.readyz, server: server) { _, _ in try await Health.readiness(server) }
    router.on(Routes.metrics, server: server) { _, _ in JSON.text(try await offPool { try MetricsText.render(store: store, live: server.fleet?.live, progress: server.fleet?.progress) }, type: "text/plain; version=0.0.4") }
    router.on(Routes.dashboard, server: server) { _, _ in Dashboard.response() }
    router.on(Routes.openAPI, server: server) { _, _ in JSON.text(OpenAPIDocument.yaml, type: "application/yaml") }

    router.on(Routes.bots, server: server) { request, _ in
        var selector: [String: String] = [:]
        if let text = request.uri.queryParameters.get("selector") {
            for part in text.split(separator: ",") {
                let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2, !kv[0].isEmpty else { throw APIError.badRequest("selector \"\(part)\": write key=value[,key=value]") }
                selector[kv[0]] = kv[1]
            }
        }
        let data = try await cache.listJSON(selector: selector)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
    router.on(Routes.bot, server: server) { _, context in
        let name = try context.parameters.require("name")
        guard Name.problem(with: name) == nil else { throw APIError.badRequest("\"\(name.prefix(70))\" is not a bot name") }
        guard let data = try await cache.json(for: name) else { throw APIError.notFound("no bot \"\(name)\"") }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
    router.on(Routes.botHealth, server: server) { _, context in
        try JSON.response(BotHealth.of(try bot(context, store, live: server.fleet?.live).instances.map(\.healthInput)))
    }
    router.on(Routes.botAction, server: server) { _, context in
        let view = try bot(context, store)
        let action = try context.parameters.require("action")
        let states = ["start": "running", "resume": "running", "stop": "stopped", "pause": "paused", "restart": "running", "reset-errors": "running"]
        guard let state = states[action] else {
            throw APIError.badRequest("unknown action \"\(action)\"\(Suggestion.hint(for: action, among: states.keys)); use \(states.keys.sorted().joined(separator: ", "))")
        }
        if action == "restart" { try store.setBotControl(bot: view.name, state: "stopped") }
        if action == "reset-errors" {
            try store.sendRolloutCommand(bot: view.name, command: "resetErrors")
        } else {
            try store.setBotControl(bot: view.name, state: state)
            if action == "resume" { try store.sendRolloutCommand(bot: view.name, command: "resume") }
        }
        cache.invalidate()
        return try JSON.response(["bot": view.name, "action": action, "state": action == "reset-errors" ? view.control : state], status: .accepted)
    }
    router.on(Routes.botDelete, server: server) { _, context in
        let view = try bot(context, store)
        let lock = try store.acquireApplyLock(operation: "DELETE /api/v1/bots/\(view.name)", timeout: 10)
        defer { try? store.releaseApplyLock(lock) }
        _ = try store.apply([.delete(name: view.name)], expectedSerial: try store.stateSerial(), lock: lock)
        cache.invalidate()
        return try JSON.response(["bot": view.name, "deleted": "true"])
    }
    router.on(Routes.rollout, server: server) { _, context in
        let view = try bot(context, store)
        guard let status = try RolloutStatus.load(bot: view.name, store: store) else { throw APIError.notFound("bot \(view.name) has no rollout yet") }
        return try JSON.response(status)
    }
    router.on(Routes.rolloutAction, server: server) { request, context in
        let view = try bot(context, store)
        let action = try context.parameters.require("action")
        switch action {
        case "promote", "abort", "retry":
            let full = request.uri.queryParameters.get("full") == "true"
            try store.sendRolloutCommand(bot: view.name, command: action == "promote" && full ? "promoteFull" : action)
        case "undo":
            let kept = try store.revisions(of: view.name).map(\.number)
            let target = Int(request.uri.queryParameters.get("toRevision") ?? "") ?? kept.filter { $0 < view.revision }.max()
            guard let target, kept.contains(target), target != view.revision else {
                throw APIError(.conflict, "no_revision", "no kept revision to undo to; kept: \(kept.sorted())")
            }
            try store.sendRolloutCommand(bot: view.name, command: "undo", argument: target)
        default:
            throw APIError.badRequest("unknown action \"\(action)\"; use promote, abort, retry or undo")
        }
        return try JSON.response(["bot": view.name, "action": action], status: .accepted)
    }
    router.on(Routes.events, server: server) { request, _ in
        let limit = max(1, min(1000, Int(request.uri.queryParameters.get("limit") ?? "") ?? 100))
        var events = try store.events(bot: request.uri.queryParameters.get("bot").map { String($0) }, limit: 10_000)
        if let kind = request.uri.queryParameters.get("kind") { events = events.filter { $0.kind == kind } }
        if let before = request.uri.queryParameters.get("before").flatMap({ Int64($0) }) { events = events.filter { $0.id < before } }
        return try JSON.response(Array(events.suffix(limit)))
    }
    router.on(Routes.strategies, server: server) { _, _ in
        struct Parameter: Encodable { var name: String; var defaultValue: String; var help: String }
        struct Kind: Encodable { var kind: String; var summary: String; var parameters: [Parameter] }
        return try JSON.response(StrategyKind.allCases.map { k in
            Kind(kind: k.rawValue, summary: k.summary, parameters: k.parameters.map { Parameter(name: $0.name, defaultValue: $0.defaultValue.canonicalText, help: $0.help) })
        })
    }
    router.on(Routes.profiles, server: server) { _, _ in
        let specs = try loadProfiles(server)
        return try JSON.response(specs.keys.sorted())
    }
    router.on(Routes.profile, server: server) { _, context in
        let name = try context.parameters.require("name")
        guard let profile = try loadProfiles(server)[name] else { throw APIError.notFound("no profile \"\(name)\"") }
        let settings = profile.resolvedSettings
        let base: [String: String] = ["name": profile.name, "description": profile.description, "file": profile.file]
        return try JSON.response(base.merging(settings) { a, _ in a })
    }
    PlanRoutes.add(to: router, server: server, invalidate: { cache.invalidate() })
    TradingRoutes.add(to: router, server: server)
    EquityRoutes.add(to: router, server: server)
    AdminRoutes.add(to: router, server: server)
    router.on(Routes.audit, server: server) { request, _ in
        try JSON.response(try store.audit(limit: max(1, min(1000, Int(request.uri.queryParameters.get("limit") ?? "") ?? 100))))
    }

    return router
}

func bot(_ context: FlotillaRequestContext, _ store: StateStore, live: LiveFleet? = nil) throws -> BotView {
    let name = try context.parameters.require("name")
    guard Name.problem(with: name) == nil else { throw APIError.badRequest("\"\(name.prefix(70))\" is not a bot name") }
    guard let view = try BotView.one(name, store: store, live: live) else { throw APIError.notFound("no bot \"\(name)\"") }
    return view
}

private func loadProfiles(_ server: ServerContext) throws -> [String: ProfileSpec] {
    do {
        var layout = server.layout
        layout.replayCheck = nil  // reading profiles needs no bot's data file
        return try SpecLoader.load(layout).profiles
    } catch {
        throw APIError(.unprocessableContent, "invalid_specs", "the project's files are invalid: \(error.diagnostics.first?.description ?? "")")
    }
}
