import FlotillaServer
import FlotillaTesting
import Foundation
import Testing

/// Finding 4 against a real `flotilla up`: more idle connections than the cap, and health still
/// answers. Run as its own process, as users run it: a server stopped with a thousand connections
/// still queued is its own business (SIGTERM shuts it down gracefully), not the test runner's.
@Suite("flotilla up: connections are capped", .serialized, .heavy)
struct ConnectionCapProcessTests {
    @Test("1,100 idle connections against a cap of 512: the longest-idle are closed, /healthz and /readyz still answer, SIGTERM exits 0")
    func idleConnectionsAboveTheCap() async throws {
        FileLimit.raiseToHard()
        let project = try Project()
        let up = try UpProcess(project, extra: ["--max-connections", "512", "--no-watch"])
        defer { up.stop() }
        let port = try await up.port()
        #expect(try await waitUntil(60) { try RawHTTP.send(port: port, ["GET /readyz HTTP/1.1", "Host: 127.0.0.1:\(port)"]).status == 200 })
        var idle: [Int32] = []
        defer { idle.forEach { close($0) } }
        for _ in 0..<1_100 { idle.append(try RawHTTP.connect(port: port)) }
        for path in ["/healthz", "/readyz"] {
            let reply = try await RawHTTP.fetch(port: port, ["GET \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)"], timeout: 30)
            #expect(reply.status == 200, "\(path) answers: \(reply.status) \(reply.body.prefix(300))")
        }
        var closed = 0
        for fd in idle where RawHTTP.isClosedByServer(fd, timeout: 0.001) { closed += 1 }
        #expect(closed >= 1_100 - 512, "closed \(closed) of 1,100 idle connections")
        #expect(!RawHTTP.isClosedByServer(idle.last!, timeout: 0.05), "the newest idle connection is kept")
        idle.forEach { close($0) }
        idle = []
        // Requests still arriving (a body dripped a byte at a time) are owed nothing: at the cap they
        // make room for a probe too.
        let admin = try String(contentsOf: project.dir.appendingPathComponent(".flotilla/admin.token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var dripping: [Int32] = []
        defer { dripping.forEach { close($0) } }
        for _ in 0..<600 {
            let fd = try RawHTTP.connect(port: port)
            let head = "POST /api/v1/bots/nosuch/stop HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(admin)\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
            _ = head.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            dripping.append(fd)
        }
        let probe = try await RawHTTP.fetch(port: port, ["GET /healthz HTTP/1.1", "Host: 127.0.0.1:\(port)"], timeout: 30)
        #expect(probe.status == 200, "a probe gets in past 600 unfinished requests: \(probe.status)")
        #expect(!up.errors.contains(admin), "the log never has the secret")
        up.process.terminate()
        up.process.waitUntilExit()
        #expect(up.process.terminationStatus == 0, "SIGTERM with connections held exits 0: \(up.errors.suffix(2000))")
    }
}
