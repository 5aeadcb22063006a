import ArgumentParser
import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import Foundation

/// Options every command that reads the project or the state takes.
public struct GlobalOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("dir"), help: "The project directory holding bots.d/ and profiles/.")
    public var directory: String = "."

    @Option(name: .customLong("state"), help: "The state store (SQLite). Default: DIR/.flotilla/state.db.")
    public var statePath: String?

    @Option(name: .customLong("server"), help: "Work through the API of a running flotilla up at this URL (or FLOTILLA_SERVER), with the token in FLOTILLA_TOKEN (for a server on this machine, by default the admin.token next to the --state store).")
    public var server: String?

    public init() {}

    /// For commands that always run locally: an explicit `--server` is a mistake worth saying
    /// (FLOTILLA_SERVER in the environment is ignored by them).
    func refuseServer(_ command: String, because reason: String) throws {
        if server != nil { throw ValidationError("--server: \(command) \(reason)") }
    }

    var root: URL { URL(fileURLWithPath: directory).standardizedFileURL }
    /// The project's files, with the rule for the candle files its bots replay (`CandleFiles`), so
    /// every command that loads the project refuses a missing or foreign data file.
    var layout: ProjectLayout { .checked(root: root) }
    /// For commands that only read: a bot whose data file is missing is still shown (its state says
    /// why it is degraded); only commands that plan need the data files.
    var readLayout: ProjectLayout { ProjectLayout(root: root) }
    var resolvedStatePath: String { statePath ?? root.appendingPathComponent(".flotilla/state.db").path }

    /// Opens (or creates) the state store. A missing project directory is an error, never a
    /// reason to create one (`apply --dir /mistyped` creates nothing).
    func openStore() throws -> StateStore {
        var isDirectory: ObjCBool = false
        if statePath == nil, !FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) || !isDirectory.boolValue {
            throw UsageProblem("--dir \(directory): no such directory; run flotilla from the project's top directory or pass --dir")
        }
        return try StateStore(path: resolvedStatePath)
    }
}

/// `-l key=value` label selectors, parsed and checked.
struct SelectorOptions: ParsableArguments, Sendable {
    @Option(name: [.customShort("l"), .customLong("selector")], help: "Only bots with this label (key=value); repeat to require several.")
    var selectors: [String] = []

    @Option(name: .customLong("target"), help: "Only this bot; repeat for several.")
    var targets: [String] = []

    func validate() throws {
        for selector in selectors where parse(selector) == nil {
            throw ValidationError("-l \(selector): write a selector as key=value, e.g. -l team=alpha")
        }
        for target in targets {
            if let problem = Name.problem(with: target) { throw ValidationError("--target \(target): \(problem)") }
        }
    }

    var labels: [String: String] {
        var out: [String: String] = [:]
        for selector in selectors { if let (k, v) = parse(selector) { out[k] = v } }
        return out
    }

    private func parse(_ text: String) -> (String, String)? {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else { return nil }
        return (String(text[..<eq]), String(text[text.index(after: eq)...]))
    }
}
