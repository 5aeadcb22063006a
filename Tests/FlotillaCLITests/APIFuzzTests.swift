import FlotillaStore
import FlotillaTesting
import Foundation
import Testing

/// The API fuzzed from its own OpenAPI document with schemathesis (PyPI; .ci/run installs it),
/// against a real `flotilla up` running the example fleet, once with a token of each role: no
/// server error, no status or content type the document doesn't declare, no response outside its
/// schema. Bounded: each role's run has a time budget, and the whole test a deadline.
@Suite("the API under schemathesis", .serialized, .heavy)
struct APIFuzzTests {
    /// Whether `schemathesis` runs from PATH (`/usr/bin/env` finds it wherever pip put it).
    static func schemathesisVersion() -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["schemathesis", "--version"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return process.terminationStatus == 0 ? text.trimmingCharacters(in: .whitespacesAndNewlines) : nil
    }

    @Test("no 500, no undocumented status, content type or shape — as viewer, operator and admin")
    func fuzz() async throws {
        try #require(Self.schemathesisVersion() != nil, "schemathesis is needed: python3 -m pip install schemathesis (.ci/run does)")
        let project = try Project()
        let up = try UpProcess(project)
        defer { up.stop() }
        let port = try await up.port()
        let admin = try String(contentsOf: project.dir.appendingPathComponent(".flotilla/admin.token"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var secrets = ["admin": admin]
        for role in ["viewer", "operator"] {
            let r = await project.run("token", "create", "--role", role)
            let secret = try #require(r.out.firstMatch(of: /(flt_[0-9a-f]+)/), "\(r.out) \(r.err)")
            secrets[role] = String(secret.1)
        }
        #expect(try await waitUntil(60) { try RawHTTP.send(port: port, ["GET /readyz HTTP/1.1", "Host: 127.0.0.1:\(port)"]).status == 200 })
        for role in ["viewer", "operator", "admin"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "schemathesis", "run", "http://127.0.0.1:\(port)/openapi.yaml",
                "--header", "Authorization: Bearer \(secrets[role]!)",
                "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                "--max-examples", "12", "--max-time", "60", "--request-timeout", "10", "--workers", "1",
                "--seed", "9", "--generation-deterministic", "--warnings", "off",
            ]
            let logs = try Fixtures.temporaryDirectory().appendingPathComponent("schemathesis-\(role).log")
            FileManager.default.createFile(atPath: logs.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: logs)
            process.standardError = process.standardOutput
            try process.run()
            let deadline = Date().addingTimeInterval(240)
            while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
            let output = (try? String(contentsOf: logs, encoding: .utf8)) ?? ""
            #expect(process.terminationStatus == 0, "as \(role): \(output.suffix(6000))")
            #expect(up.process.isRunning, "the server is still up after the \(role) run")
        }
    }
}
