import Foundation

/// The JSON Schemas (draft 2020-12) for `kind: Bot` and `kind: Profile`, generated from the same
/// tables the loader validates with (settings, strategy parameters, names, durations). The files in
/// schemas/ are this output; a test keeps them equal, and another runs both the schema and the
/// loader over the examples and the invalid fixtures.
public enum JSONSchemas {
    public static func bot() -> String { render(botSchema()) }
    public static func profile() -> String { render(profileSchema()) }
    public static func account() -> String { render(accountSchema()) }
    public static func alerts() -> String { render(alertsSchema()) }
    public static func fleetPolicy() -> String { render(fleetPolicySchema()) }

    /// The schema for `kind` (`bot`, `profile`, `account`), or nil.
    public static func schema(_ kind: String) -> String? {
        switch kind {
        case "bot": return bot()
        case "profile": return profile()
        case "account": return account()
        case "alerts": return alerts()
        case "fleet-policy": return fleetPolicy()
        default: return nil
        }
    }

    static func render(_ schema: [String: Any]) -> String {
        let data = try! JSONSerialization.data(withJSONObject: schema, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private static let draft = "https://json-schema.org/draft/2020-12/schema"

    static func object(_ properties: [String: Any], required: [String] = [], extra: [String: Any] = [:]) -> [String: Any] {
        var schema: [String: Any] = ["type": "object", "additionalProperties": false, "properties": properties]
        if !required.isEmpty { schema["required"] = required }
        for (k, v) in extra { schema[k] = v }
        return schema
    }

    static func number(_ d: Decimal) -> Any {
        d.isWholeNumber ? NSDecimalNumber(decimal: d).intValue as Any : NSDecimalNumber(decimal: d).doubleValue as Any
    }

    static var nameSchema: [String: Any] { ["type": "string", "pattern": Name.pattern, "maxLength": Name.maxLength] }
    static var durationRef: [String: Any] { ["$ref": "#/$defs/duration"] }
    static var durationDef: [String: Any] {
        ["type": "string", "pattern": TimeSpan.pattern, "description": "a duration such as 500ms, 30s, 5m, 1h30m or 2d"]
    }

    static func settingSchema(_ key: SettingKey) -> [String: Any] {
        var schema: [String: Any]
        switch key.type {
        case .percent(let min, let exclusive):
            schema = ["type": "number", "maximum": 100]
            schema[exclusive ? "exclusiveMinimum" : "minimum"] = number(min)
        case .integer(let min, let max): schema = ["type": "integer", "minimum": min, "maximum": max]
        case .decimal(let min, let max): schema = ["type": "number", "minimum": number(min), "maximum": number(max)]
        case .money(let min, let max): schema = ["type": "number", "minimum": number(min), "maximum": number(max)]
        case .duration: schema = durationRef
        case .timeZone: schema = ["type": "string", "minLength": 1]
        }
        schema["description"] = key.help + " (default \(key.defaultValue))"
        return schema
    }

    static func settingsDefs() -> [String: Any] {
        var defs: [String: Any] = ["duration": durationDef]
        for group in [SettingKey.Group.risk, .runtime] {
            var properties: [String: Any] = [:]
            for key in SettingKey.keys(in: group) { properties[key.rawValue] = settingSchema(key) }
            defs[group.rawValue] = object(properties)
        }
        return defs
    }

    // MARK: Profile

    static func profileSchema() -> [String: Any] {
        object(
            [
                "apiVersion": ["const": "flotilla/v1"],
                "kind": ["const": "Profile"],
                "metadata": object(["name": nameSchema, "description": ["type": "string"]], required: ["name"]),
                "spec": object(["risk": ["$ref": "#/$defs/risk"], "runtime": ["$ref": "#/$defs/runtime"]]),
            ],
            required: ["apiVersion", "kind", "metadata"],
            extra: [
                "$schema": draft, "$id": "https://flotilla.dev/schemas/profile.schema.json", "title": "Flotilla Profile",
                "$defs": settingsDefs(),
            ])
    }

    // MARK: Account

    static func accountSchema() -> [String: Any] {
        let reference: [String: Any] = [
            "type": "string", "pattern": "^(env:[A-Za-z0-9_]+|file:(/|~/).+)$",
            "description": "a reference to the credential, env:NAME or file:PATH — never the secret itself",
        ]
        func perVenue(_ venue: VenueSpec.Kind) -> [String: Any] {
            let roles = AccountSpec.credentialRoles(venue)
            return [
                "if": ["properties": ["venue": ["const": venue.rawValue]]],
                "then": ["properties": [
                    "credentials": object(Dictionary(uniqueKeysWithValues: roles.map { ($0, reference as Any) }), required: roles),
                ]],
            ]
        }
        let port = "(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?"
        let loopback = AccountSpec.loopbackHosts.map { $0.replacingOccurrences(of: ".", with: "\\.").replacingOccurrences(of: "[", with: "\\[").replacingOccurrences(of: "]", with: "\\]") }
            .joined(separator: "|")
        func endpoint(_ venue: VenueSpec.Kind, _ mode: AccountMode) -> [String: Any] {
            let hosts = AccountSpec.venueHosts(venue, mode: mode).map { $0.replacingOccurrences(of: ".", with: "\\.") }
            let own = hosts.isEmpty ? "" : "https://(\(hosts.joined(separator: "|")))\(port)/?|"
            return [
                "if": ["properties": ["venue": ["const": venue.rawValue], "mode": ["const": mode.rawValue]], "required": ["venue", "mode"]],
                "then": ["properties": ["endpoint": ["pattern": "^(\(own)https?://(\(loopback))\(port)/?)$"]]],
            ]
        }
        let exchanges = VenueSpec.Kind.allCases.filter(\.isExchange)
        let balance: [String: Any] = [
            "type": "object", "minProperties": 1, "propertyNames": ["pattern": "^[A-Z0-9]{2,12}$"],
            "additionalProperties": ["type": "number", "minimum": 0, "maximum": number(Money.max)],
            "description": "what the account holds by asset (USDT: 10000), at most \(Money.places) decimal places: the bots' capital is allocated from it",
        ]
        var spec = object(
            [
                "venue": ["enum": VenueSpec.Kind.allCases.map(\.rawValue)],
                "balance": balance,
                "mode": ["enum": AccountMode.allCases.map(\.rawValue), "description": "testnet: play money; live: real money"],
                "credentials": ["type": "object"],
                "liveEnabled": ["type": "boolean", "description": "must be true for mode live: real money is traded on purpose"],
                "endpoint": [
                    "type": "string",
                    "description": "the venue's base URL when not its published one: loopback (the simulator) or https to one of the venue's hosts",
                ],
            ],
            required: ["venue"])
        let paperOnly: [String: Any] = [
            "if": ["properties": ["venue": ["const": "paper"]], "required": ["venue"]],
            "then": ["required": ["balance"], "not": ["anyOf": ["mode", "credentials", "liveEnabled", "endpoint"].map { ["required": [$0]] }]],
            "else": ["required": ["mode", "credentials"]],
        ]
        spec["allOf"] = [paperOnly] + exchanges.map(perVenue) + exchanges.flatMap { v in AccountMode.allCases.map { endpoint(v, $0) } } + [
            ["if": ["properties": ["mode": ["const": "live"]], "required": ["mode"]],
             "then": ["properties": ["liveEnabled": ["const": true]], "required": ["liveEnabled"]]],
            ["if": ["properties": ["venue": ["const": "coinbase"]]], "then": ["properties": ["mode": ["const": "live"]]]],
        ]
        return object(
            [
                "apiVersion": ["const": "flotilla/v1"],
                "kind": ["const": "Account"],
                "metadata": object(["name": nameSchema, "description": ["type": "string"]], required: ["name"]),
                "spec": spec,
            ],
            required: ["apiVersion", "kind", "metadata", "spec"],
            extra: ["$schema": draft, "$id": "https://flotilla.dev/schemas/account.schema.json", "title": "Flotilla Account"])
    }

    // MARK: Fleet policy

    static func fleetPolicySchema() -> [String: Any] {
        let money: [String: Any] = ["type": "number", "minimum": 0, "maximum": number(Money.max)]
        let pct: [String: Any] = ["type": "number", "exclusiveMinimum": 0, "maximum": 100]
        var rule = object([
            "symbol": ["type": "string", "pattern": Market.symbolPattern],
            "asset": ["type": "string", "pattern": "^[A-Z0-9]{2,12}$"],
            "account": nameSchema,
            "maxNotional": money.merging(["description": "the bots' combined notional in scope, quote currency"]) { a, _ in a },
            "maxPctOfEquity": pct.merging(["description": "% of the equity of the bots in scope"]) { a, _ in a },
            "maxQuantity": money.merging(["description": "an asset rule: the asset held across its symbols"]) { a, _ in a },
        ])
        rule["oneOf"] = [["required": ["symbol"]], ["required": ["asset"]]]
        rule["anyOf"] = [["required": ["maxNotional"]], ["required": ["maxPctOfEquity"]], ["required": ["maxQuantity"]]]
        rule["if"] = ["required": ["symbol"]]
        rule["then"] = ["not": ["required": ["maxQuantity"]]]
        return object(
            [
                "apiVersion": ["const": "flotilla/v1"],
                "kind": ["const": "FleetPolicy"],
                "metadata": object(["name": nameSchema, "description": ["type": "string"]]),
                "spec": object([
                    "exposure": ["type": "array", "items": rule],
                    "conflicts": ["enum": FleetPolicySpec.ConflictPolicy.allCases.map(\.rawValue),
                                  "description": "one bot long and another short on a symbol of one account: block refuses the order, warn records it (default), allow ignores it"],
                    "concentration": object(["maxSymbolPctOfEquity": pct.merging(["description": "the largest share of an account's equity one symbol may take"]) { a, _ in a }]),
                ]),
            ],
            required: ["apiVersion", "kind", "spec"],
            extra: ["$schema": draft, "$id": "https://flotilla.dev/schemas/fleet-policy.schema.json", "title": "Flotilla FleetPolicy"])
    }

    // MARK: Alerts

    static func alertsSchema() -> [String: Any] {
        let url: [String: Any] = [
            "type": "string",
            "pattern": "^(https://[^/@?#\\s]+(/[^?#\\s]*)?|http://(127\\.[0-9.]+|localhost|\\[::1\\])(:[0-9]{1,5})?(/[^?#\\s]*)?|env:[A-Za-z0-9_]+|file:(/|~/).+)$",
            "description": "https://host/path, http:// only to 127.0.0.1 or localhost, or a reference env:NAME / file:PATH when the URL carries a token (a Slack webhook)",
        ]
        let webhook = object(
            [
                "name": nameSchema,
                "url": url,
                "on": ["type": "array", "minItems": 1, "uniqueItems": true, "items": ["enum": AlertTopic.allCases.map(\.rawValue)],
                       "description": "what to send; every alert when left out"],
            ],
            required: ["name", "url"])
        return object(
            [
                "apiVersion": ["const": "flotilla/v1"],
                "kind": ["const": "Alerts"],
                "metadata": object(["name": nameSchema, "description": ["type": "string"]]),
                "spec": object(
                    [
                        "webhooks": ["type": "array", "items": webhook],
                        "dedupWindow": durationRef.merging(["description": "the same alert (topic, bot, revision) is sent once per window (default 10m)"]) { $1 },
                        "timeout": durationRef.merging(["description": "how long one POST may take (default 5s)"]) { $1 },
                        "retry": object([
                            "attempts": ["type": "integer", "minimum": 1, "maximum": 20, "description": "tries per alert, the first included (default 5)"],
                            "backoff": durationRef.merging(["description": "the wait before the second try, doubled after each (default 1s)"]) { $1 },
                            "maxBackoff": durationRef.merging(["description": "the longest wait between tries (default 1m)"]) { $1 },
                        ]),
                    ],
                    required: ["webhooks"]),
            ],
            required: ["apiVersion", "kind", "spec"],
            extra: ["$schema": draft, "$id": "https://flotilla.dev/schemas/alerts.schema.json", "title": "Flotilla Alerts",
                    "$defs": ["duration": durationDef]])
    }

    // MARK: Bot

    static func botSchema() -> [String: Any] {
        var defs = settingsDefs()
        defs["analysisName"] = nameSchema
        defs["market"] = marketSchema()
        defs["strategy"] = strategySchema()
        defs["deploy"] = deploySchema()
        let labels: [String: Any] = [
            "type": "object",
            "propertyNames": ["pattern": Label.keyPattern, "maxLength": 63],
            "additionalProperties": ["type": "string", "pattern": Label.valuePattern, "maxLength": 63],
        ]
        let spec = object(
            [
                "profile": ["type": "string", "description": "a profile's name from profiles/"],
                "venue": object([
                    "kind": ["enum": VenueSpec.Kind.allCases.map(\.rawValue)],
                    "account": nameSchema,
                ]),
                "market": ["$ref": "#/$defs/market"],
                "strategy": ["$ref": "#/$defs/strategy"],
                "capital": object(["quote": [
                    "type": "number", "exclusiveMinimum": 0, "maximum": number(Money.max),
                    "description": "the bot's capital in the quote currency, at most \(Money.places) decimal places",
                ]], required: ["quote"]),
                "risk": ["$ref": "#/$defs/risk"],
                "runtime": ["$ref": "#/$defs/runtime"],
                "deploy": ["$ref": "#/$defs/deploy"],
                "suspend": ["type": "boolean", "description": "true freezes reconciliation of the bot (no rollout steps, no reverts) without stopping it"],
                "drift": ["enum": DriftPolicy.allCases.map(\.rawValue),
                          "description": "a pause or stop made outside the files: report shows it (default), correct reverts it"],
            ],
            required: ["profile", "market", "strategy", "capital"])
        return object(
            [
                "apiVersion": ["const": "flotilla/v1"],
                "kind": ["const": "Bot"],
                "metadata": object(["name": nameSchema, "labels": labels], required: ["name"]),
                "spec": spec,
            ],
            required: ["apiVersion", "kind", "metadata", "spec"],
            extra: [
                "$schema": draft, "$id": "https://flotilla.dev/schemas/bot.schema.json", "title": "Flotilla Bot",
                "$defs": defs,
            ])
    }

    static func marketSchema() -> [String: Any] {
        let symbol: [String: Any] = ["type": "string", "pattern": Market.symbolPattern]
        let synthetic = object([
            "seed": ["type": "integer", "minimum": 0, "maximum": Int(Int32.max)],
            "startPrice": ["type": "number", "exclusiveMinimum": 0, "maximum": 1_000_000_000],
            "volatilityPct": ["type": "number", "minimum": 0, "maximum": 50],
            "driftPct": ["type": "number", "minimum": -50, "maximum": 50],
        ])
        let source = object(
            [
                "replay": ["type": "string", "minLength": 1, "description": "CSV candles: a bundled data set or a path; {symbol}, {base}, {quote} are replaced per instance"],
                "synthetic": synthetic,
                "live": ["enum": MarketSource.LiveVenue.allCases.map(\.rawValue),
                         "description": "closed candles from a real venue as they complete, history backfilled for the warm-up; one feed per (venue, symbol, interval) for the fleet"],
                "account": ["type": "string", "description": "the venue account whose endpoint a live source reads (default: the venue's public endpoint)"],
                "speed": ["type": "number", "exclusiveMinimum": 0, "maximum": 1_000_000],
            ],
            extra: ["oneOf": [["required": ["replay"]], ["required": ["synthetic"]], ["required": ["live"]]]])
        return object(
            [
                "symbol": symbol,
                "symbols": ["type": "array", "items": symbol, "minItems": 1, "uniqueItems": true],
                "interval": durationRef,
                "source": source,
            ],
            required: ["interval"],
            extra: ["oneOf": [["required": ["symbol"]], ["required": ["symbols"]]]])
    }

    static func strategySchema() -> [String: Any] {
        var rules: [[String: Any]] = []
        for kind in StrategyKind.allCases {
            var params: [String: Any] = [:]
            for p in kind.parameters {
                switch p.type {
                case .integer(let min, let max):
                    params[p.name] = ["type": "integer", "minimum": min, "maximum": max, "description": "\(p.help) (default \(p.defaultValue.canonicalText))"]
                case .decimal(let min, let max):
                    params[p.name] = ["type": "number", "minimum": number(min), "maximum": number(max), "description": "\(p.help) (default \(p.defaultValue.canonicalText))"]
                }
            }
            var then: [String: Any] = ["properties": ["params": object(params)]]
            if kind == .llm {
                params["endpoint"] = ["type": "string", "pattern": "^(https://|http://(localhost|127\\.[0-9]+\\.[0-9]+\\.[0-9]+|\\[::1\\])([:/]|$))",
                                      "description": "chat-completions base URL: https://, or http:// to a loopback host only"]
                params["model"] = ["type": "string", "minLength": 1, "maxLength": 200, "description": "model name, e.g. gpt-4o-mini"]
                params["prompt"] = ["type": "string", "minLength": 1, "maxLength": 32_768, "description": "prompt template text with {{variables}} (flotilla strategies)"]
                params["promptTemplate"] = ["enum": PromptTemplates.names, "description": "a built-in prompt template (default: default)"]
                params["timeout"] = durationRef.merging(["description": "one call's deadline (default 10s); later is HOLD"]) { a, _ in a }
                params["apiKey"] = ["type": "string", "pattern": "^(env:[A-Za-z0-9_]+|file:(/|~/).+)$", "description": "env:NAME or file:/abs/path; never the key"]
                then = [
                    "required": ["params"],
                    "properties": ["params": object(params, required: ["endpoint", "model"],
                                                    extra: ["not": ["required": ["prompt", "promptTemplate"]]])],
                ]
            }
            rules.append([
                "if": ["properties": ["kind": ["const": kind.rawValue]]],
                "then": then,
            ])
        }
        return object(
            [
                "kind": ["enum": StrategyKind.allCases.map(\.rawValue)],
                "params": ["type": "object"],
                "longOnly": ["type": "boolean"],
            ],
            required: ["kind"],
            extra: ["allOf": rules])
    }

    static func deploySchema() -> [String: Any] {
        let analysisRef: [String: Any] = ["$ref": "#/$defs/analysisName"]
        let stage = object(
            ["name": ["enum": ["shadow", "live"]], "duration": durationRef, "analysis": analysisRef],
            required: ["name"],
            extra: ["if": ["properties": ["name": ["const": "shadow"]]], "then": ["required": ["duration"]]])
        let percentText = "^(100(\\.0+)?|[0-9]{1,2}(\\.[0-9]+)?)%$"
        let canaryStep: [String: Any] = [
            "oneOf": [
                object(["setCapital": ["oneOf": [["type": "number", "exclusiveMinimum": 0, "maximum": 100], ["type": "string", "pattern": percentText]]]], required: ["setCapital"]),
                object(["pause": ["oneOf": [durationRef, object(["duration": durationRef])]]], required: ["pause"]),
                object(["analysis": analysisRef], required: ["analysis"]),
            ]
        ]
        let check = object(
            [
                "metric": ["enum": AnalysisTemplate.Metric.allCases.map(\.rawValue)],
                "relativeToStable": ["type": "boolean"],
                "min": ["type": "number"],
                "max": ["type": "number"],
            ],
            required: ["metric"],
            extra: ["anyOf": [["required": ["min"]], ["required": ["max"]]]])
        let template = object(
            ["minTrades": ["type": "integer", "minimum": 0, "maximum": 100_000], "checks": ["type": "array", "items": check, "minItems": 1]],
            required: ["checks"])
        var dependent: [String: Any] = [:]
        for (block, strategy) in [("staged", "staged"), ("canary", "canary"), ("blueGreen", "blue-green"), ("rolling", "rolling")] {
            dependent[block] = ["required": ["strategy"], "properties": ["strategy": ["const": strategy]]]
        }
        return object(
            [
                "strategy": ["enum": DeployStrategy.Name.allCases.map(\.rawValue)],
                "progressDeadline": durationRef,
                "autoRollback": ["type": "boolean"],
                "revisionHistoryLimit": ["type": "integer", "minimum": 1, "maximum": 1000],
                "staged": object(["stages": ["type": "array", "items": stage, "minItems": 1]], required: ["stages"]),
                "canary": object(["steps": ["type": "array", "items": canaryStep, "minItems": 1]], required: ["steps"]),
                "blueGreen": object([
                    "previewDuration": durationRef, "prePromotionAnalysis": analysisRef, "postPromotionAnalysis": analysisRef,
                    "autoPromote": ["type": "boolean"], "scaleDownDelay": durationRef,
                ]),
                "rolling": object([
                    "maxUnavailable": ["type": "integer", "minimum": 0, "maximum": 1000],
                    "maxSurge": ["type": "integer", "minimum": 0, "maximum": 1000],
                    "minHealthyTime": durationRef,
                ]),
                "analysisTemplates": [
                    "type": "object", "propertyNames": ["pattern": Name.pattern, "maxLength": Name.maxLength, "not": ["const": "default"]],
                    "additionalProperties": template,
                ],
            ],
            extra: ["dependentSchemas": dependent])
    }
}
