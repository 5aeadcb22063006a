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

func waitUntil(_ timeout: Double, _ condition: () throws -> Bool) async throws -> Bool {
    let end = Date().addingTimeInterval(timeout)
    while Date() < end {
        if (try? condition()) == true { return true }
        try await Task.sleep(for: .milliseconds(200))
    }
    return false
}

@Suite("flotilla up as a real process", .serialized)
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
        #expect(try await waitUntil(30) { try store().runtimeInstances().filter { $0.phase == "running" }.count == 9 },
                "six bots, nine instances (alts-momentum fans out to four symbols)")

        try project.edit("bots.d/eth-trend.yaml", "fast: 10", "fast: 12")
        #expect(try await waitUntil(15) { try RolloutStatus.load(bot: "eth-trend", store: store())?.candidate == 2 })
        let status = try #require(try RolloutStatus.load(bot: "eth-trend", store: store()))
        #expect(status.strategy == "canary")
        #expect(Set(status.instances.map(\.capitalPct)) == ["10", "90"])

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
