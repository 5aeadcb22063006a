import Foundation
import NIOConcurrencyHelpers

/// The degraded bots as the HTTP side reads them (`/readyz` details), republished after each
/// reconcile pass — readable without waiting for the fleet's thread.
public final class DegradedBots: Sendable {
    private let current = NIOLockedValueBox<[String: Degradation]>([:])

    func replace(_ bots: [String: Degradation]) { current.withLockedValue { $0 = bots } }

    /// Bot name → why it is degraded.
    public var bots: [String: Degradation] { current.withLockedValue { $0 } }
}
