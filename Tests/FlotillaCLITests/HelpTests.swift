import ArgumentParser
@testable import FlotillaCLI
import Foundation
import Testing

/// Every command's `--help` is its own: its usage line, its options, an example — never the usage
/// of the `help` command.
@Suite("help")
struct HelpTests {
    /// Every command path in the tree: ["plan"], ["rollout", "status"], …
    static let paths: [[String]] = {
        func walk(_ command: ParsableCommand.Type, _ prefix: [String]) -> [[String]] {
            command.configuration.subcommands.flatMap { sub -> [[String]] in
                let path = prefix + [sub._commandName]
                return [path] + walk(sub, path)
            }
        }
        return [[]] + walk(FlotillaCommand.self, [])
    }()

    @Test("--help, -h and `help CMD` print the command's own usage and options", arguments: paths)
    func ownHelp(_ path: [String]) async throws {
        for arguments in [path + ["--help"], path + ["-h"], ["help"] + path] {
            let console = Console.capturing(interactive: false, answers: [])
            let code = await CLI.run(arguments, console: console)
            #expect(code == 0, "\(arguments)")
            let text = console.output
            #expect(!text.contains("Show subcommand help information"), "\(arguments): \(text.prefix(200))")
            let usage = "USAGE: flotilla\(path.isEmpty ? "" : " " + path.joined(separator: " "))"
            #expect(text.contains(usage + " ") || text.contains(usage + "\n"), "\(arguments): \(text.prefix(300))")
            #expect(text.contains("-h, --help"), "\(arguments) lists its options")
        }
    }

    @Test("every command and group shows an example", arguments: paths.filter { !$0.isEmpty })
    func examples(_ path: [String]) async throws {
        let console = Console.capturing(interactive: false, answers: [])
        _ = await CLI.run(path + ["--help"], console: console)
        #expect(console.output.contains("Examples:") && console.output.contains("flotilla \(path.joined(separator: " "))"), "\(path): \(console.output.prefix(400))")
    }

    @Test("a mistyped command gets a suggestion", arguments: [("plna", "plan"), ("valdate", "validate"), ("rollot", "rollout"), ("rollout statsu", "status"), ("profile swich", "switch")])
    func suggestion(_ typo: String, _ meant: String) async {
        let console = Console.capturing(interactive: false, answers: [])
        let code = await CLI.run(typo.split(separator: " ").map(String.init), console: console)
        #expect(code == 64)
        #expect(console.errors.contains("did you mean \"\(meant)\""), "\(console.errors)")
    }
}
