import ArgumentParser
import Foundation
import FlotillaSpec

/// Which command a help request is about, its examples, and "did you mean" for a mistyped command.
enum Help {
    /// `flotilla CMD --help`: the parser's usage and options, then the command's examples.
    static func text(for command: ParsableCommand.Type) -> String {
        var text = FlotillaCommand.helpMessage(for: command).trimmingCharacters(in: .newlines)
        if let lines = examples[path(of: command).joined(separator: " ")], !lines.isEmpty {
            text += "\n\nExamples:\n" + lines.map { "  " + $0 }.joined(separator: "\n")
        }
        return text
    }

    /// One or two examples per command, as kubectl's help has them (a test checks every command).
    static let examples: [String: [String]] = [
        "validate": ["flotilla validate                      # every file, every problem at once", "flotilla validate -o json"],
        "plan": ["flotilla plan --out change.plan         # review, then: flotilla apply change.plan",
                 "flotilla plan -l team=alpha --detailed-exitcode"],
        "apply": ["flotilla apply change.plan             # exactly the saved plan; refused if stale",
                  "flotilla apply --auto-approve --prune"],
        "get": ["flotilla get bots", "flotilla get bot eth-trend -o yaml --show-sources"],
        "status": ["flotilla status", "flotilla status --server http://127.0.0.1:8080 -o json"],
        "events": ["flotilla events eth-trend", "flotilla events --limit 20"],
        "up": ["flotilla up                            # the fleet, the API and the dashboard on 127.0.0.1:8080",
               "flotilla up --listen 0.0.0.0:8080 --allowed-host flotilla.internal"],
        "rollout": ["flotilla rollout status eth-trend --watch", "flotilla rollout promote eth-trend"],
        "profile": ["flotilla profile list", "flotilla profile switch conservative -l team=alpha"],
        "token": ["flotilla token create --role viewer --expires 30d", "flotilla token list"],
        "rollout status": ["flotilla rollout status eth-trend --watch"],
        "rollout promote": ["flotilla rollout promote eth-trend", "flotilla rollout promote eth-trend --full"],
        "rollout abort": ["flotilla rollout abort eth-trend"],
        "rollout retry": ["flotilla rollout retry eth-trend"],
        "rollout undo": ["flotilla rollout undo eth-trend", "flotilla rollout undo eth-trend --to-revision 1"],
        "rollout history": ["flotilla rollout history eth-trend"],
        "bot": ["flotilla bot pause eth-trend", "flotilla bot reset-errors eth-trend"],
        "halt": ["flotilla halt --reduce-only --reason \"exchange incident\"   # exits only, every bot",
                 "flotilla halt -l team=alpha --server http://127.0.0.1:8080"],
        "resume-all": ["flotilla resume-all", "flotilla resume-all -l team=alpha"],
        "profile list": ["flotilla profile list"],
        "profile show": ["flotilla profile show moderate"],
        "profile diff": ["flotilla profile diff conservative aggressive"],
        "profile switch": ["flotilla profile switch conservative -l team=alpha", "flotilla profile switch aggressive --target eth-trend --dry-run"],
        "token create": ["flotilla token create --role viewer --expires 30d --description grafana"],
        "token list": ["flotilla token list"],
        "token revoke": ["flotilla token revoke 3f2a9c"],
        "audit": ["flotilla audit --limit 50"],
        "backtest": ["flotilla backtest -f bots.d/eth-trend.yaml", "flotilla backtest -f bots.d/ltc-rsi.yaml --from 2018-01-15 --to 2018-01-20 --json"],
        "data": ["flotilla data fetch --venue binance --symbol BTC-USDT --interval 1h --start 2024-01-01 --end 2024-02-01 -o btc-1h.csv"],
        "data fetch": ["flotilla data fetch --venue binance --symbol BTC-USDT --interval 1h --start 2024-01-01 --end 2024-02-01 -o btc-1h.csv",
                       "flotilla backtest -f bots.d/live-paper.yaml --data btc-1h.csv"],
        "strategies": ["flotilla strategies"],
        "schema": ["flotilla schema bot > schemas/bot.schema.json"],
    ]

    static func path(of command: ParsableCommand.Type) -> [String] {
        func find(_ current: ParsableCommand.Type, _ prefix: [String]) -> [String]? {
            if ObjectIdentifier(current) == ObjectIdentifier(command) { return prefix }
            for sub in subcommands(of: current) {
                if let found = find(sub, prefix + [sub._commandName]) { return found }
            }
            return nil
        }
        return find(FlotillaCommand.self, []) ?? []
    }

    /// The command whose help `arguments` ask for (`--help` / `-h` anywhere before `--`, or
    /// `help CMD [SUB]`), or nil when they ask for none. The command is the deepest one the leading
    /// words name: `flotilla rollout status --help` is `rollout status`'s help.
    static func requested(in arguments: [String]) -> ParsableCommand.Type? {
        let words = arguments.prefix { $0 != "--" }
        if words.first == "help" { return command(named: Array(words.dropFirst())) }
        guard words.contains("--help") || words.contains("-h") else { return nil }
        return command(named: Array(words))
    }

    /// A word where a command group expects one of its commands, naming none: the error, with a
    /// suggestion (`flotilla plna`, `flotilla rollout statsu`).
    static func unknownCommand(in arguments: [String]) -> String? {
        var current: ParsableCommand.Type = FlotillaCommand.self
        var path = ["flotilla"]
        for word in arguments {
            let subs = subcommands(of: current)
            guard !subs.isEmpty, !word.hasPrefix("-") else { return nil }
            if let next = subs.first(where: { $0._commandName == word }) {
                current = next
                path.append(word)
                continue
            }
            let names = subs.map { $0._commandName } + (path.count == 1 ? ["help"] : [])
            if names.contains(word) { return nil }
            return "unknown command \"\(word.prefix(40))\" for \(path.joined(separator: " "))\(Suggestion.hint(for: word, among: names)); see \(path.joined(separator: " ")) --help"
        }
        return nil
    }

    /// The deepest command the leading words of `words` name, from the root.
    static func command(named words: [String]) -> ParsableCommand.Type {
        var current: ParsableCommand.Type = FlotillaCommand.self
        for word in words {
            guard let next = subcommands(of: current).first(where: { $0._commandName == word }) else { break }
            current = next
        }
        return current
    }

    static func subcommands(of command: ParsableCommand.Type) -> [ParsableCommand.Type] {
        command.configuration.subcommands
    }
}
