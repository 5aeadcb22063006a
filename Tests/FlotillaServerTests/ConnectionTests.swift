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
    @Test("an idle connection is closed after the idle timeout")
    func idleTimeout() async throws {
        let (server, _) = try await serverFixture { $0.idleTimeout = .seconds(1) }
        let app = buildApplication(server, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await liveTest(app) { client in
            let port = try #require(client.port)
            let fd = try await RawHTTP.offPool { try RawHTTP.connect(port: port) }
            defer { close(fd) }
            let closed = try await RawHTTP.offPool { RawHTTP.isClosedByServer(fd, timeout: 15) }
            #expect(closed, "the server closed the silent connection")
        }
    }
}
