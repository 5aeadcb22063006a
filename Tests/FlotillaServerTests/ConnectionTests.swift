import FlotillaServer
import FlotillaStore
import FlotillaTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Finding 4: idle connections are closed and capped; health and readiness answer while more
/// idle connections than the cap are held against a real server on 127.0.0.1.
@Suite("Connections", .serialized)
struct ConnectionTests {
    @Test("1,100 idle connections against a cap of 512: the longest-idle are closed, /healthz and /readyz still answer")
    func idleConnectionsAboveTheCap() async throws {
        FileLimit.raiseToHard()
        let (server, _) = try await serverFixture { $0.maxConnections = 512 }
        let app = buildApplication(server, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            var idle = try await RawHTTP.offPool { try (0..<1_100).map { _ in try RawHTTP.connect(port: port) } }
            defer { idle.forEach { close($0) } }
            for path in ["/healthz", "/readyz"] {
                let reply = try await RawHTTP.fetch(port: port, ["GET \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)"])
                #expect([200, 503].contains(reply.status), "\(path) answers: \(reply.status)")
                #expect(reply.body.contains("\"components\""))
            }
            // Nothing runs the fixture's reconciler on its own: a pass now keeps liveness from reading "stalled".
            try await server.fleet!.reconcile(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
            let health = try await RawHTTP.fetch(port: port, ["GET /healthz HTTP/1.1", "Host: 127.0.0.1:\(port)"])
            #expect(health.status == 200, "\(health.body)")
            // The server holds at most the cap: the others were closed (the oldest first).
            let held = idle
            let closed = try await RawHTTP.offPool { held.filter { RawHTTP.isClosedByServer($0, timeout: 0.001) }.count }
            #expect(closed >= 1_100 - 512, "closed \(closed) of 1,100 idle connections")
            let newest = try await RawHTTP.offPool { RawHTTP.isClosedByServer(held.last!, timeout: 0.05) }
            #expect(!newest, "the newest idle connection is kept")
            // Let the server take every accepted connection off its queue before the test framework
            // cancels it: connections still queued at a cancellation trip an assertion in NIO's async
            // writer (a shutdown by cancel, as the test framework does; up shuts down gracefully).
            idle.forEach { close($0) }
            idle = []
            try await Task.sleep(for: .milliseconds(500))
            _ = try await RawHTTP.fetch(port: port, ["GET /healthz HTTP/1.1", "Host: 127.0.0.1:\(port)"])
        }
    }

    @Test("an idle connection is closed after the idle timeout")
    func idleTimeout() async throws {
        let (server, _) = try await serverFixture { $0.idleTimeout = .seconds(1) }
        let app = buildApplication(server, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let fd = try await RawHTTP.offPool { try RawHTTP.connect(port: port) }
            defer { close(fd) }
            let closed = try await RawHTTP.offPool { RawHTTP.isClosedByServer(fd, timeout: 15) }
            #expect(closed, "the server closed the silent connection")
        }
    }
}
