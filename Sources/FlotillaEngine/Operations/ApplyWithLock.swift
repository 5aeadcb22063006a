import FlotillaPlan
import FlotillaSpec
import FlotillaStore
import Foundation

/// Lock → plan → apply, the one way every writer of the desired state goes (`apply`, `profile
/// switch`, `bot delete`, the API's plan apply, the watcher of `up`): the apply lock serializes
/// writers across processes; a plan made before the lock was taken is checked again under it.
extension Project {
    /// Runs `body` holding the apply lock, waiting up to `timeout` seconds for another writer.
    public static func withApplyLock<T>(_ store: StateStore, operation: String, timeout: TimeInterval, _ body: (ApplyLock) throws -> T) throws -> T {
        let lock = try store.acquireApplyLock(operation: operation, timeout: timeout)
        defer { try? store.releaseApplyLock(lock) }
        return try body(lock)
    }

    /// Applies `plan` under `lock` when it is still current — the state serial and (with
    /// `checkFiles`) every file it read unchanged — and otherwise throws `SavedPlan.Problem.stale`
    /// naming `path` and the reasons, changing nothing. A plan with no changes applies as a no-op.
    public static func applyIfCurrent(_ plan: Plan, path: String, checkFiles: Bool, layout: ProjectLayout, store: StateStore,
                                      lock: ApplyLock) throws -> ApplyResult {
        let stale = try staleReasons(plan, checkFiles: checkFiles, layout: layout, store: store)
        if !stale.isEmpty { throw SavedPlan.Problem.stale(path: path, reasons: stale) }
        guard plan.hasChanges else { return ApplyResult(serial: plan.stateSerial, revisions: [:]) }
        return try apply(plan, store: store, lock: lock, git: checkFiles ? GitWorkTree(layout: layout) : nil)
    }

    /// Plans the files under `layout` and applies what changed, holding the lock throughout (the
    /// watcher of `up`). Returns the plan and, when it changed anything, the result.
    public static func planAndApply(layout: ProjectLayout, store: StateStore, operation: String, options: PlanOptions = PlanOptions(),
                                    timeout: TimeInterval = 10) throws -> (Plan, ApplyResult?) {
        try planAndApply(specs: try SpecLoader.load(layout), store: store, operation: operation, options: options, timeout: timeout,
                         git: GitWorkTree(layout: layout))
    }

    /// Plans `specs` (read from the project's files) and applies what changed, holding the lock throughout.
    public static func planAndApply(specs: SpecSet, store: StateStore, operation: String, options: PlanOptions = PlanOptions(),
                                    timeout: TimeInterval = 10, git: GitWorkTree? = nil) throws -> (Plan, ApplyResult?) {
        try withApplyLock(store, operation: operation, timeout: timeout) { lock in
            let plan = try Project.plan(specs: specs, store: store, options: options)
            guard plan.hasChanges else { return (plan, nil) }
            return (plan, try apply(plan, store: store, lock: lock, git: git))
        }
    }
}
