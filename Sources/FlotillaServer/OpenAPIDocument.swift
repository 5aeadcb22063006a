/// The OpenAPI description of every route (`GET /openapi.yaml`). A test checks that each route the
/// router answers (`buildRouter(_:).routes`) appears here with its method.
public enum OpenAPIDocument {
    public static let yaml = #"""
openapi: 3.1.0
info:
  title: Flotilla
  version: "1"
  description: >
    The HTTP API of `flotilla up`. JSON in and out. Errors: {"error": {"code", "message", "details"}}.
    Bearer tokens (`flotilla token create --role viewer|operator|admin`); while no token exists the API is open
    (the server then only binds loopback). viewer reads, operator acts on bots and rollouts, admin plans, applies, switches profiles and audits.
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer }
  schemas:
    Error:
      type: object
      properties:
        error:
          type: object
          properties: { code: { type: string }, message: { type: string }, details: { type: object } }
security: [ { bearer: [] } ]
paths:
  /healthz:
    get: { summary: Liveness — the process is alive and its loops tick, security: [], responses: { "200": { description: ok }, "503": { description: stalled } } }
  /readyz:
    get: { summary: Readiness — store, migrations, recovery, reconciler, venues, security: [], responses: { "200": { description: ready }, "503": { description: not ready } } }
  /metrics:
    get: { summary: Prometheus text exposition (trading_bot_* and flotilla_* series), security: [], responses: { "200": { description: metrics } } }
  /:
    get: { summary: The dashboard page, security: [], responses: { "200": { description: HTML } } }
  /openapi.yaml:
    get: { summary: This document, security: [], responses: { "200": { description: YAML } } }
  /api/v1/bots:
    get:
      summary: List bots with their rollout, instances and health
      parameters: [ { name: selector, in: query, schema: { type: string }, description: "key=value[,key=value]" } ]
      responses: { "200": { description: bots }, "400": { description: bad selector }, "401": { description: no token }, "403": { description: role } }
  /api/v1/bots/{name}:
    parameters: [ { name: name, in: path, required: true, schema: { type: string } } ]
    get: { summary: One bot, responses: { "200": { description: bot }, "404": { description: unknown bot } } }
    delete: { summary: Delete the bot from the desired state (operator), responses: { "200": { description: deleted }, "404": { description: unknown bot } } }
  /api/v1/bots/{name}/{action}:
    parameters:
      - { name: name, in: path, required: true, schema: { type: string } }
      - { name: action, in: path, required: true, schema: { enum: [start, stop, pause, resume, restart, reset-errors] } }
    post: { summary: Control a bot (operator), responses: { "202": { description: requested }, "400": { description: unknown action }, "404": { description: unknown bot } } }
  /api/v1/bots/{name}/health:
    parameters: [ { name: name, in: path, required: true, schema: { type: string } } ]
    get: { summary: "Health score 0–100 with its parts, status healthy / degraded / unhealthy / dead, anomalies", responses: { "200": { description: health } } }
  /api/v1/bots/{name}/fills:
    parameters: [ { name: name, in: path, required: true, schema: { type: string } }, { name: limit, in: query, schema: { type: integer } } ]
    get: { summary: The bot's fills, newest last, responses: { "200": { description: fills } } }
  /api/v1/bots/{name}/positions:
    parameters: [ { name: name, in: path, required: true, schema: { type: string } } ]
    get: { summary: Position, cash and equity per instance, responses: { "200": { description: positions } } }
  /api/v1/bots/{name}/orders:
    parameters:
      - { name: name, in: path, required: true, schema: { type: string } }
      - { name: status, in: query, schema: { enum: [open, filled, cancelled, rejected] } }
      - { name: limit, in: query, schema: { type: integer, maximum: 1000 } }
    get: { summary: "The running instances' orders, oldest first (exact decimal strings)", responses: { "200": { description: orders }, "400": { description: bad status } } }
  /api/v1/bots/{name}/balances:
    parameters: [ { name: name, in: path, required: true, schema: { type: string } } ]
    get: { summary: "Per instance: starting cash, cash, position, cost basis, realized PnL, fees, equity; the bot's capital and live equity", responses: { "200": { description: balances } } }
  /api/v1/bots/{name}/revisions:
    parameters: [ { name: name, in: path, required: true, schema: { type: string } } ]
    get: { summary: "The bot's kept revisions, newest first", responses: { "200": { description: revisions } } }
  /api/v1/rollouts/{name}:
    parameters: [ { name: name, in: path, required: true, schema: { type: string } } ]
    get: { summary: The bot's rollout (steps, capital split, analysis), responses: { "200": { description: rollout }, "404": { description: none } } }
  /api/v1/rollouts/{name}/{action}:
    parameters:
      - { name: name, in: path, required: true, schema: { type: string } }
      - { name: action, in: path, required: true, schema: { enum: [promote, abort, retry, undo] } }
      - { name: full, in: query, schema: { type: boolean }, description: "promote: skip the remaining steps" }
      - { name: toRevision, in: query, schema: { type: integer }, description: "undo: the revision (default: the previous)" }
    post: { summary: Steer a rollout (operator), responses: { "202": { description: requested }, "400": { description: bad action or revision } } }
  /api/v1/events:
    get:
      summary: Events, newest last, filterable and paginated
      parameters:
        - { name: bot, in: query, schema: { type: string } }
        - { name: kind, in: query, schema: { type: string } }
        - { name: limit, in: query, schema: { type: integer, maximum: 1000 } }
        - { name: before, in: query, schema: { type: integer }, description: "only events with a smaller id (the next page)" }
      responses: { "200": { description: events } }
  /api/v1/strategies:
    get: { summary: Strategy kinds and parameters, responses: { "200": { description: kinds } } }
  /api/v1/profiles:
    get: { summary: Profile names, responses: { "200": { description: names } } }
  /api/v1/profiles/{name}:
    parameters: [ { name: name, in: path, required: true, schema: { type: string } } ]
    get: { summary: A profile's resolved settings, responses: { "200": { description: profile }, "404": { description: unknown profile } } }
  /api/v1/profiles/{name}/switch:
    parameters: [ { name: name, in: path, required: true, schema: { type: string } } ]
    post:
      summary: "Plan switching bots to this profile (admin); body {\"selector\": {}, \"targets\": []}, optional. Apply with POST /api/v1/plans/{id}/apply: the bot files are backed up to .flotilla/backups/ and edited"
      responses: { "201": { description: "{id, source, plan, edits}" }, "404": { description: unknown profile }, "422": { description: invalid files } }
  /api/v1/plans:
    post:
      summary: "Plan the project's files, or posted files (admin). Body, every field optional: {\"files\": {\"bots.d/x.yaml\": \"...\"}, \"selector\": {}, \"targets\": [], \"prune\": false}"
      responses: { "201": { description: "{id, source, plan} — the plan as in docs/plan-json.md" }, "400": { description: malformed body }, "413": { description: body too large }, "422": { description: invalid specs } }
  /api/v1/plans/{id}:
    parameters: [ { name: id, in: path, required: true, schema: { type: string } } ]
    get: { summary: "A plan made through the API, whether it was applied, and why it is stale if it is (admin)", responses: { "200": { description: plan }, "404": { description: unknown plan } } }
  /api/v1/plans/{id}/apply:
    parameters: [ { name: id, in: path, required: true, schema: { type: string } } ]
    post: { summary: "Apply exactly this plan (admin); refused when the state serial or a file it read moved since", responses: { "200": { description: "{id, serial, revisions, summary, backups}" }, "404": { description: unknown plan }, "409": { description: "stale_plan or already_applied; nothing changed" } } }
  /api/v1/audit:
    get: { summary: The audit log of every mutating call (admin), responses: { "200": { description: entries } } }
  /api/v1/tokens:
    get: { summary: "Tokens, never their secrets (admin)", responses: { "200": { description: tokens } } }
    post:
      summary: "Create a token (admin); body {\"role\": \"viewer|operator|admin\", \"expires\": \"30d\", \"description\": \"...\"}; the secret is in this response only"
      responses: { "201": { description: "{secret, token}" }, "400": { description: bad role or duration } }
  /api/v1/tokens/{id}:
    parameters: [ { name: id, in: path, required: true, schema: { type: string } } ]
    delete: { summary: Revoke a token (admin), responses: { "200": { description: revoked }, "404": { description: no active token } } }
"""#
}
