import FlotillaCLI
import Foundation

let code = await CLI.run(Array(CommandLine.arguments.dropFirst()), console: .standard())
exit(code)
