import FlotillaSpec
import FlotillaStore
import Foundation
import NIOConcurrencyHelpers

/// Why the fleet's halts could not be read as written, readable from other threads (`/readyz`,
/// `status`): each such halt still holds — reduce-only, every bot.
public final class HaltProblems: Sendable {
    private let value = NIOLockedValueBox<[String]>([])
    public init() {}
    public var all: [String] { value.withLockedValue { $0 } }
    func replace(_ problems: [String]) { value.withLockedValue { $0 = problems } }
}

extension Fleet {
    /// Carries out the fleet's halts on every instance: at the end of each pass and of recovery,
    /// so an instance started or restored meanwhile — after a restart, a kill, a watchdog restart,
    /// a rollout's start — is held before its first candle. Halts that cannot be read hold every
    /// bot reduce-only (the safe side) and are reported, never fatal.
    func applyHalts(nowMs: Int64) async {
        let stored: StoredHalts
        do {
            stored = try store.fleetHalts()
        } catch {
            let reason = "the fleet's halts cannot be read (\(error)); every bot is held reduce-only until they read again"
            stored = StoredHalts(halts: [StoredHalt(cause: .person, mode: .reduceOnly, reason: reason, requestedBy: "flotilla",
                                                    since: Date(timeIntervalSince1970: Double(nowMs) / 1000))],
                                 problems: [reason])
        }
        if stored.problems != haltProblems.all {
            for problem in stored.problems where !haltProblems.all.contains(problem) {
                logger.error("fleet halt unreadable", metadata: ["problem": "\(problem)"])
                writes.recordEvent(bot: nil, kind: "HaltUnreadable", message: problem)
            }
            haltProblems.replace(stored.problems)
        }
        let coverage = FleetHaltCoverage(stored.halts)
        // Nothing halted now or before: nothing to visit (the common case, at any fleet size).
        guard !coverage.isEmpty || haltsHeld else { return }
        haltsHeld = !coverage.isEmpty
        for instance in instances.values {
            let spec = desiredCache[instance.bot] ?? instance.spec
            let wanted = coverage.halt(for: spec)
            guard let cancelled = await instance.apply(halt: wanted) else { continue }
            let (state, fills) = await instance.snapshot()
            writes.saveInstance(state, newFills: fills.map { (clientOrderId: $0.0, time: $0.1, json: $0.2) })
            let what = wanted.map { $0.mode == .halt ? "halted (no orders)" : "halted (reduce-only)" } ?? "resumed"
            writes.recordEvent(bot: instance.bot, kind: wanted == nil ? "HaltLifted" : "HaltApplied", revision: instance.revision,
                               message: "\(instance.id): \(what)\(cancelled.isEmpty ? "" : "; \(cancelled.count) working order(s) cancelled")")
        }
    }
}
