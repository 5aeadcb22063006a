import ArgumentParser
import FlotillaEngine
import FlotillaPlan
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
        if planFile == nil && !autoApprove && !console.isInteractive {
            throw UsageProblem("standard input is not a terminal, so apply cannot ask for confirmation; review `flotilla plan` and run `flotilla apply --auto-approve`, or apply a saved plan file")
        }
        let store = try global.openStore()
        let timeout = TimeSpan(parsing: lockTimeout)!.seconds
        let lock = try store.acquireApplyLock(operation: "flotilla apply", timeout: timeout)
        defer { try? store.releaseApplyLock(lock) }

        let plan: Plan
        if let planFile {
            plan = try SavedPlan.read(from: planFile)
            let serial = try store.stateSerial()
            let specs = try SpecLoader.load(global.layout)
            let reasons = SavedPlan.staleReasons(plan, stateSerial: serial, inputs: specs.fileHashes)
            if !reasons.isEmpty { throw SavedPlan.Problem.stale(path: planFile, reasons: reasons) }
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
        let result = try Project.apply(plan, store: store, lock: lock)
        let s = plan.summary
        console.line("")
        for change in plan.changes {
            switch change.action {
            case .create: console.line("bot \"\(change.name)\": created, revision \(result.revisions[change.name] ?? 1)")
            case .update: console.line("bot \"\(change.name)\": updated in place, revision \(result.revisions[change.name] ?? 0)")
            case .replace: console.line("bot \"\(change.name)\": revision \(result.revisions[change.name] ?? 0) recorded; it rolls out with \(change.deployStrategy)")
            case .delete: console.line("bot \"\(change.name)\": deleted")
            }
        }
        console.line("\nApply complete! Bots: \(s.add) added, \(s.change) changed, \(s.replace) replaced, \(s.delete) deleted. State serial \(result.serial).")
    }
}
