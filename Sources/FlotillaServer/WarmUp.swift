import FlotillaAPI
import FlotillaEngine
import Foundation
import ServiceLifecycle

/// Work done once when the server starts, as a `Service` of the application's `ServiceGroup` (so
/// it is cancelled with it, never a loose `Task`): the bot views are built before the first
/// request asks — after the fleet's start (its first tick), which they would slow at ten thousand
/// bots (a request before then builds them itself). Then it waits for the shutdown (a service
/// that returned would end the group). The metric series are made and kept by `MetricsPublisher`.
struct WarmUp: Service {
    let views: ViewCache
    var fleet: Fleet?

    func run() async throws {
        if let progress = fleet?.progress {
            while !progress.hasTicked, !Task.isCancelled, !Task.isShuttingDownGracefully {
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(50)) }
            }
        }
        if !Task.isShuttingDownGracefully { try? await views.prepare() }
        try? await gracefulShutdown()
    }
}
