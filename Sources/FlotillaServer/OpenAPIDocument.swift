/// The OpenAPI 3.1 description of every route (`GET /openapi.yaml`), generated from the route table
/// (`Routes.all`): each operation says the role it needs (`x-required-role`, and `security: []`
/// when it needs none), the schema of its request body and of each answer (`WireSchemas`), and
/// every answer the server can give it — the route's own, and those of the request gate: 400 for a
/// non-canonical path, 401 with `WWW-Authenticate`, 403 for a role too low or a foreign origin,
/// 413, 415, 421. Built as a tree (`document`) and written as YAML with every string quoted.
/// Tests check it against the router, against openapi-spec-validator, and every route's real
/// answers against its schemas.
public enum OpenAPIDocument {
    struct Answer {
        var status: String
        var description: String
        var schema: APIValue?
        var type = "application/json"
    }

    struct Operation {
        var summary: String
        var parameters: [APIValue] = []
        /// The JSON schema of the request body, for routes that take one.
        var body: APIValue? = nil
        var responses: [Answer]
    }

    typealias S = WireSchemas

    static func ok(_ description: String, _ schema: APIValue, status: String = "200") -> Answer { Answer(status: status, description: description, schema: schema) }
    static func failure(_ status: String, _ description: String) -> Answer { Answer(status: status, description: description, schema: S.ref("Error")) }

    static let strings: APIValue = ["type": "object", "propertyNames": ["pattern": "^[A-Za-z0-9._/-]{1,63}$"], "additionalProperties": ["type": "string"]]
    static let files: APIValue = ["type": "object", "propertyNames": ["pattern": "^(bots\\.d|profiles)/[a-z0-9][a-z0-9-]{0,62}\\.ya?ml$"],
                                  "additionalProperties": ["type": "string"]]
    static let names: APIValue = ["type": "array", "items": S.botName]
    static let prune: APIValue = ["type": ["boolean", "null"]]

    static let name: APIValue = ["name": "name", "in": "path", "required": true, "schema": S.botName]
    static let limit: APIValue = ["name": "limit", "in": "query", "schema": ["type": "integer"], "description": "how many (default 100; clamped to 1…1000)"]
    static let planID: APIValue = ["name": "id", "in": "path", "required": true, "schema": ["type": "string", "pattern": "^[A-Za-z0-9-]{1,40}$"]]

    static let pathParameters: [String: [APIValue]] = [
        "/api/v1/bots/{name}": [name],
        "/api/v1/bots/{name}/{action}": [name, ["name": "action", "in": "path", "required": true,
                                                "schema": ["enum": ["start", "stop", "pause", "resume", "restart", "reset-errors"]]]],
        "/api/v1/bots/{name}/health": [name], "/api/v1/bots/{name}/fills": [name], "/api/v1/bots/{name}/positions": [name],
        "/api/v1/bots/{name}/orders": [name], "/api/v1/bots/{name}/balances": [name], "/api/v1/bots/{name}/revisions": [name],
        "/api/v1/bots/{name}/equity": [name],
        "/api/v1/rollouts/{name}": [name],
        "/api/v1/rollouts/{name}/{action}": [name, ["name": "action", "in": "path", "required": true, "schema": ["enum": ["promote", "abort", "retry", "undo"]]]],
        "/api/v1/profiles/{name}": [name], "/api/v1/profiles/{name}/switch": [name],
        "/api/v1/plans/{id}": [planID],
        "/api/v1/plans/{id}/apply": [planID],
        "/api/v1/tokens/{id}": [["name": "id", "in": "path", "required": true, "schema": ["type": "string", "pattern": "^[0-9a-f]{1,64}$"]]],
    ]

    static let operations: [APIRoute: Operation] = [
        Routes.healthz: .init(summary: "Liveness — the process is alive, its loops tick and recovery finished within its bound",
                              responses: [ok("ok", S.ref("HealthReport")), ok("stalled, or recovery stuck", S.ref("HealthReport"), status: "503")]),
        Routes.readyz: .init(summary: "Readiness — store, migrations, recovery, reconciler, venues",
                             responses: [ok("ready", S.ref("HealthReport")), ok("not ready", S.ref("HealthReport"), status: "503")]),
        Routes.metrics: .init(summary: "Prometheus text exposition (trading_bot_* and flotilla_* series)",
                              responses: [Answer(status: "200", description: "metrics", schema: S.string, type: "text/plain")]),
        Routes.dashboard: .init(summary: "The dashboard page (log in with the URL flotilla up prints: /#token=...)",
                                responses: [Answer(status: "200", description: "HTML", schema: S.string, type: "text/html")]),
        Routes.openAPI: .init(summary: "This document", responses: [Answer(status: "200", description: "YAML", schema: S.string, type: "application/yaml")]),
        Routes.bots: .init(summary: "List bots with their rollout, instances and health",
                           parameters: [["name": "selector", "in": "query", "description": "key=value[,key=value]",
                                         "schema": ["type": "string", "pattern": "^([A-Za-z0-9._/-]+=[A-Za-z0-9._-]*(,[A-Za-z0-9._/-]+=[A-Za-z0-9._-]*)*)?$"]]],
                           responses: [ok("bots", S.array(S.ref("Bot")))]),
        Routes.bot: .init(summary: "One bot", responses: [ok("bot", S.ref("Bot"))]),
        Routes.botDelete: .init(summary: "Delete the bot from the desired state", responses: [ok("deleted", S.ref("BotActionResult"))]),
        Routes.botAction: .init(summary: "Control a bot", responses: [ok("requested", S.ref("BotActionResult"), status: "202")]),
        Routes.botHealth: .init(summary: "Health score 0–100 with its parts, status healthy / degraded / unhealthy / dead, anomalies",
                                responses: [ok("health", S.ref("BotHealth"))]),
        Routes.botFills: .init(summary: "The bot's fills, newest last, each with its mode and instance (live by default; shadow fills are simulated)",
                               parameters: [["name": "mode", "in": "query", "schema": ["enum": ["live", "shadow", "all"]]], limit],
                               responses: [ok("fills", S.array(S.ref("Fill")))]),
        Routes.botPositions: .init(summary: "Position, cash and equity per instance", responses: [ok("positions", S.array(S.ref("Position")))]),
        Routes.botOrders: .init(summary: "The running instances' orders, oldest first (exact decimal strings)",
                                parameters: [["name": "status", "in": "query", "schema": ["enum": ["open", "filled", "cancelled", "rejected"]]], limit],
                                responses: [ok("orders", S.array(S.ref("Order")))]),
        Routes.botBalances: .init(summary: "Per instance: starting cash, cash, position, cost basis, realized PnL, fees, equity; the bot's capital and live equity",
                                  responses: [ok("balances", S.ref("Balances"))]),
        Routes.botRevisions: .init(summary: "The bot's kept revisions, newest first", responses: [ok("revisions", S.array(S.ref("Revision")))]),
        Routes.botEquity: .init(summary: "The bot's live equity over time, from the store (downsampled to at most `points`), with its rollout's steps as marks",
                                parameters: [["name": "points", "in": "query", "schema": ["type": "integer"],
                                              "description": "at most this many points (default 200; clamped to 2…1000)"]],
                                responses: [ok("equity history", S.ref("EquityHistory"))]),
        Routes.rollout: .init(summary: "The bot's rollout (steps, capital split, analysis, time left on a timed pause, analyses still to run)",
                              responses: [ok("rollout", S.ref("RolloutStatus"))]),
        Routes.rolloutAction: .init(summary: "Steer a rollout: promote skips the current step (a pause, timed or not, or an analysis); promote with full=true skips them all",
                                    parameters: [["name": "full", "in": "query", "schema": ["type": "boolean"], "description": "promote: skip the remaining steps"],
                                                 ["name": "toRevision", "in": "query", "schema": ["type": "integer"], "description": "undo: the revision (default: the previous)"]],
                                    responses: [ok("requested", S.ref("RolloutActionResult"), status: "202"), failure("409", "no rollout in progress (promote, abort), not aborted (retry), or no kept revision to undo to")]),
        Routes.halt: .init(summary: "The fleet kill switch: halt the bots the selector matches (every bot without one). reduceOnly: exits, stop-losses and take-profits still go through, entries are refused; without it no order of any kind (a stop-loss does not fire). Working entry orders are cancelled. A second halt with the same selector changes its mode and reason. Body, every field optional: {\"reduceOnly\": false, \"selector\": {}, \"reason\": \"...\"}",
                           body: ["type": "object", "additionalProperties": false, "properties": [
                               "reduceOnly": ["type": ["boolean", "null"]], "selector": strings,
                               "reason": ["type": ["string", "null"], "maxLength": 500],
                           ]],
                           responses: [ok("halted", S.ref("FleetHaltResult"), status: "202")]),
        Routes.resumeAll: .init(summary: "Lift the halt with exactly this selector, or without one every person's halt and every loss limit's halt whose period has ended. Body, optional: {\"selector\": {}}",
                                body: ["type": "object", "additionalProperties": false, "properties": ["selector": strings]],
                                responses: [ok("resumed", S.ref("FleetHaltResult"), status: "202"), failure("404", "no halt with this selector")]),
        Routes.events: .init(summary: "Events, newest last, filterable and paginated",
                             parameters: [["name": "bot", "in": "query", "schema": ["type": "string"]], ["name": "kind", "in": "query", "schema": ["type": "string"]], limit,
                                          ["name": "before", "in": "query", "schema": ["type": "integer"], "description": "only events with a smaller id (the next page)"]],
                             responses: [ok("events", S.array(S.ref("Event")))]),
        Routes.strategies: .init(summary: "Strategy kinds and parameters", responses: [ok("kinds", S.array(S.ref("Strategy")))]),
        Routes.profiles: .init(summary: "Profile names", responses: [ok("names", S.array(S.string)), failure("422", "invalid project files")]),
        Routes.profile: .init(summary: "A profile's resolved settings", responses: [ok("profile", S.ref("Profile")), failure("422", "invalid project files")]),
        Routes.profileSwitch: .init(summary: "Plan switching bots to this profile; body {\"selector\": {}, \"targets\": []}, optional, no other fields. Apply with POST /api/v1/plans/{id}/apply",
                                    body: ["type": "object", "additionalProperties": false, "properties": ["selector": strings, "targets": names, "prune": prune]],
                                    responses: [ok("the plan and the files it edits", S.ref("PlanRun"), status: "201"),
                                                failure("422", "invalid files or a file that cannot be edited")]),
        Routes.planCreate: .init(summary: "Plan the project's files, or posted files. Body, every field optional, no other fields: {\"files\": {\"bots.d/x.yaml\": \"...\"}, \"selector\": {}, \"targets\": [], \"prune\": false}",
                                 body: ["type": "object", "additionalProperties": false,
                                        "properties": ["files": files, "selector": strings, "targets": names, "prune": prune]],
                                 responses: [ok("the plan as in docs/plan-json.md, and its id", S.ref("PlanRun"), status: "201"), failure("422", "invalid specs")]),
        Routes.plan: .init(summary: "A plan made through the API, whether it was applied, and why it is stale if it is", responses: [ok("plan", S.ref("StoredPlan"))]),
        Routes.planApply: .init(summary: "Apply exactly this plan; refused when the state serial or a file it read moved since",
                                responses: [ok("applied", S.ref("AppliedPlan")), failure("409", "stale_plan or already_applied; nothing changed")]),
        Routes.audit: .init(summary: "The audit log of mutating calls (bounded: newest 10,000 rows, 30 days)", parameters: [limit],
                            responses: [ok("entries", S.array(S.ref("AuditEntry")))]),
        Routes.accounts: .init(summary: "Exchange accounts: venue, mode, real money, endpoint, bots on each — never credentials",
                               responses: [ok("accounts", S.array(S.ref("Account")))]),
        Routes.tokens: .init(summary: "Tokens, never their secrets", responses: [ok("tokens", S.array(S.ref("Token")))]),
        Routes.tokenCreate: .init(summary: "Create a token; body {\"role\": \"viewer|operator|admin\", \"expires\": \"30d\", \"description\": \"...\"} (expires 1m to 3650d); the secret is in this response only",
                                  body: ["type": "object", "required": ["role"], "additionalProperties": false, "properties": [
                                      "role": ["enum": ["viewer", "operator", "admin"]],
                                      "expires": ["type": ["string", "null"], "pattern": "^([0-9]+(ms|s|m|h|d))+$"],
                                      "description": ["type": ["string", "null"], "maxLength": 200],
                                  ]],
                                  responses: [ok("the secret, once, and the token", S.ref("CreatedToken"), status: "201")]),
        Routes.tokenRevoke: .init(summary: "Revoke a token", responses: [ok("revoked", S.ref("TokenRevoked"))]),
    ]

    /// Every answer a route can give besides its own: the gate's and the route's access and body checks.
    static func gateResponses(_ route: APIRoute, hasPathParameters: Bool) -> [(String, String)] {
        var responses = [("400", "BadRequest"), ("401", "Unauthorized"), ("421", "Misdirected")]
        if route.access != .open || route.isMutating { responses.append(("403", "Forbidden")) }
        if hasPathParameters { responses.append(("404", "NotFound")) }
        if route.isMutating { responses += [("413", "TooLarge"), ("415", "UnsupportedMediaType")] }
        return responses
    }

    static func operation(_ route: APIRoute, pathParameters: Bool) -> APIValue {
        guard let operation = operations[route] else { preconditionFailure("\(route) has no OpenAPI description") }
        var entries: [(key: String, value: APIValue)] = [("summary", .string(operation.summary))]
        switch route.access {
        case .open: entries += [("x-required-role", "none"), ("security", [])]
        case .metrics:
            entries += [("x-required-role", "none"), ("description", "open unless flotilla up --metrics-need-token; then the viewer role"),
                        ("security", [[:], ["bearer": []]])]
        case .role(let role): entries.append(("x-required-role", .string(role.rawValue)))
        }
        if !operation.parameters.isEmpty { entries.append(("parameters", .array(operation.parameters))) }
        if let body = operation.body {
            entries.append(("requestBody", ["required": .bool(route == Routes.tokenCreate), "content": ["application/json": ["schema": body]]]))
        }
        var responses: [(key: String, value: APIValue)] = []
        for answer in operation.responses {
            var response: [(key: String, value: APIValue)] = [("description", .string(answer.description))]
            if let schema = answer.schema {
                let media: APIValue = ["schema": schema]
                response.append(("content", .object([(key: answer.type, value: media)])))
            }
            responses.append((answer.status, .object(response)))
        }
        for (status, reference) in gateResponses(route, hasPathParameters: pathParameters) where !responses.contains(where: { $0.key == status }) {
            responses.append((status, ["$ref": .string("#/components/responses/\(reference)")]))
        }
        entries.append(("responses", .object(responses)))
        return .object(entries)
    }

    static func errorResponse(_ description: String) -> APIValue {
        ["description": .string(description), "content": ["application/json": ["schema": S.ref("Error")]]]
    }

    static let description = """
        The HTTP API of `flotilla up`. JSON in and out; bodies of changes are Content-Type: application/json \
        with no unknown fields. Errors: {"error": {"code", "message", "details"}}. Every call but the health \
        probes, the dashboard page, this document and (by default) /metrics needs a bearer token: `flotilla up` \
        makes an admin token at its first start (.flotilla/admin.token), more with `flotilla token create`. \
        viewer reads, operator acts on bots and rollouts, admin plans, applies, switches profiles, manages \
        tokens and reads the audit log (x-required-role on each operation). Requests must name the server by \
        localhost, 127.0.0.1, [::1], the listen address or an --allowed-host (else 421); changes from a \
        foreign Origin are 403; non-canonical paths (//, /./, %2F, a trailing slash) are 400.
        """

    /// The whole document as a tree.
    public static let document: APIValue = {
        var grouped: [(path: String, routes: [APIRoute])] = []
        for route in Routes.all {
            if let i = grouped.firstIndex(where: { $0.path == route.openAPIPath }) { grouped[i].routes.append(route) } else { grouped.append((route.openAPIPath, [route])) }
        }
        let paths: [(key: String, value: APIValue)] = grouped.map { path, routes in
            var item: [(key: String, value: APIValue)] = []
            let parameters = pathParameters[path] ?? []
            if !parameters.isEmpty { item.append(("parameters", .array(parameters))) }
            for route in routes { item.append((route.method.rawValue.lowercased(), operation(route, pathParameters: !parameters.isEmpty))) }
            return (path, .object(item))
        }
        let unauthorized: APIValue = [
            "description": "no token where one is needed, or credentials that are not a working token",
            "headers": ["WWW-Authenticate": ["schema": ["type": "string"], "description": "Bearer realm=\"flotilla\""]],
            "content": ["application/json": ["schema": S.ref("Error")]],
        ]
        return [
            "openapi": "3.1.0",
            "info": ["title": "Flotilla", "version": "1", "description": .string(description)],
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
                "schemas": .object(WireSchemas.components),
                "responses": [
                    "MethodNotAllowed": errorResponse("a method the route does not have (the Allow header lists them)"),
                    "BadRequest": errorResponse("a malformed request: non-canonical path, bad parameter or body, unknown field"),
                    "Unauthorized": unauthorized,
                    "Forbidden": errorResponse("the token's role is too low, or a change from a foreign origin"),
                    "NotFound": errorResponse("no such bot, rollout, profile, plan or token"),
                    "TooLarge": errorResponse("the body is over the limit (1 MiB)"),
                    "UnsupportedMediaType": errorResponse("a body that is not application/json"),
                    "Misdirected": errorResponse("the Host header names another server (DNS rebinding)"),
                ],
            ],
            "security": [["bearer": []]],
            "paths": .object(paths),
        ]
    }()

    public static let yaml: String = document.yaml
}
