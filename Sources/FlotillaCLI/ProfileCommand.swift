import ArgumentParser
import FlotillaEngine
import FlotillaPlan
import FlotillaAPI
import FlotillaSpec
import FlotillaStore
import Foundation

struct ProfileCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile", abstract: "List, show and compare risk profiles; switch bots to another profile (a plan first).",
        subcommands: [List.self, Show.self, Diff.self, Switch.self])

    func run(console: Console) async throws { console.line(ProfileCommand.helpMessage()) }

    /// A profile's settings (with name, description and file), locally or from the server.
    static func settings(_ name: String, global: GlobalOptions, console: Console) async throws -> [String: String] {
        if let remote = try global.remote(console) { return try await remote.get([String: String].self, "/api/v1/profiles/\(name)") }
        let (profiles, problems) = SpecLoader.readProfiles(global.readLayout)
        if let first = problems.first { console.error(ProfileCommand.warning(problems.count, first)) }
        guard let profile = profiles[name] else {
            throw UsageProblem("no profile \"\(name)\"\(Suggestion.hint(for: name, among: profiles.keys))); profiles: \(profiles.keys.sorted().joined(separator: ", "))")
        }
        return profile.resolvedSettings.merging(["name": profile.name, "description": profile.description, "file": profile.file]) { a, _ in a }
    }

    static func warning(_ count: Int, _ first: Diagnostic) -> String {
        "warning: \(count) problem\(count == 1 ? "" : "s") in profiles/ (first: \(first)); the profiles that validate are shown. Run flotilla validate."
    }

    struct List: ConsoleCommand {
        static let configuration = CommandConfiguration(abstract: "List the profiles.")
        @OptionGroup var global: GlobalOptions

        func run(console: Console) async throws {
            let names: [String]
            if let remote = try global.remote(console) {
                names = try await remote.get([String].self, "/api/v1/profiles")
            } else {
                let (profiles, problems) = SpecLoader.readProfiles(global.readLayout)
                if let first = problems.first { console.error(ProfileCommand.warning(problems.count, first)) }
                names = profiles.keys.sorted()
            }
            var rows: [[String]] = []
            for name in names {
                let s = try await ProfileCommand.settings(name, global: global, console: console)
                rows.append([name, s["risk.maxPositionPct"] ?? "-", s["risk.dailyLossLimitPct"] ?? "-", s["risk.maxLeverage"] ?? "-", s["description"] ?? ""])
            }
            console.write(Table.render(header: ["NAME", "MAX POSITION %", "MAX DAILY LOSS %", "MAX LEVERAGE", "DESCRIPTION"], rows: rows))
        }
    }

    struct Show: ConsoleCommand {
        static let configuration = CommandConfiguration(abstract: "Show a profile's settings (its own values and the defaults it leaves).")
        @OptionGroup var global: GlobalOptions
        @Argument var name: String
        @Option(name: [.customShort("o"), .customLong("output")], help: "table or json") var output: OutputFormat = .table

        func run(console: Console) async throws {
            let s = try await ProfileCommand.settings(name, global: global, console: console)
            if output == .json { return console.line(try jsonText(s)) }
            console.write(Table.render(header: ["SETTING", "VALUE"], rows: s.keys.sorted().map { [$0, s[$0]!] }))
        }
    }

    struct Diff: ConsoleCommand {
        static let configuration = CommandConfiguration(abstract: "Show the settings two profiles set differently.")
        @OptionGroup var global: GlobalOptions
        @Argument var first: String
        @Argument var second: String

        func run(console: Console) async throws {
            let a = try await ProfileCommand.settings(first, global: global, console: console)
            let b = try await ProfileCommand.settings(second, global: global, console: console)
            let keys = Set(a.keys).union(b.keys).subtracting(["name", "file", "description"]).sorted().filter { a[$0] != b[$0] }
            if keys.isEmpty { return console.line("\(first) and \(second) set every setting the same.") }
            console.write(Table.render(header: ["SETTING", first.uppercased(), second.uppercased()], rows: keys.map { [$0, a[$0] ?? "-", b[$0] ?? "-"] }))
        }
    }

    struct Switch: ConsoleCommand {
        static let configuration = CommandConfiguration(
            abstract: "Switch bots to a profile: shows the plan, asks, then edits their files (backed up to .flotilla/backups/) and applies.",
            discussion: "Bots in scope: -l key=value and --target NAME (default: every bot). With --server the server's files are edited.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var scope: SelectorOptions
        @Argument(help: "The profile to switch to.") var name: String
        @Flag(name: .customLong("auto-approve"), help: "Apply without asking.") var autoApprove = false
        @Flag(name: .customLong("dry-run"), help: "Show the plan; edit and apply nothing.") var dryRun = false

        func run(console: Console) async throws {
            if !dryRun && !autoApprove && !console.isInteractive {
                throw UsageProblem("standard input is not a terminal, so the switch cannot ask for confirmation; review it with --dry-run, then run it with --auto-approve")
            }
            if let remote = try global.remote(console) {
                let run = try await remote.post(PlanRun.self, "/api/v1/profiles/\(name)/switch",
                                                json: ["selector": scope.labels, "targets": scope.targets])
                console.write(PlanText.render(run.plan))
                guard run.plan.hasChanges, !dryRun, try confirm(console) else {
                    if dryRun { console.line("\nPlan \(run.id) kept by the server; apply it with flotilla apply --server \(remote.base) --plan-id \(run.id)") }
                    return
                }
                let applied = try await remote.post(AppliedPlan.self, "/api/v1/plans/\(run.id)/apply")
                console.line("\nEdited on the server: \((run.edits ?? []).joined(separator: ", ")); backups in \(applied.backups ?? "-")")
                ApplyCommand.report(run.plan, serial: applied.serial, revisions: applied.revisions, console: console)
                return
            }
            guard FileManager.default.fileExists(atPath: global.resolvedStatePath) else {
                throw UsageProblem("nothing is applied yet (no state at \(global.resolvedStatePath)): run flotilla apply first, then switch profiles")
            }
            let store = try global.openStore()
            let lock = try store.acquireApplyLock(operation: "flotilla profile switch", timeout: 30)
            defer { try? store.releaseApplyLock(lock) }
            let switched: ProfileSwitch
            do {
                switched = try Project.planProfileSwitch(to: name, layout: global.layout, store: store,
                                                         options: PlanOptions(selector: scope.labels, targets: scope.targets))
            } catch let problem as ProfileSwitchProblem {
                throw UsageProblem(problem.description)
            }
            console.write(PlanText.render(switched.plan))
            guard switched.plan.hasChanges, !dryRun, try confirm(console) else { return }
            let (result, backups) = try Project.applyProfileSwitch(switched.plan, edits: switched.edits, layout: global.layout, root: global.root,
                                                                   store: store, lock: lock)
            console.line("\nEdited \(switched.edits.keys.sorted().joined(separator: ", ")); the previous files are in \(backups?.path ?? "-")")
            ApplyCommand.report(switched.plan, serial: result.serial, revisions: result.revisions, console: console)
        }

        private func confirm(_ console: Console) throws -> Bool {
            if autoApprove { return true }
            console.line("\nSwitch these bots to \(name)?\n  Only 'yes' will be accepted to approve.\n")
            guard console.ask("  Enter a value: ")?.trimmingCharacters(in: .whitespaces) == "yes" else {
                console.line("\nSwitch cancelled; nothing was changed.")
                throw Exit(code: 1)
            }
            return true
        }
    }
}
