import ArgumentParser
import FlotillaSpec

struct SchemaCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) for bot specs, profiles, accounts or alerts.yaml, as committed in schemas/.")

    @Argument(help: "bot, profile, account or alerts") var kind: String

    func validate() throws {
        guard JSONSchemas.schema(kind) != nil else { throw ValidationError("unknown kind \"\(kind)\"; use bot, profile, account or alerts") }
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
            for p in kind.parameters {
                let range: String
                switch p.type {
                case .integer(let min, let max): range = "integer \(min)…\(max)"
                case .decimal(let min, let max): range = "number \(min.canonicalText)…\(max.canonicalText)"
                }
                console.line("    \(p.name.padding(toLength: 14, withPad: " ", startingAt: 0)) default \(p.defaultValue.canonicalText.padding(toLength: 6, withPad: " ", startingAt: 0)) \(range) — \(p.help)")
            }
        }
    }
}
