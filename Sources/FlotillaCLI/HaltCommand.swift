import ArgumentParser
import FlotillaEngine
import FlotillaSpec
import Foundation

/// `-l key=value` for the kill switch (no --target: a halt covers labels, so that bots applied
/// later with them are held too).
struct HaltSelector: ParsableArguments, Sendable {
    @Option(name: [.customShort("l"), .customLong("selector")], help: "Only bots with this label (key=value); repeat to require several. Without it: every bot.")
    var selectors: [String] = []

    func validate() throws {
        for selector in selectors where Self.parse(selector) == nil {
            throw ValidationError("-l \(selector): write a selector as key=value, e.g. -l team=alpha")
        }
    }

    var labels: [String: String] {
        var out: [String: String] = [:]
        for selector in selectors { if let (k, v) = Self.parse(selector) { out[k] = v } }
        return out
    }

    private static func parse(_ text: String) -> (String, String)? {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else { return nil }
        return (String(text[..<eq]), String(text[text.index(after: eq)...]))
    }
}

/// `flotilla halt`: the fleet kill switch.
struct HaltCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "halt", abstract: "The fleet kill switch: stop the matching bots' trading at once (flotilla resume-all lifts it).",
        discussion: """
            A plain halt freezes trading: no order of any kind — no entry, no add, no exit — and every working order is cancelled; \
            the bots keep watching candles and their positions stay as they are. Under a plain halt a stop-loss does NOT fire. \
            --reduce-only lets orders that only reduce a position through (exits, stop-losses, take-profits) and cancels working \
            entry orders: it is the safer choice in a market emergency. Canaries and stables both obey; the halt survives restarts. \
            A second halt with the same selector changes its mode and reason; one with another selector adds to it.
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(name: .customLong("reduce-only"), help: "Let exits, stop-losses and take-profits through; refuse entries and adds.")
    var reduceOnly = false
    @OptionGroup var scope: HaltSelector
    @Option(name: .customLong("reason"), help: "Why (shown with the bots, in events and alerts).")
    var reason: String?
    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.")
    var output: String = "text"

    func validate() throws {
        guard ["text", "json"].contains(output) else { throw ValidationError("-o \(output): use text or json") }
    }

    func run(console: Console) async throws {
        let operations = try global.operations(console, operation: "flotilla halt")
        let result = try await operations.halt(FleetHaltRequest(mode: reduceOnly ? .reduceOnly : .halt, selector: scope.labels, reason: reason))
        try HaltOutput.print(result, output: output, console: console)
    }
}

/// `flotilla resume-all`: lifts halts.
struct ResumeAllCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume-all", abstract: "Lift the fleet halt: every one, or the one made with exactly this -l selector.",
        discussion: """
            Without -l: lifts every halt a person made, and every loss-limit halt whose period has ended (a loss limit's \
            halt never lifts by itself, and not before the end of the day, week or month it was reached in).
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var scope: HaltSelector
    @Option(name: [.customShort("o"), .customLong("output")], help: "text or json.")
    var output: String = "text"

    func validate() throws {
        guard ["text", "json"].contains(output) else { throw ValidationError("-o \(output): use text or json") }
    }

    func run(console: Console) async throws {
        let operations = try global.operations(console, operation: "flotilla resume-all")
        try HaltOutput.print(try await operations.resumeAll(selector: scope.labels), output: output, console: console)
    }
}

enum HaltOutput {
    static func print(_ result: FleetHaltResult, output: String, console: Console) throws {
        if output == "json" {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            console.line(String(decoding: try encoder.encode(result), as: UTF8.self))
            return
        }
        if !result.message.isEmpty { console.line(result.message) }
        if result.halts.isEmpty {
            console.line("no halt in force")
            return
        }
        console.line("halts in force:")
        for halt in result.halts {
            let scope = halt.account.map { "account \($0)" } ?? (halt.selector.isEmpty ? "every bot" : halt.selector.keys.sorted().map { "\($0)=\(halt.selector[$0]!)" }.joined(separator: ","))
            console.line("  \(halt.mode.rawValue)  \(scope)  (\(halt.bots.count) bot(s))  by \(halt.requestedBy): \(halt.reason)")
        }
    }
}
