import Foundation

/// The degraded bots as the HTTP side reads them (`/readyz` details), republished after each
/// reconcile pass — readable without waiting for the fleet's thread.
public final class DegradedBots: @unchecked Sendable {
    // @unchecked: `current` is only touched under `lock`.
    private let lock = NSLock()
    private var current: [String: Degradation] = [:]

    func replace(_ bots: [String: Degradation]) { lock.withLock { current = bots } }

    /// Bot name → why it is degraded.
    public var bots: [String: Degradation] { lock.withLock { current } }
}
