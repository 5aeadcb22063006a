import FlotillaAPI
import FlotillaEngine
import Foundation
import ServiceLifecycle

/// Work done once when the server starts, as a `Service` of the application's `ServiceGroup` (so
/// it is cancelled with it, never a loose `Task`): the bot views are built before the first
/// request asks. Then it waits for the shutdown (a service that returned would end the group).
/// The metric series are made and kept by `MetricsPublisher`.
struct WarmUp: Service {
    let views: ViewCache

    func run() async throws {
        try? await views.prepare()
        try? await gracefulShutdown()
    }
}
