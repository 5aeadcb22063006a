import FlotillaEngine
import FlotillaStore
import FlotillaTesting
import Foundation
import Testing

/// The real executable, built next to the test bundle (`swift build --build-tests` builds it).
func flotillaExecutable() throws -> URL {
    let candidates = [
        Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("flotilla"),
        Fixtures.repositoryRoot.appendingPathComponent(".build/debug/flotilla"),
    ]
    return try #require(candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }, "build the flotilla executable first (swift build)")
}

/// How many times longer than its stated deadline a process test waits for what must happen
/// eventually: the whole suite runs at once on two cores (a fault suite, feeds, five `flotilla up`
/// children), where a start that takes 2 s alone can take a minute. A deadline here bounds a
/// hang; it never measures speed (benchmarks do). `FLOTILLA_TEST_PATIENCE` overrides it.
let testPatience: Double = ProcessInfo.processInfo.environment["FLOTILLA_TEST_PATIENCE"].flatMap(Double.init) ?? 4

func waitUntil(_ timeout: Double, _ condition: () throws -> Bool) async throws -> Bool {
    let end = Date().addingTimeInterval(timeout * testPatience)
    while Date() < end {
        if (try? condition()) == true { return true }
        try await Task.sleep(for: .milliseconds(200))
    }
    return false
}

@Suite("flotilla up as a real process", .serialized, .heavy)
struct UpProcessTests {
    @Test("up runs the shipped fleet, rolls out an edit with the bot's strategy, and SIGTERM exits 0 within 10 s")
    func upEditAndStop() async throws {
        let project = try Project()
        let process = Process()
        process.executableURL = try flotillaExecutable()
        process.arguments = ["up", "--dir", project.dir.path, "--listen", "127.0.0.1:0"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let statePath = project.statePath
        func store() throws -> StateStore { try StateStore(path: statePath) }
        #expect(try await waitUntil(90) { try store().runtimeInstances().filter { $0.phase == .running }.count == 9 },
                "six bots, nine instances (alts-momentum fans out to four symbols)")

        try project.edit("bots.d/eth-trend.yaml", "fast: 10", "fast: 12")
        #expect(try await waitUntil(15) { try RolloutStatus.load(bot: "eth-trend", store: store())?.candidate == 2 })
        let status = try #require(try RolloutStatus.load(bot: "eth-trend", store: store()))
        #expect(status.strategy == "canary")
        // The rollout is persisted before its first step is carried out: wait for the split.
        #expect(try await waitUntil(30) { Set(try RolloutStatus.load(bot: "eth-trend", store: store())?.instances.map(\.capitalPct) ?? []) == ["10", "90"] })

        try project.edit("bots.d/xrp-grid.yaml", "levels: 12", "levels: many")
        try await Task.sleep(for: .seconds(2))
        #expect(try store().events(limit: 20).contains { $0.kind == "InvalidEdit" }, "an invalid edit is reported")
        #expect(try store().desiredState(decode: { _, _ in false }).serial == 2, "and changes nothing")

        let start = Date()
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(Date().timeIntervalSince(start) < 10)
        #expect(try store().events(limit: 5).contains { $0.kind == "Shutdown" })
    }
}

/// Whether `condition` holds within `timeout` seconds (asked every 200 ms; errors count as no).
func eventually(_ timeout: Double, _ condition: () async throws -> Bool) async -> Bool {
    let end = Date().addingTimeInterval(timeout * testPatience)
    while Date() < end {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: .milliseconds(200))
    }
    return false
}

/// A `flotilla up` process whose stdout and stderr go to files, read for what it prints.
final class UpProcess {
    let process = Process()
    let out: URL
    let err: URL

    init(_ project: Project, listen: String = "127.0.0.1:0", extra: [String] = []) throws {
        let logs = try Fixtures.temporaryDirectory()
        out = logs.appendingPathComponent("out")
        err = logs.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.executableURL = try flotillaExecutable()
        process.arguments = ["up", "--dir", project.dir.path, "--listen", listen] + extra
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
    }

    var output: String { (try? String(contentsOf: out, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }

    /// The port of the `http://HOST:PORT/` the server printed once it listened.
    func port(timeout: Double = 60) async throws -> Int {
        let end = Date().addingTimeInterval(timeout * testPatience)
        while Date() < end {
            if let match = output.firstMatch(of: /dashboard on http:\/\/[^:\/]+:([0-9]+)\//), let port = Int(match.1) { return port }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw RawHTTP.Failure(description: "no URL printed: \(output) \(errors)")
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

@Suite("flotilla up: no anonymous admin over HTTP", .serialized, .heavy)
struct UpAdminTokenTests {
    @Test("the first start makes an admin token: its hash in the store, the secret in admin.token (0600) and the login URL only; --server uses the file; a restart keeps it")
    func firstStartToken() async throws {
        let project = try Project()
        let up = try UpProcess(project)
        defer { up.stop() }
        let port = try await up.port()
        let login = try #require(up.output.firstMatch(of: /log in at (http:\/\/127\.0\.0\.1:[0-9]+\/#token=(flt_[0-9a-f]+))/), "\(up.output)")
        let secret = String(login.2)
        let file = project.dir.appendingPathComponent(".flotilla/admin.token")
        #expect(try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == secret)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int)
        #expect(mode & 0o777 == 0o600, "admin.token is mode \(String(mode, radix: 8))")
        // The files are read before this process opens the store: closing a descriptor of a
        // database a process has open drops that process's SQLite locks.
        for suffix in ["", "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: project.statePath + suffix))) ?? Data()
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "the secret is not in state.db\(suffix)")
        }
        let store = try StateStore(path: project.statePath)
        #expect(try store.tokens().map(\.role) == [.admin])

        #expect(try await RawHTTP.fetch(port: port, ["GET /api/v1/bots HTTP/1.1", "Host: 127.0.0.1:\(port)"]).status == 401, "no token, no answer")
        let url = "http://127.0.0.1:\(port)"
        #expect(try await waitUntil(30) { try store.runtimeInstances().filter { $0.phase == .running }.count == 9 })
        var r = await project.run("get", "bots", "--server", url)
        #expect(r.code == 0 && r.out.contains("eth-trend"), "the CLI read admin.token: \(r.err)")
        r = await project.run("bot", "pause", "eth-trend", "--server", url)
        #expect(r.code == 0, "\(r.err)")
        #expect(!up.errors.contains(secret), "the log never has the secret")
        #expect(up.output.components(separatedBy: secret).count == 2, "the secret is printed once, in the login URL")

        up.stop()
        let again = try UpProcess(project)
        defer { again.stop() }
        let port2 = try await again.port()
        #expect(!again.output.contains("#token="), "a restart shows no secret: \(again.output)")
        #expect(again.output.contains("admin.token"))
        #expect(try String(contentsOf: file, encoding: .utf8).contains(secret), "the same token stays")
        #expect(try store.tokens().count == 1)
        #expect(await eventually(30) { try await RawHTTP.fetch(port: port2, ["GET /readyz HTTP/1.1", "Host: 127.0.0.1:\(port2)"]).status == 200 })
        r = await project.run("get", "bots", "--server", "http://127.0.0.1:\(port2)")
        #expect(r.code == 0, "\(r.err)")
    }

    @Test("a listener on 0.0.0.0 is never open: 401 without a token, 421 for a foreign Host, answered with the admin token")
    func everyInterface() async throws {
        let project = try Project()
        let up = try UpProcess(project, listen: "0.0.0.0:0")
        defer { up.stop() }
        let port = try await up.port()
        let secret = try String(contentsOf: project.dir.appendingPathComponent(".flotilla/admin.token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(await eventually(30) { try await RawHTTP.fetch(port: port, ["GET /healthz HTTP/1.1", "Host: 127.0.0.1:\(port)"]).status == 200 })
        #expect(try await RawHTTP.fetch(port: port, ["GET /api/v1/bots HTTP/1.1", "Host: 127.0.0.1:\(port)"]).status == 401)
        #expect(try await RawHTTP.fetch(port: port, ["POST /api/v1/tokens HTTP/1.1", "Host: 127.0.0.1:\(port)", "Content-Type: application/json"],
                                 body: #"{"role":"admin"}"#).status == 401)
        #expect(try await RawHTTP.fetch(port: port, ["GET /api/v1/bots HTTP/1.1", "Host: 192.0.2.7:\(port)", "Authorization: Bearer \(secret)"]).status == 421)
        #expect(try await RawHTTP.fetch(port: port, ["GET /api/v1/bots HTTP/1.1", "Host: 127.0.0.1:\(port)", "Authorization: Bearer \(secret)"]).status == 200)
        #expect(up.errors.contains("--allowed-host"), "up says how to let other names in")
    }
}
