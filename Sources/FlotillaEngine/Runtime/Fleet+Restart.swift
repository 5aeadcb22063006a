import FlotillaStore
import Foundation

extension Fleet {
    /// `flotilla bot restart` (from the CLI or the API: one stored command, carried out here in one
    /// pass). Each of the bot's instances that is not stopped stops — its working orders cancelled,
    /// its state persisted — and a fresh instance starts from exactly that state, the way a process
    /// restart brings it back (strategy and indicators, risk memory, counters; protective orders
    /// placed again). A paused or halted instance comes back paused or halted. Make before break:
    /// when the fresh one can't be built, the old one trades on and the error is the bot's.
    /// Returns the bot's instances after it.
    func restart(bot: String, nowMs: Int64) async throws -> [BotInstance] {
        var after: [BotInstance] = []
        var persisted: [InstanceState] = []
        for old in instances.of(bot).sorted(by: { $0.id < $1.id }) {
            let phase = await old.phase, reason = await old.reason
            guard phase != .stopped else {
                after.append(old)
                continue
            }
            var state = await old.stop(reason: "restarting")
            state.phase = phase
            state.reason = reason
            let fresh: BotInstance
            do {
                guard let restored = try await restore(state, nowMs: nowMs) else {
                    throw EngineError.missingRevision(bot: bot, revision: old.revision)
                }
                fresh = restored
            } catch {
                await old.setPhase(phase, reason: reason)
                writes.recordEvent(bot: bot, kind: "RestartFailed", revision: old.revision, message: "\(old.id): \(error); it goes on as it was")
                throw error
            }
            instances[old.id] = fresh
            persisted.append(await fresh.snapshot().state)
            after.append(fresh)
        }
        // Committed with the pass, as every write of a reconcile pass is.
        for state in persisted { writes.saveInstance(state) }
        writes.recordEvent(bot: bot, kind: "BotRestarted",
                           message: persisted.isEmpty ? "restart: no instance was running (a stopped bot starts)"
                               : "restarted by a person: \(persisted.count) instance(s) from their persisted state")
        return after
    }
}
