import ArgumentParser
import FlotillaEngine
import FlotillaPlan
import FlotillaSpec
import FlotillaStore
import Foundation

/// A command that writes to a `Console`, so tests run it exactly as the executable does.
protocol ConsoleCommand: ParsableCommand {
    func run(console: Console) async throws
}

/// Exit with a code and no message (the command already said what it had to).
struct Exit: Error {
    var code: Int32
}

/// A problem with what the user asked for, said plainly.
struct UsageProblem: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

public struct FlotillaCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "flotilla",
        abstract: "Run fleets of trading bots from YAML: validate, plan, apply.",
        discussion: """
            Bots live in bots.d/ (kind: Bot), risk profiles in profiles/ (kind: Profile). \
            `flotilla plan` shows what will change and what it does to risk; `flotilla apply` records it.
            """,
        version: "0.1.0",
        subcommands: [
            ValidateCommand.self, PlanCommand.self, ApplyCommand.self, StatusCommand.self, GetCommand.self, EventsCommand.self,
            UpCommand.self, RolloutCommand.self, BotCommand.self, HaltCommand.self, ResumeAllCommand.self, ProfileCommand.self, TokenCommand.self, AuditCommand.self, BacktestCommand.self, DataCommand.self, StrategiesCommand.self, SchemaCommand.self,
        ]
    )

    public init() {}
}

public enum CLI {
    /// Runs `flotilla ARGUMENTS` and returns its exit code. The executable and the tests both call this.
    public static func run(_ arguments: [String], console: Console) async -> Int32 {
        // Help is answered here, for the command it names: the parser turns `--help`, `-h` and
        // `help CMD` into its own `help` command, whose usage is not what anyone asked for.
        if let command = Help.requested(in: arguments) {
            console.line(Help.text(for: command))
            return 0
        }
        if let unknown = Help.unknownCommand(in: arguments) {
            console.error("Error: \(unknown)")
            return 64
        }
        do {
            let command = try FlotillaCommand.parseAsRoot(arguments)
            if let command = command as? any ConsoleCommand {
                try await command.run(console: console)
            } else {
                // A command group without its own action (e.g. bare `flotilla`): show help.
                console.line(FlotillaCommand.helpMessage(for: type(of: command)))
            }
            return 0
        } catch let exit as Exit {
            return exit.code
        } catch let failure as ValidationFailure {
            // The first hundred say what is wrong; a hundred thousand more only bury them.
            for diagnostic in failure.diagnostics.prefix(100) { console.error(diagnostic.description) }
            let files = Set(failure.diagnostics.map(\.file)).count
            let count = failure.diagnostics.count
            if count > 100 { console.error("… and \(count - 100) more problems (fix these first)") }
            console.error("Error: \(count) problem\(count == 1 ? "" : "s") in \(files) file\(files == 1 ? "" : "s"); nothing was changed.")
            return 1
        } catch let error as StoreError {
            console.error("Error: \(error)")
            return 1
        } catch let error as SavedPlan.Problem {
            console.error("Error: \(error)")
            return 1
        } catch let error as RemoteAPI.Problem {
            console.error("Error: \(error)")
            return 1
        } catch let error as UsageProblem {
            console.error("Error: \(error)")
            return 1
        } catch let error as OperationProblem {
            console.error("Error: \(error)")
            return 1
        } catch {
            let code = FlotillaCommand.exitCode(for: error)
            let message = FlotillaCommand.fullMessage(for: error)
            if code == .success {
                console.line(message)
            } else {
                console.error(message)
            }
            return code.rawValue
        }
    }
}

/// `-o table|json|yaml`, shared by the commands that print objects.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, json, yaml
    /// `get bot NAME -o env`: the resolved configuration as NAME='value' lines.
    case env
}

func jsonText<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try SavedPlan.encoder().encode(value), as: UTF8.self)
}
