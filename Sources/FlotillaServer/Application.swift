import FlotillaAPI
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
    let views = ViewCache(server)
    let gate = RequestGate(next: buildRouter(server, views: views).buildResponder(), server: server,
                           hosts: HostCheck(listenHost: host, allowed: server.allowedHosts))
    return Application(
        responder: gate,
        server: .http1(configuration: .init(additionalChannelHandlers: [connections.handler()], idleTimeout: .init(server.idleTimeout))),
        configuration: .init(address: .hostname(host, port: port), serverName: "flotilla"),
        services: [WarmUp(views: views, fleet: server.fleet), MetricsPublisher(server: server)],
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
        logger: logger)
}

/// Every route of `Routes.all`, each with its declared access. `router.routes` lists what it
/// answers; a test checks it against the table and `openapi.yaml`.
public func buildRouter(_ server: ServerContext) -> Router<FlotillaRequestContext> { buildRouter(server, views: ViewCache(server)) }

func buildRouter(_ server: ServerContext, views cache: ViewCache) -> Router<FlotillaRequestContext> {
    let router = Router(context: FlotillaRequestContext.self, options: .autoGenerateHeadEndpoints)
    router.add(middleware: ErrorBodies(server: server))
    let store = server.store

    router.on(Routes.healthz, server: server) { _, _ in try await Health.liveness(server) }
    router.on(Routes.readyz, server: server) { _, _ in try await Health.readiness(server) }
    router.on(Routes.metrics, server: server) { _, _ in
        let text = try await offPool { try server.metrics.render(server) }
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: text)))
    }
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
        let view = try bot(context, store, live: server.fleet?.live)
        return try JSON.response(BotHealth.of(view.instances.map(\.healthInput), degraded: view.degraded))
    }
    router.on(Routes.botAction, server: server) { _, context in
        let name = try context.parameters.require("name")
        let text = try context.parameters.require("action")
        let actions = BotAction.allCases.filter { $0 != .delete }  // delete is DELETE /api/v1/bots/{name}
        guard let action = BotAction(rawValue: text), action != .delete else {
            throw APIError.badRequest("unknown action \"\(text.prefix(40))\"\(Suggestion.hint(for: text, among: actions.map(\.rawValue))); use \(actions.map(\.rawValue).joined(separator: ", "))")
        }
        let result = try BotControls(store: store).perform(action, bot: name, operation: "POST /api/v1/bots/\(name)/\(text)")
        cache.invalidate()
        return try JSON.response(result, status: .accepted)
    }
    router.on(Routes.botDelete, server: server) { _, context in
        let name = try context.parameters.require("name")
        let result = try BotControls(store: store).perform(.delete, bot: name, operation: "DELETE /api/v1/bots/\(name)")
        cache.invalidate()
        return try JSON.response(result)
    }
    router.on(Routes.rollout, server: server) { _, context in
        let view = try bot(context, store)
        guard let status = try RolloutStatus.load(bot: view.name, store: store) else { throw APIError.notFound("bot \(view.name) has no rollout yet") }
        return try JSON.response(status)
    }
    router.on(Routes.rolloutAction, server: server) { request, context in
        let name = try context.parameters.require("name")
        let query = { try QueryValues.decode(RolloutQuery.self, from: request, context: context) }
        let wanted: RolloutRequest
        switch try context.parameters.require("action") {
        case "promote": wanted = .promote(full: try query().full?.value ?? false)
        case "abort": wanted = .abort
        case "retry": wanted = .retry
        case "undo": wanted = .undo(toRevision: try query().toRevision?.value)
        case let other:
            throw APIError.badRequest("unknown action \"\(other.prefix(40))\"; use promote, abort, retry or undo")
        }
        let result = try RolloutCommands(store: store).send(wanted, bot: name)
        cache.invalidate()
        return try JSON.response(result, status: .accepted)
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
        let specs = loadProfiles(server)
        return try JSON.response(specs.keys.sorted())
    }
    router.on(Routes.profile, server: server) { _, context in
        let name = try context.parameters.require("name")
        guard let profile = loadProfiles(server)[name] else { throw APIError.notFound("no profile \"\(name)\"") }
        let settings = profile.resolvedSettings
        let base: [String: String] = ["name": profile.name, "description": profile.description, "file": profile.file]
        return try JSON.response(base.merging(settings) { a, _ in a })
    }
    router.on(Routes.accounts, server: server) { _, _ in
        // Accounts that do not validate are left out (validate and plan say why).
        try JSON.response(AccountView.all(layout: server.layout, store: store).accounts)
    }
    PlanRoutes.add(to: router, server: server, invalidate: { cache.invalidate() })
    HaltRoutes.add(to: router, server: server, invalidate: { cache.invalidate() })
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

private func loadProfiles(_ server: ServerContext) -> [String: ProfileSpec] {
    // Reading profiles needs neither valid bot files nor their data files; a profile file that
    // does not validate is left out (validate and plan say why).
    SpecLoader.readProfiles(server.layout).profiles
}
