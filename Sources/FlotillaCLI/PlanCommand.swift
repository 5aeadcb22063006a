import ArgumentParser
import FlotillaEngine
import FlotillaPlan
import FlotillaAPI
import FlotillaSpec
import FlotillaStore
import Foundation

struct PlanCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show what applying the files would change, and what it does to risk.",
        discussion: """
            + create, ~ update in place, -/+ replace (a new revision rolled out by the bot's deploy strategy), \
            - delete (only with --prune). With --detailed-exitcode: 0 no changes, 1 error, 2 changes.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var scope: SelectorOptions

    @Option(name: .customLong("out"), help: "Save the plan to this file; `flotilla apply FILE` applies exactly it.")
    var outFile: String?

    @Flag(name: .customLong("json"), help: "Print the plan as JSON (see docs/plan-json.md).")
    var json = false

    @Flag(name: .customLong("detailed-exitcode"), help: "Exit 0 when there are no changes, 2 when there are, 1 on error.")
    var detailedExitCode = false

    @Flag(name: .customLong("prune"), help: "Delete bots that are in the state but no longer in bots.d/.")
    var prune = false

    func run(console: Console) async throws {
        if let remote = try global.remote(console) {
            if outFile != nil {
                throw UsageProblem("--out saves a plan for a local store; with --server the server keeps the plan: apply it with flotilla apply --server URL --plan-id ID")
            }
            _ = try SpecLoader.load(global.layout)  // local files are checked here first, with file:line:column
            let run = try await remote.post(PlanRun.self, "/api/v1/plans", json: [
                "files": try RemoteAPI.projectFiles(global.layout), "selector": scope.labels, "targets": scope.targets, "prune": prune,
            ])
            console.write(json ? try jsonText(run.plan) + "\n" : PlanText.render(run.plan))
            if json {
                console.error("plan \(run.id)")
            } else if run.plan.hasChanges {
                console.line("\nPlan \(run.id) is kept by \(remote.base). To apply exactly these actions, run:\n    flotilla apply --server \(remote.base) --plan-id \(run.id)")
            }
            if detailedExitCode && run.plan.hasChanges { throw Exit(code: 2) }
            return
        }
        let store = try global.openStoreIfExists()
        let options = PlanOptions(prune: prune, selector: scope.labels, targets: scope.targets)
        let t0 = Date()
        let specs = try SpecLoader.load(global.layout)
        let t1 = Date()
        let plan = try Project.plan(specs: specs, store: store, options: options)
        let t2 = Date()
        let text = json ? try jsonText(plan) + "\n" : PlanText.render(plan)
        let t3 = Date()
        console.write(text)
        // Drift and suspended bots: apart from the config changes above, in a section of their own.
        if !json {
            let drift = try DriftReport.read(specs.bots, store: store)
            if !drift.isEmpty { console.write("\n" + drift.text) }
        }
        if ProcessInfo.processInfo.environment["FLOTILLA_TIMING"] != nil {
            console.error(String(format: "timing: load %.0f ms, plan %.0f ms, render %.0f ms, write %.0f ms", t1.timeIntervalSince(t0) * 1000, t2.timeIntervalSince(t1) * 1000, t3.timeIntervalSince(t2) * 1000, Date().timeIntervalSince(t3) * 1000))
        }
        if let outFile {
            try SavedPlan.write(plan, to: outFile)
            if !json {
                console.line("\nSaved the plan to \(outFile). To apply exactly these actions, run:\n    flotilla apply \(outFile)")
            }
        }
        if detailedExitCode && plan.hasChanges { throw Exit(code: 2) }
    }
}

extension GlobalOptions {
    /// The store if it exists; otherwise an empty in-memory one, so that read-only commands never
    /// create `.flotilla/`.
    func openStoreIfExists() throws -> StateStore {
        if FileManager.default.fileExists(atPath: resolvedStatePath) { return try openStore() }
        return try StateStore.inMemory()
    }

    /// Removes a store this command created and never applied to (a failed first apply), and its
    /// directory when that is empty.
    func removeStore() {
        let path = resolvedStatePath
        for file in [path, path + "-wal", path + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        if statePath == nil, (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: directory)
        }
    }
}
