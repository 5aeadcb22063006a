import FlotillaEngine
import FlotillaStore
import FlotillaTesting
import Foundation
import Testing

@Suite("flotilla halt against a real flotilla up, across kill -9", .serialized, .heavy)
struct HaltProcessTests {
    @Test("flotilla halt holds a running flotilla up's bots; after kill -9 the new process comes back halted and trades nothing until resume-all")
    func haltSurvivesKill() async throws {
        let project = try Project()
        var up = try UpProcess(project)
        defer { up.stop() }
        let store = try StateStore(path: project.statePath)
        #expect(try await waitUntil(90) { try store.runtimeInstances().filter { $0.phase == .running }.count == 9 }, "\(up.errors)")

        var r = await project.run("halt", "--reason", "drill")
        #expect(r.code == 0 && r.out.contains("6 bot(s) now"), "\(r.out)\(r.err)")
        // The running process carries it out on its next pass: every instance held.
        #expect(try await waitUntil(30) { try store.eventCounts(prefix: "HaltApplied")["HaltApplied"] ?? 0 >= 9 })

        kill(up.process.processIdentifier, SIGKILL)
        up.process.waitUntilExit()
        let fillsAtKill = try store.fillCount()
        let appliedBefore = try store.eventCounts(prefix: "HaltApplied")["HaltApplied"] ?? 0

        up = try UpProcess(project)
        #expect(try await waitUntil(90) { try store.events(limit: 200).contains { $0.kind == "Recovered" } }, "\(up.errors)")
        // The restarted process held every instance again at its recovery, before any candle.
        #expect(try await waitUntil(30) { (try store.eventCounts(prefix: "HaltApplied")["HaltApplied"] ?? 0) >= appliedBefore + 9 })
        let running = try store.runtimeInstances().filter { $0.phase == .running }
        try await Task.sleep(for: .seconds(5))
        #expect(try store.fillCount() == fillsAtKill, "nothing filled while halted")
        #expect(try store.runtimeInstances().filter { $0.phase == .running }.allSatisfy { state in
            running.first { $0.id == state.id }.map { state.candlesSeen >= $0.candlesSeen } ?? true
        }, "the bots keep observing candles")
        r = await project.run("get", "bots")
        #expect(r.out.components(separatedBy: "HALTED: drill").count == 7, "six bots shown halted: \(r.out)")
        r = await project.run("status")
        #expect(r.out.contains("Halted (flotilla resume-all lifts it): 6"), "\(r.out)")

        r = await project.run("resume-all")
        #expect(r.code == 0 && r.out.contains("1 halt(s) lifted"), "\(r.out)\(r.err)")
        #expect(try await waitUntil(30) { (try store.eventCounts(prefix: "HaltLifted")["HaltLifted"] ?? 0) >= 9 })
        r = await project.run("get", "bots")
        #expect(!r.out.contains("HALTED"), "\(r.out)")
    }
}
