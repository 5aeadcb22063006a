import FlotillaSpec
/// The JSON Schemas of every body the API sends and takes, one per wire (Codable) type, in one
/// place: `openapi.yaml`'s `components/schemas`, referenced by each operation. Objects list their
/// fields exactly (`additionalProperties: false`), the non-optional ones `required`, so a field
/// added to, renamed in or dropped from a wire type fails the test that validates every route's
/// real answers against these (`OpenAPIValidationTests`) and schemathesis' response checks.
enum WireSchemas {
    static let string: APIValue = ["type": "string"]
    static let integer: APIValue = ["type": "integer"]
    static let number: APIValue = ["type": "number"]
    static let boolean: APIValue = ["type": "boolean"]
    /// `Fixed`: an exact decimal written as a string.
    static let decimal: APIValue = ["type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$"]
    static let date: APIValue = ["type": "string", "format": "date-time"]
    static let botName: APIValue = ["type": "string", "pattern": "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"]

    static func ref(_ name: String) -> APIValue {
        precondition(components.contains { $0.key == name }, "no schema \(name)")
        return ["$ref": .string("#/components/schemas/\(name)")]
    }
    static func array(_ items: APIValue) -> APIValue { ["type": "array", "items": items] }
    static func map(_ values: APIValue) -> APIValue { ["type": "object", "additionalProperties": values] }
    static func choice(_ values: String...) -> APIValue { ["type": "string", "enum": .array(values.map { .string($0) })] }
    /// One of a typed state's stored names (the wire says what the store and the engine say).
    static func choice<State: CaseIterable & RawRepresentable>(_ type: State.Type) -> APIValue where State.RawValue == String {
        ["type": "string", "enum": .array(type.allCases.map { .string($0.rawValue) })]
    }

    /// An object with exactly these fields; `optional` ones may be absent or null.
    static func object(_ required: KeyValuePairs<String, APIValue>, optional: KeyValuePairs<String, APIValue> = [:], open: Bool = false) -> APIValue {
        var properties: [(key: String, value: APIValue)] = required.map { (key: $0.key, value: $0.value) }
        properties += optional.map { (key: $0.key, value: ["anyOf": [$0.value, ["type": "null"]]]) }
        var schema: [(key: String, value: APIValue)] = [(key: "type", value: "object")]
        if !required.isEmpty { schema.append((key: "required", value: .array(required.map { .string($0.key) }))) }
        schema.append((key: "properties", value: .object(properties)))
        if !open { schema.append((key: "additionalProperties", value: false)) }
        return .object(schema)
    }

    /// Every schema by name, in the order the document lists them.
    static let components: [(key: String, value: APIValue)] = [
        ("Error", object(["error": object(["code": string, "message": string, "details": map(string)])])),
        ("HealthReport", object([
            "status": choice("ok", "unavailable"), "uptimeSeconds": number,
            "components": map(object(["status": string, "detail": string])),
        ])),
        ("Bot", object([
            "name": botName, "labels": map(string), "revision": integer, "profile": string, "strategy": string, "deploy": string,
            "capital": string, "equity": ["type": "string", "description": "the live equity, exact, or \"unknown\""],
            "file": ["type": "string", "description": "the file that declared it when it was applied"],
            "control": choice(BotControl.self),
            "health": choice(HealthStatus.self),
            "instances": array(["$ref": "#/components/schemas/BotInstance"]),
            "venue": choice(VenueSpec.Kind.self), "account": botName, "realMoney": boolean,
        ], optional: ["degraded": ["$ref": "#/components/schemas/Degradation"], "rollout": ["$ref": "#/components/schemas/BotRollout"],
                      "halt": ["$ref": "#/components/schemas/BotHalt"],
                      "sync": ["type": "string", "enum": ["synced", "changed", "not-applied", "orphan", "unknown"],
                               "description": "how it stands against the project's files; orphan: its file is gone and it still trades until apply --prune"]])),
        ("BotInstance", object([
            "id": string, "revision": integer, "symbol": string, "phase": choice(InstancePhase.self), "mode": choice(InstanceMode.self), "capitalPct": string, "candlesSeen": integer,
        ], optional: ["reason": string, "heartbeatAgeSeconds": number, "metrics": ["$ref": "#/components/schemas/InstanceMetrics"]])),
        ("BotRollout", object([
            "strategy": string, "phase": choice(RolloutPhase.self), "candidate": integer, "step": string, "message": string,
        ], optional: ["stable": integer, "stepsDone": integer, "stepsTotal": integer, "lastAnalysis": ["$ref": "#/components/schemas/AnalysisResult"],
                      "degraded": ["$ref": "#/components/schemas/Degradation"]])),
        ("InstanceMetrics", object([
            "trades": integer, "wins": integer, "realizedPnL": string, "unrealizedPnL": string, "equity": string, "returnPct": number,
            "maxDrawdownPct": number, "decisions": integer, "rejects": integer, "slippageBps": number, "position": string, "cash": string,
            "errors": integer, "circuitBreaker": choice(BreakerState.self), "buys": integer, "sells": integer,
        ], optional: ["anomalies": array(["$ref": "#/components/schemas/Anomaly"]), "cpuPct": number, "memoryBytes": integer,
                      "venueResponseSeconds": number, "emergencyStop": string, "model": ["$ref": "#/components/schemas/ModelUsage"]])),
        ("ModelUsage", object([
            "calls": integer, "reused": integer, "holds": ["type": "object", "additionalProperties": integer], "promptTokens": integer,
            "completionTokens": integer, "meanLatencySeconds": number, "lastLatencySeconds": number,
        ], optional: ["lastHold": string])),
        ("Anomaly", object(["metric": string, "value": number, "mean": number, "standardDeviation": number, "at": integer], optional: ["z": number])),
        ("AnalysisResult", object([
            "template": string, "phase": choice("Successful", "Failed", "Inconclusive"),
            "measurements": array(object(["metric": string, "value": number, "relativeToStable": boolean, "passed": boolean],
                                         optional: ["min": number, "max": number])),
            "message": string,
        ])),
        ("Degradation", object([
            "cause": choice("candidateStart", "pendingActions", "restore", "reconcile", "rolloutState"), "reason": string,
            "since": integer, "retryAt": integer, "attempts": integer,
        ], optional: ["revision": integer])),
        ("BotHealth", object([
            "score": number, "status": choice(HealthStatus.self),
            "parts": array(object(["name": string, "score": number, "weight": number, "detail": string])), "anomalies": array(string),
        ])),
        ("BotActionResult", object(["bot": botName, "action": string, "message": string], optional: ["state": choice(BotControl.self)])),
        ("BotHalt", object(["mode": choice(FleetHaltMode.self), "reason": string, "since": date])),
        ("FleetHalt", object([
            "cause": choice("person", "loss-limit"), "mode": choice(FleetHaltMode.self), "selector": map(string), "reason": string,
            "requestedBy": string, "since": date, "bots": array(botName),
        ], optional: ["account": string, "holdsUntil": date])),
        ("FleetHaltResult", object([
            "action": choice("halt", "resume-all", "status"), "halts": array(["$ref": "#/components/schemas/FleetHalt"]), "halted": array(botName),
            "message": string,
        ])),
        ("Fill", object([
            "orderId": integer, "clientOrderId": string, "side": choice("buy", "sell"), "quantity": decimal, "price": decimal, "fee": decimal,
            "liquidity": choice("maker", "taker"), "time": integer, "slippageBps": number, "realizedPnL": decimal,
            "mode": choice(InstanceMode.self), "instance": string,
        ])),
        ("Position", object(["instance": string, "symbol": string, "quantity": string, "cash": string, "equity": string])),
        ("Order", object([
            "instance": string, "symbol": string, "id": integer, "clientOrderId": string, "side": choice("buy", "sell"),
            "type": choice("market", "limit", "stop"), "quantity": decimal, "status": choice("open", "filled", "cancelled", "rejected"), "submittedAt": integer,
        ], optional: ["price": decimal, "quoteBudget": decimal, "rejectReason": string, "filledAt": integer, "fillPrice": decimal, "fee": decimal])),
        ("Balances", object([
            "bot": botName, "capital": string, "liveEquity": string,
            "instances": array(object([
                "instance": string, "symbol": string, "mode": choice(InstanceMode.self), "startingCash": decimal, "cash": decimal, "position": decimal,
                "costBasis": decimal, "realizedPnL": decimal, "feesPaid": decimal, "equity": string,
            ])),
        ])),
        ("Revision", object(["number": integer, "hash": string, "createdAt": date, "current": boolean], optional: ["commit": string, "dirty": boolean])),
        ("RolloutStatus", object([
            "bot": botName, "strategy": string, "candidate": integer, "phase": choice(RolloutPhase.self),
            "step": string, "message": string,
            "instances": array(object(["revision": integer, "symbol": string, "phase": choice(InstancePhase.self), "mode": choice(InstanceMode.self), "capitalPct": string,
                                       "candlesSeen": integer], optional: ["equity": string, "trades": integer])),
            "healthy": boolean, "finished": boolean,
        ], optional: [
            "stable": integer, "stepsDone": integer, "stepsTotal": integer, "lastAnalysis": ["$ref": "#/components/schemas/AnalysisResult"],
            "degraded": ["$ref": "#/components/schemas/Degradation"],
            "pauseRemainingSeconds": ["type": "number", "description": "time left on the timed pause (or wait) the rollout is on"],
            "analysesRemaining": ["type": "array", "items": ["type": "string"], "description": "the analysis templates still to run, in order (the running one first)"],
            "analysisRunning": ["type": "string", "description": "the analysis running now"],
        ])),
        ("RolloutActionResult", object(["bot": botName, "action": choice("promote", "abort", "retry", "undo"), "message": string],
                                       optional: ["toRevision": integer])),
        ("Event", object(["id": integer, "time": date, "kind": string, "message": string], optional: ["bot": string, "revision": integer])),
        ("Strategy", object(["kind": string, "summary": string, "parameters": array(object(["name": string, "defaultValue": string, "help": string]))])),
        ("Profile", ["type": "object", "required": ["name", "description", "file"], "additionalProperties": ["type": "string"],
                     "description": "the profile's name, description and file, and every setting by its path (risk.maxPositionPct: \"25\")"]),
        ("Plan", object([
            "formatVersion": integer, "stateSerial": integer, "inputs": map(string),
            "options": object(["prune": boolean, "selector": map(string), "targets": array(string)]),
            "changes": array(object(["name": botName, "action": choice("create", "update", "replace", "delete"), "deployStrategy": string,
                                     "fields": array(object(["path": string, "forces": string], optional: ["old": string, "new": string]))],
                                    optional: ["revisionBefore": integer, "revisionAfter": integer, "specHashBefore": string, "specHashAfter": string,
                                               "desired": ["type": "object", "description": "the resolved spec (docs/plan-json.md)"]])),
            "orphans": array(string), "unchanged": integer, "risk": ["type": "object", "description": "capital, exposure and limits before → after"],
            "realMoney": array(string),
        ])),
        ("PlanRun", object(["id": string, "source": choice("project", "posted", "profile-switch"), "plan": ["$ref": "#/components/schemas/Plan"]],
                           optional: ["edits": array(string)])),
        ("StoredPlan", object([
            "id": string, "source": choice("project", "posted", "profile-switch"), "createdAt": date, "principal": string, "stale": array(string),
            "plan": ["$ref": "#/components/schemas/Plan"],
        ], optional: ["appliedAt": date, "appliedSerial": integer, "edits": array(string)])),
        ("AppliedPlan", object([
            "id": string, "serial": integer, "revisions": map(integer),
            "summary": object(["add": integer, "change": integer, "replace": integer, "delete": integer]),
        ], optional: ["backups": string])),
        ("AuditEntry", object(["id": integer, "time": date, "principal": string, "method": string, "path": string, "status": integer, "result": string])),
        ("Account", object([
            "name": botName, "venue": choice(VenueSpec.Kind.self), "mode": choice("paper", "testnet", "live"), "realMoney": boolean,
            "endpoint": string, "file": string, "description": string, "credentials": array(string), "bots": array(botName),
            "balance": map(string), "allocated": map(string),
        ])),
        ("Token", object(["id": string, "role": choice("viewer", "operator", "admin"), "description": string, "createdAt": date,
                          "state": choice("active", "expired", "revoked")], optional: ["expiresAt": date, "revokedAt": date])),
        ("CreatedToken", object(["secret": string, "token": ["$ref": "#/components/schemas/Token"]])),
        ("TokenRevoked", object(["id": string, "revoked": string])),
        ("EquityHistory", object([
            "bot": botName, "capital": string,
            "points": array(object(["time": date, "equity": decimal])),
            "marks": array(object(["time": date, "kind": string, "message": string], optional: ["revision": integer])),
        ])),
    ]
}
