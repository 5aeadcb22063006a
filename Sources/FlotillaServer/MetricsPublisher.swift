import Foundation
import ServiceLifecycle

/// Keeps the server's metric series up to date, as a `Service` of the application's
/// `ServiceGroup`: each time the fleet publishes its instances (looked for every `interval`, the
/// reconciler's default period), their series are updated on a Dispatch thread — so a scrape of
/// `/metrics` renders them and never rebuilds them. The first update creates every series before
/// the first scrape asks. A graceful stop ends the wait between publications at once (the stop
/// never waits out an interval). Without a fleet in this process there is nothing to follow: it
/// waits for the shutdown (a service that returned would end the group).
struct MetricsPublisher: Service {
    let server: ServerContext
    var interval: Duration = .milliseconds(250)

    func run() async throws {
        guard server.fleet != nil else {
            try? await gracefulShutdown()
            return
        }
        let server = self.server
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // The first series (every instance's and rollout's) are made once the fleet's start is
            // over; a scrape before that brings them up to date itself.
            if server.fleet?.progress.hasTicked == true { _ = try? await offPool { try server.metrics.publish(server) } }
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
        }
    }
}
