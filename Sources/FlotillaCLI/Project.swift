import FlotillaPlan
import FlotillaSpec
import FlotillaStore
import Foundation

/// The operations behind the commands, as functions the CLI, the server and tests share.
public enum Project {
    /// Plans the files under `layout` against the store.
    public static func plan(layout: ProjectLayout, store: StateStore, options: PlanOptions) throws -> (Plan, SpecSet) {
        let specs = try SpecLoader.load(layout)
        return (try plan(specs: specs, store: store, options: options), specs)
    }

    public static func plan(specs: SpecSet, store: StateStore, options: PlanOptions) throws -> Plan {
        var desiredHashes: [String: String] = [:]
        desiredHashes.reserveCapacity(specs.bots.count)
        for bot in specs.bots { desiredHashes[bot.name] = bot.specHash }
        let (serial, actual) = try store.desiredState(decode: { name, hash in desiredHashes[name] != hash })
        return Planner.plan(desired: specs.bots, actual: actual, stateSerial: serial, inputs: specs.fileHashes, options: options)
    }

    /// Records `plan` in the store, refused when the state moved since it was made.
    public static func apply(_ plan: Plan, store: StateStore, lock: ApplyLock) throws -> ApplyResult {
        let changes: [StateChange] = plan.changes.compactMap { change in
            switch change.action {
            case .create: return change.desired.map(StateChange.create)
            case .update: return change.desired.map(StateChange.update)
            case .replace: return change.desired.map(StateChange.replace)
            case .delete: return .delete(name: change.name)
            }
        }
        return try store.apply(changes, expectedSerial: plan.stateSerial, lock: lock)
    }
}
