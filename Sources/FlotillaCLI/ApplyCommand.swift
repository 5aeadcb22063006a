import ArgumentParser
import FlotillaEngine
import FlotillaPlan
import FlotillaAPI
import FlotillaSpec
import FlotillaStore
import Foundation

struct ApplyCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Record the changes: new revisions and the desired state, for `flotilla up` to roll out.",
        discussion: """
            With FILE, applies exactly that saved plan, and refuses it as stale when the state or any \
            input file moved since it was made. Without FILE, plans the files, shows the plan and asks \
            for confirmation (--auto-approve skips it; required when stdin is not a terminal). \
            Concurrent applies are serialized by a lock.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var scope: SelectorOptions

    @Argument(help: "A plan saved with `flotilla plan --out FILE`.")
    var planFile: String?

    @Flag(name: .customLong("auto-approve"), help: "Apply without asking for confirmation.")
    var autoApprove = false

    @Flag(name: .customLong("prune"), help: "Delete bots that are in the state but no longer in bots.d/.")
    var prune = false

    @Option(name: .customLong("plan-id"), help: "With --server: apply exactly this plan kept by the server (from flotilla plan --server).")
    var planId: String?

    @Option(name: .customLong("lock-timeout"), help: "How long to wait for another apply to finish, e.g. 30s.")
    var lockTimeout: String = "30s"

    func validate() throws {
        guard TimeSpan(parsing: lockTimeout) != nil else {
            throw ValidationError("--lock-timeout \(lockTimeout): write a duration such as 0s, 10s or 2m")
        }
        if planFile != nil && (prune || !scope.selectors.isEmpty || !scope.targets.isEmpty) {
            throw ValidationError("-l, --target and --prune shape a new plan; a saved plan already carries them. Plan again with them instead.")
        }
    }

    func run(console: Console) async throws {
        if let remote = try global.remote(console) { return try await runRemote(remote, console: console) }
        if planId != nil { throw UsageProblem("--plan-id applies a plan kept by a server; add --server URL (or set FLOTILLA_SERVER)") }
        if planFile == nil && !autoApprove && !console.isInteractive {
            throw UsageProblem("standard input is not a terminal, so apply cannot ask for confirmation; review `flotilla plan` and run `flotilla apply --auto-approve`, or apply a saved plan file")
        }
        // A first apply creates the store only once the files are known to be valid, and removes it
        // again when the apply fails: a failed or mistyped first apply leaves nothing behind.
        let fresh = !FileManager.default.fileExists(atPath: global.resolvedStatePath)
        if fresh { _ = try SpecLoader.load(global.layout) }
        let store = try global.openStore()
        do {
            try apply(store: store, console: console)
        } catch {
            if fresh, (try? store.stateSerial()) == 0 { global.removeStore() }
            throw error
        }
    }

    private func apply(store: StateStore, console: Console) throws {
        try Project.withApplyLock(store, operation: "flotilla apply", timeout: TimeSpan(parsing: lockTimeout)!.seconds) { lock in
            try apply(store: store, lock: lock, console: console)
        }
    }

    private func apply(store: StateStore, lock: ApplyLock, console: Console) throws {
        let plan: Plan
        if let planFile {
            plan = try SavedPlan.read(from: planFile)
            _ = try SpecLoader.load(global.layout)  // the files must still load (a missing data file is said with its place)
            let result = try Project.applyIfCurrent(plan, path: planFile, checkFiles: true, layout: global.layout, store: store, lock: lock)
            guard plan.hasChanges else { return console.line("No changes to apply.") }
            return Self.report(plan, serial: result.serial, revisions: result.revisions, console: console)
        } else {
            let options = PlanOptions(prune: prune, selector: scope.labels, targets: scope.targets)
            (plan, _) = try Project.plan(layout: global.layout, store: store, options: options)
            console.write(PlanText.render(plan))
            guard plan.hasChanges else { return }
            if !autoApprove {
                console.line("\nDo you want to perform these actions?\n  Only 'yes' will be accepted to approve.\n")
                let answer = console.ask("  Enter a value: ")?.trimmingCharacters(in: .whitespaces)
                guard answer == "yes" else {
                    console.line("\nApply cancelled; nothing was changed.")
                    throw Exit(code: 1)
                }
            }
        }
        guard plan.hasChanges else {
            console.line("No changes to apply.")
            return
        }
        let result = try Project.apply(plan, store: store, lock: lock, git: GitWorkTree(layout: global.layout))
        Self.report(plan, serial: result.serial, revisions: result.revisions, console: console)
    }

    /// Through the API: the local files are posted and planned against the server's state (or
    /// `--plan-id` names a plan the server keeps), shown, confirmed, then applied by id.
    private func runRemote(_ remote: RemoteAPI, console: Console) async throws {
        if planFile != nil {
            throw UsageProblem("a saved plan file applies to a local store; with --server run flotilla plan --server, then flotilla apply --server --plan-id ID")
        }
        let id: String
        let plan: Plan
        if let planId {
            struct Shown: Decodable { var plan: Plan; var stale: [String] }
            let shown = try await remote.get(Shown.self, "/api/v1/plans/\(planId)")
            plan = shown.plan
            id = planId
        } else {
            if !autoApprove && !console.isInteractive {
                throw UsageProblem("standard input is not a terminal, so apply cannot ask for confirmation; review `flotilla plan --server` and run `flotilla apply --server URL --auto-approve` or `--plan-id ID`")
            }
            _ = try SpecLoader.load(global.layout)  // local files are checked here first, with file:line:column
            let run = try await remote.post(PlanRun.self, "/api/v1/plans", json: [
                "files": try RemoteAPI.projectFiles(global.layout), "selector": scope.labels, "targets": scope.targets, "prune": prune,
            ])
            plan = run.plan
            id = run.id
            console.write(PlanText.render(plan))
            guard plan.hasChanges else { return }
            if !autoApprove {
                console.line("\nDo you want to perform these actions on \(remote.base)?\n  Only 'yes' will be accepted to approve.\n")
                guard console.ask("  Enter a value: ")?.trimmingCharacters(in: .whitespaces) == "yes" else {
                    console.line("\nApply cancelled; nothing was changed.")
                    throw Exit(code: 1)
                }
            }
        }
        let applied = try await remote.post(AppliedPlan.self, "/api/v1/plans/\(id)/apply")
        guard plan.hasChanges else { return console.line("No changes to apply.") }
        Self.report(plan, serial: applied.serial, revisions: applied.revisions, console: console)
    }

    /// What an apply did, a line per bot and a summary.
    static func report(_ plan: Plan, serial: Int, revisions: [String: Int], console: Console) {
        let s = plan.summary
        console.line("")
        for change in plan.changes {
            switch change.action {
            case .create: console.line("bot \"\(change.name)\": created, revision \(revisions[change.name] ?? 1)")
            case .update: console.line("bot \"\(change.name)\": updated in place, revision \(revisions[change.name] ?? 0)")
            case .replace: console.line("bot \"\(change.name)\": revision \(revisions[change.name] ?? 0) recorded; it rolls out with \(change.deployStrategy)")
            case .delete: console.line("bot \"\(change.name)\": deleted")
            }
        }
        console.line("\nApply complete! Bots: \(s.add) added, \(s.change) changed, \(s.replace) replaced, \(s.delete) deleted. State serial \(serial).")
    }
}
