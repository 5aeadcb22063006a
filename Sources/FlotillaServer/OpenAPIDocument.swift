/// The OpenAPI description of every route (`GET /openapi.yaml`), generated from the route table
/// (`Routes.all`): each operation says the role it needs (`x-required-role`, and `security: []`
/// when it needs none) and every answer the server can give it — the route's own, and those of the
/// request gate: 400 for a non-canonical path, 401 with `WWW-Authenticate`, 403 for a role too low
/// or a foreign origin, 413, 415, 421. A test checks the document against the router.
public enum OpenAPIDocument {
    struct Operation {
        var summary: String
        var parameters: [String] = []
        /// The JSON schema of the request body, for routes that take one.
        var body: String? = nil
        var responses: [(status: String, description: String)]
    }

    static let strings = "{ type: object, propertyNames: { pattern: \"^[A-Za-z0-9._/-]{1,63}$\" }, additionalProperties: { type: string } }"
    static let files = "{ type: object, propertyNames: { pattern: \"^(bots\\\\.d|profiles)/[a-z0-9][a-z0-9-]{0,62}\\\\.ya?ml$\" }, additionalProperties: { type: string } }"
    static let names = "{ type: array, items: { type: string, pattern: \"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$\" } }"

    static let name = "{ name: name, in: path, required: true, schema: { type: string, pattern: \"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$\" } }"
    static let limit = "{ name: limit, in: query, schema: { type: integer }, description: \"how many (default 100; clamped to 1…1000)\" }"

    static let pathParameters: [String: [String]] = [
        "/api/v1/bots/{name}": [name],
        "/api/v1/bots/{name}/{action}": [name, "{ name: action, in: path, required: true, schema: { enum: [start, stop, pause, resume, restart, reset-errors] } }"],
        "/api/v1/bots/{name}/health": [name], "/api/v1/bots/{name}/fills": [name], "/api/v1/bots/{name}/positions": [name],
        "/api/v1/bots/{name}/orders": [name], "/api/v1/bots/{name}/balances": [name], "/api/v1/bots/{name}/revisions": [name],
        "/api/v1/rollouts/{name}": [name],
        "/api/v1/rollouts/{name}/{action}": [name, "{ name: action, in: path, required: true, schema: { enum: [promote, abort, retry, undo] } }"],
        "/api/v1/profiles/{name}": [name], "/api/v1/profiles/{name}/switch": [name],
        "/api/v1/plans/{id}": ["{ name: id, in: path, required: true, schema: { type: string, pattern: \"^[A-Za-z0-9-]{1,40}$\" } }"],
        "/api/v1/plans/{id}/apply": ["{ name: id, in: path, required: true, schema: { type: string, pattern: \"^[A-Za-z0-9-]{1,40}$\" } }"],
        "/api/v1/tokens/{id}": ["{ name: id, in: path, required: true, schema: { type: string, pattern: \"^[0-9a-f]{1,64}$\" } }"],
    ]

    static let operations: [APIRoute: Operation] = [
        Routes.healthz: .init(summary: "Liveness — the process is alive, its loops tick and recovery finished within its bound",
                              responses: [("200", "ok"), ("503", "stalled, or recovery stuck")]),
        Routes.readyz: .init(summary: "Readiness — store, migrations, recovery, reconciler, venues", responses: [("200", "ready"), ("503", "not ready")]),
        Routes.metrics: .init(summary: "Prometheus text exposition (trading_bot_* and flotilla_* series)", responses: [("200", "metrics")]),
        Routes.dashboard: .init(summary: "The dashboard page (log in with the URL flotilla up prints: /#token=...)", responses: [("200", "HTML")]),
        Routes.openAPI: .init(summary: "This document", responses: [("200", "YAML")]),
        Routes.bots: .init(summary: "List bots with their rollout, instances and health",
                           parameters: ["{ name: selector, in: query, schema: { type: string, pattern: \"^([A-Za-z0-9._/-]+=[A-Za-z0-9._-]*(,[A-Za-z0-9._/-]+=[A-Za-z0-9._-]*)*)?$\" }, description: \"key=value[,key=value]\" }"],
                           responses: [("200", "bots")]),
        Routes.bot: .init(summary: "One bot", responses: [("200", "bot")]),
        Routes.botDelete: .init(summary: "Delete the bot from the desired state", responses: [("200", "deleted")]),
        Routes.botAction: .init(summary: "Control a bot", responses: [("202", "requested")]),
        Routes.botHealth: .init(summary: "Health score 0–100 with its parts, status healthy / degraded / unhealthy / dead, anomalies", responses: [("200", "health")]),
        Routes.botFills: .init(summary: "The bot's fills, newest last, each with its mode and instance (live by default; shadow fills are simulated)",
                               parameters: ["{ name: mode, in: query, schema: { enum: [live, shadow, all] } }", limit], responses: [("200", "fills")]),
        Routes.botPositions: .init(summary: "Position, cash and equity per instance", responses: [("200", "positions")]),
        Routes.botOrders: .init(summary: "The running instances' orders, oldest first (exact decimal strings)",
                                parameters: ["{ name: status, in: query, schema: { enum: [open, filled, cancelled, rejected] } }", limit],
                                responses: [("200", "orders")]),
        Routes.botBalances: .init(summary: "Per instance: starting cash, cash, position, cost basis, realized PnL, fees, equity; the bot's capital and live equity",
                                  responses: [("200", "balances")]),
        Routes.botRevisions: .init(summary: "The bot's kept revisions, newest first", responses: [("200", "revisions")]),
        Routes.rollout: .init(summary: "The bot's rollout (steps, capital split, analysis)", responses: [("200", "rollout")]),
        Routes.rolloutAction: .init(summary: "Steer a rollout",
                                    parameters: ["{ name: full, in: query, schema: { type: boolean }, description: \"promote: skip the remaining steps\" }",
                                                 "{ name: toRevision, in: query, schema: { type: integer }, description: \"undo: the revision (default: the previous)\" }"],
                                    responses: [("202", "requested"), ("409", "undo: no kept revision to undo to")]),
        Routes.events: .init(summary: "Events, newest last, filterable and paginated",
                             parameters: ["{ name: bot, in: query, schema: { type: string } }", "{ name: kind, in: query, schema: { type: string } }", limit,
                                          "{ name: before, in: query, schema: { type: integer }, description: \"only events with a smaller id (the next page)\" }"],
                             responses: [("200", "events")]),
        Routes.strategies: .init(summary: "Strategy kinds and parameters", responses: [("200", "kinds")]),
        Routes.profiles: .init(summary: "Profile names", responses: [("200", "names"), ("422", "invalid project files")]),
        Routes.profile: .init(summary: "A profile's resolved settings", responses: [("200", "profile"), ("422", "invalid project files")]),
        Routes.profileSwitch: .init(summary: "Plan switching bots to this profile; body {\\\"selector\\\": {}, \\\"targets\\\": []}, optional, no other fields. Apply with POST /api/v1/plans/{id}/apply",
                                    body: "{ type: object, additionalProperties: false, properties: { selector: \(strings), targets: \(names), prune: { type: [boolean, \"null\"] } } }",
                                    responses: [("201", "{id, source, plan, edits}"), ("422", "invalid files or a file that cannot be edited")]),
        Routes.planCreate: .init(summary: "Plan the project's files, or posted files. Body, every field optional, no other fields: {\\\"files\\\": {\\\"bots.d/x.yaml\\\": \\\"...\\\"}, \\\"selector\\\": {}, \\\"targets\\\": [], \\\"prune\\\": false}",
                                 body: "{ type: object, additionalProperties: false, properties: { files: \(files), selector: \(strings), targets: \(names), prune: { type: [boolean, \"null\"] } } }",
                                 responses: [("201", "{id, source, plan} — the plan as in docs/plan-json.md"), ("422", "invalid specs")]),
        Routes.plan: .init(summary: "A plan made through the API, whether it was applied, and why it is stale if it is", responses: [("200", "plan")]),
        Routes.planApply: .init(summary: "Apply exactly this plan; refused when the state serial or a file it read moved since",
                                responses: [("200", "{id, serial, revisions, summary, backups}"), ("409", "stale_plan or already_applied; nothing changed")]),
        Routes.audit: .init(summary: "The audit log of mutating calls (bounded: newest 10,000 rows, 30 days)", parameters: [limit], responses: [("200", "entries")]),
        Routes.tokens: .init(summary: "Tokens, never their secrets", responses: [("200", "tokens")]),
        Routes.tokenCreate: .init(summary: "Create a token; body {\\\"role\\\": \\\"viewer|operator|admin\\\", \\\"expires\\\": \\\"30d\\\", \\\"description\\\": \\\"...\\\"} (expires 1m to 3650d); the secret is in this response only",
                                  body: "{ type: object, required: [role], additionalProperties: false, properties: { role: { enum: [viewer, operator, admin] }, expires: { type: [string, \"null\"], pattern: \"^([0-9]+(ms|s|m|h|d))+$\" }, description: { type: [string, \"null\"], maxLength: 200 } } }",
                                  responses: [("201", "{secret, token}")]),
        Routes.tokenRevoke: .init(summary: "Revoke a token", responses: [("200", "revoked")]),
    ]

    /// Every answer a route can give besides its own: the gate's and the route's access and body checks.
    static func gateResponses(_ route: APIRoute, hasPathParameters: Bool) -> [(String, String)] {
        var responses = [("400", "BadRequest"), ("401", "Unauthorized"), ("421", "Misdirected")]
        if route.access != .open || route.isMutating { responses.append(("403", "Forbidden")) }
        if hasPathParameters { responses.append(("404", "NotFound")) }
        if route.isMutating { responses += [("413", "TooLarge"), ("415", "UnsupportedMediaType")] }
        return responses
    }

    static func operationYAML(_ route: APIRoute, pathParameters: Bool) -> String {
        guard let operation = operations[route] else { preconditionFailure("\(route) has no OpenAPI description") }
        var lines = ["    \(route.method.rawValue.lowercased()):", "      summary: \"\(operation.summary)\""]
        switch route.access {
        case .open: lines += ["      x-required-role: none", "      security: []"]
        case .metrics: lines += ["      x-required-role: none", "      description: \"open unless flotilla up --metrics-need-token; then the viewer role\"",
                                 "      security: [ {}, { bearer: [] } ]"]
        case .role(let role): lines += ["      x-required-role: \(role.rawValue)"]
        }
        if !operation.parameters.isEmpty { lines += ["      parameters:"] + operation.parameters.map { "        - \($0)" } }
        if let body = operation.body {
            lines += ["      requestBody:", "        required: \(route == Routes.tokenCreate)", "        content: { application/json: { schema: \(body) } }"]
        }
        lines.append("      responses:")
        var seen = Set<String>()
        for (status, description) in operation.responses {
            seen.insert(status)
            let body = (400..<500).contains(Int(status)!) ? ", content: { application/json: { schema: { $ref: \"#/components/schemas/Error\" } } }" : ""
            lines.append("        \"\(status)\": { description: \"\(description)\"\(body) }")
        }
        for (status, reference) in gateResponses(route, hasPathParameters: pathParameters) where !seen.contains(status) {
            lines.append("        \"\(status)\": { $ref: \"#/components/responses/\(reference)\" }")
        }
        return lines.joined(separator: "\n")
    }

    static let header = #"""
openapi: 3.1.0
info:
  title: Flotilla
  version: "1"
  description: >
    The HTTP API of `flotilla up`. JSON in and out; bodies of changes are Content-Type: application/json
    with no unknown fields. Errors: {"error": {"code", "message", "details"}}. Every call but the health
    probes, the dashboard page, this document and (by default) /metrics needs a bearer token: `flotilla up`
    makes an admin token at its first start (.flotilla/admin.token), more with `flotilla token create`.
    viewer reads, operator acts on bots and rollouts, admin plans, applies, switches profiles, manages
    tokens and reads the audit log (x-required-role on each operation). Requests must name the server by
    localhost, 127.0.0.1, [::1], the listen address or an --allowed-host (else 421); changes from a
    foreign Origin are 403; non-canonical paths (//, /./, %2F, a trailing slash) are 400.
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
  schemas:
    Error:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [code, message, details]
          properties: { code: { type: string }, message: { type: string }, details: { type: object, additionalProperties: { type: string } } }
  responses:
    MethodNotAllowed: { description: "a method the route does not have (the Allow header lists them)", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    BadRequest: { description: "a malformed request: non-canonical path, bad parameter or body, unknown field", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    Unauthorized:
      description: "no token where one is needed, or credentials that are not a working token"
      headers: { WWW-Authenticate: { schema: { type: string }, description: "Bearer realm=\"flotilla\"" } }
      content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } }
    Forbidden: { description: "the token's role is too low, or a change from a foreign origin", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    NotFound: { description: "no such bot, rollout, profile, plan or token", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    TooLarge: { description: "the body is over the limit (1 MiB)", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    UnsupportedMediaType: { description: "a body that is not application/json", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
    Misdirected: { description: "the Host header names another server (DNS rebinding)", content: { application/json: { schema: { $ref: "#/components/schemas/Error" } } } }
security: [ { bearer: [] } ]
paths:
"""#

    public static let yaml: String = {
        var paths: [String] = []
        var grouped: [(path: String, routes: [APIRoute])] = []
        for route in Routes.all {
            if let i = grouped.firstIndex(where: { $0.path == route.openAPIPath }) { grouped[i].routes.append(route) } else { grouped.append((route.openAPIPath, [route])) }
        }
        for (path, routes) in grouped {
            var lines = ["  \(path):"]
            let parameters = pathParameters[path] ?? []
            if !parameters.isEmpty { lines += ["    parameters:"] + parameters.map { "      - \($0)" } }
            lines += routes.map { operationYAML($0, pathParameters: !parameters.isEmpty) }
            paths.append(lines.joined(separator: "\n"))
        }
        return header + "\n" + paths.joined(separator: "\n") + "\n"
    }()
}
