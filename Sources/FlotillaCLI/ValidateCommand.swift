import ArgumentParser
import FlotillaSpec
import Foundation

struct ValidateCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check every bot spec and profile; print every problem at once.",
        discussion: "Each problem is printed as file:line:column: field.path: message. Exit 0 valid, 1 invalid.")

    @OptionGroup var global: GlobalOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json")
    var output: String = "text"

    func validate() throws {
        try global.refuseServer("validate", because: "checks local files; plan --server sends them to a server")
        guard ["text", "json"].contains(output) else { throw ValidationError("-o \(output): use text or json") }
    }

    struct Report: Encodable {
        var valid: Bool
        var bots: Int
        var profiles: Int
        var diagnostics: [Diagnostic]
    }

    func run(console: Console) async throws {
        let specs: SpecSet
        do {
            specs = try SpecLoader.load(global.layout)
        } catch {
            guard output == "json" else { throw error }
            console.line(try jsonText(Report(valid: false, bots: 0, profiles: 0, diagnostics: error.diagnostics)))
            throw Exit(code: 1)
        }
        let bots = specs.bots.count, profiles = specs.profiles.count
        let policy = specs.policy != nil
        if output == "json" {
            console.line(try jsonText(Report(valid: true, bots: bots, profiles: profiles, diagnostics: [])))
        } else {
            let accounts = specs.accounts.count
            let parts = ["\(bots) bot\(bots == 1 ? "" : "s")", "\(profiles) profile\(profiles == 1 ? "" : "s")"]
                + (accounts == 0 ? [] : ["\(accounts) account\(accounts == 1 ? "" : "s")"]) + (policy ? ["the fleet policy"] : [])
            console.line("Success! \(parts.dropLast().joined(separator: ", ")) and \(parts.last!) are valid.")
        }
    }
}
