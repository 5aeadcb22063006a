import FlotillaServer
import FlotillaStore
import FlotillaTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

#if canImport(Glibc)
    import Glibc
#endif

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

    /// The resident set of this process (the server runs in it), from /proc.
    static func residentBytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }

    @Test("a client that pipelines requests and never reads the answers is held back: the server stops reading it, its memory stays bounded, and others are served",
          arguments: ["/healthz", "/metrics"])
    func pipelinedWithoutReading(_ path: String) async throws {
        let (server, _) = try await serverFixture()
        let app = buildApplication(server, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await liveTest(app) { client in
            let port = try #require(client.port)
            let before = Self.residentBytes()
            // 64 MB of pipelined requests (1.6 million) offered, answers never read.
            let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
            let chunk = Array((0..<1_000).map { _ in request }.joined())
            let offered = 1_600 * chunk.count
            let accepted = try await RawHTTP.offPool { () -> Int in
                let fd = try RawHTTP.connect(port: port, timeout: 3)
                defer { close(fd) }
                var sent = 0
                while sent < offered {
                    let n = chunk.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    guard n > 0 else { break }  // the send timed out (the server stopped reading) or it closed the connection
                    sent += n
                }
                return sent
            }
            let grown = Self.residentBytes() - before
            #expect(accepted < offered / 4, "the server stopped taking requests it could not answer: \(accepted) of \(offered) bytes accepted")
            #expect(grown < 96 << 20, "the server's memory grew by \(grown >> 20) MB")
            let health = try await RawHTTP.fetch(port: port, ["GET /healthz HTTP/1.1", "Host: 127.0.0.1:\(port)"], timeout: 20)
            #expect(health.status == 200, "another client is served")
        }
    }
}
