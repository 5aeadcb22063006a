import ArgumentParser
import FlotillaSpec

struct SchemaCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) for bot specs, profiles, accounts, alerts.yaml or fleet-policy.yaml, as committed in schemas/.")

    @Argument(help: "bot, profile, account, alerts or fleet-policy") var kind: String

    func validate() throws {
        guard JSONSchemas.schema(kind) != nil else { throw ValidationError("unknown kind \"\(kind)\"; use bot, profile, account, alerts or fleet-policy") }
    }

    func run(console: Console) async throws {
        console.write(JSONSchemas.schema(kind) ?? "")
    }
}

struct StrategiesCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategies", abstract: "List the strategy kinds, their parameters and defaults.")

    func run(console: Console) async throws {
        for kind in StrategyKind.allCases {
            console.line("\(kind.rawValue): \(kind.summary)")
            // Names longer than the usual column (llm's) widen it rather than be cut.
            let width = max(14, (kind.parameters.map(\.name.count).max() ?? 0) + 1)
            for p in kind.parameters {
                let range: String
                switch p.type {
                case .integer(let min, let max): range = "integer \(min)…\(max)"
                case .decimal(let min, let max): range = "number \(min.canonicalText)…\(max.canonicalText)"
                }
                console.line("    \(p.name.padding(toLength: width, withPad: " ", startingAt: 0)) default \(p.defaultValue.canonicalText.padding(toLength: 6, withPad: " ", startingAt: 0)) \(range) — \(p.help)")
            }
            if kind == .llm { Self.llmHelp(console) }
        }
    }

    static func llmHelp(_ console: Console) {
        let text: [(String, String)] = [
            ("endpoint", "required; chat-completions base URL: https://…, or http:// to a loopback host only (Ollama, llama.cpp)"),
            ("model", "required; e.g. gpt-4o-mini, llama3.1:8b"),
            ("prompt", "the prompt template's text, with {{variables}} (below)"),
            ("promptTemplate", "or a built-in template: \(PromptTemplates.names.joined(separator: " | ")) (default: default)"),
            ("timeout", "one call's deadline, 100ms…10m (default 10s); a later answer is HOLD \"timed out after …\""),
            ("apiKey", "env:NAME or file:/abs/path — a reference, never the key; sent only as Authorization: Bearer"),
        ]
        for (name, help) in text { console.line("    \(name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(help)") }
        console.line("  the model answers JSON: \(DecisionSchema.text)")
        console.line("  anything else (invalid JSON, unknown action, size out of range, late, HTTP error, budget spent) is HOLD, with the reason recorded")
        console.line("  prompt variables:")
        for v in PromptVariable.allCases { console.line("    {{\(v.rawValue)}}".padding(toLength: 26, withPad: " ", startingAt: 0) + v.help) }
    }
}
