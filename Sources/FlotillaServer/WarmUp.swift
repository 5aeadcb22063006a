import FlotillaAPI
import FlotillaEngine
import Foundation
import ServiceLifecycle

/// Work done once when the server starts, as a `Service` of the application's `ServiceGroup` (so
/// it is cancelled with it, never a loose `Task`): the bot views are built before the first
/// request asks, and — once the fleet has had time to start its instances — the first `/metrics`
/// render creates every series (~0.5 s for 1,000 bots) before the first scrape. Then it waits for
/// the shutdown (a service that returned would end the group).
struct WarmUp: Service {
    let views: ViewCache
    let server: ServerContext

    func run() async throws {
        try? await views.prepare()
        if let fleet = server.fleet {
            try? await Task.sleep(for: .seconds(2))
            if !Task.isCancelled && !Task.isShuttingDownGracefully {
                let store = server.store
                _ = try? await offPool { try MetricsText.render(store: store, live: fleet.live, progress: fleet.progress) }
            }
        }
        try? await gracefulShutdown()
    }
}
