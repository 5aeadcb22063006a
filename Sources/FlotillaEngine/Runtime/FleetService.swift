import Foundation
import Logging
import ServiceLifecycle

/// The reconciler and the bot runtime as one long-running service: recover, then every interval
/// reconcile the desired state and advance the instances, until graceful shutdown — then stop every
/// instance (orders cancelled) and persist.
public struct FleetService: Service {
    public let fleet: Fleet
    public let interval: Duration
    let logger: Logger
    /// Ends a wait early (the watcher after an apply); nil: every wait is the whole interval.
    let nudge: ReconcileNudge?

    public init(fleet: Fleet, interval: Duration = .milliseconds(250), logger: Logger, nudge: ReconcileNudge? = nil) {
        self.fleet = fleet
        self.interval = interval
        self.logger = logger
        self.nudge = nudge
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    public func run() async throws {
        try await fleet.recover(nowMs: Self.nowMs())
        let count = await fleet.instanceCount
        logger.info("fleet recovered", metadata: ["instances": "\(count)"])
        var equity = EquityRecorder()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let now = Self.nowMs()
            do {
                try await fleet.reconcile(nowMs: now)
                try await fleet.tick(nowMs: now)
            } catch {
                logger.error("reconcile pass failed", metadata: ["error": "\(error)"])
            }
            do {
                try equity.record(fleet.live.instances, nowMs: now, store: fleet.store)
            } catch {
                logger.warning("equity history not recorded", metadata: ["error": "\(error)"])
            }
            // A stop ends the wait at once (the pass in progress always completes).
            try? await cancelWhenGracefulShutdown { [nudge, interval] in
                if let nudge { await nudge.wait(for: interval) } else { try await Task.sleep(for: interval) }
            }
        }
        try await fleet.shutdown()
        logger.info("fleet stopped; state persisted")
    }
}
