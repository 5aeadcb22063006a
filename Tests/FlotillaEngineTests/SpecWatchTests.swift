@testable import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import Foundation
import Logging
import Testing

/// `up`'s watcher on inotify: an edit is seen within the debounce, a burst is one change, a
/// directory replaced under its name is still followed, and what is not a spec file wakes nothing.
@Suite("The watcher follows the spec directories with inotify")
struct SpecWatchTests {
    @Test("the debounce waits for quiet, and never longer than its cap after the first event", arguments: [
        (0, 20), (10, 20), (185, 15), (200, nil), (500, nil),
    ] as [(Int, Int?)])
    func debounce(elapsedMs: Int, waitMs: Int?) {
        let wait = Debounce(quiet: .milliseconds(20), longest: .milliseconds(200)).nextWait(elapsed: .milliseconds(elapsedMs))
        #expect(wait == waitMs.map { .milliseconds($0) })
    }

    @Test("a spec file written wakes the watch; an editor's swap file and a README do not; a directory replaced is still followed")
    func wakes() throws {
        let dir = try gitOpsProject(bots: [:])
        let layout = ProjectLayout(root: dir)
        let watch = try #require(SpecDirectoryWatch(directories: [layout.bots, layout.profiles, layout.accounts]))
        #expect(!watch.wait(milliseconds: 10))
        try "x".write(to: layout.bots.appendingPathComponent(".a.yaml.swp"), atomically: false, encoding: .utf8)
        try "x".write(to: layout.bots.appendingPathComponent("README.md"), atomically: false, encoding: .utf8)
        #expect(!watch.wait(milliseconds: 50))
        try "x".write(to: layout.bots.appendingPathComponent("a.yaml"), atomically: false, encoding: .utf8)
        #expect(watch.wait(milliseconds: 1000))

        // `mv bots.d bots.old && mv new bots.d`: the new directory is watched in its turn.
        let staged = dir.appendingPathComponent("incoming")
        try FileManager.default.createDirectory(at: staged, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: layout.bots, to: dir.appendingPathComponent("bots.old"))
        try FileManager.default.moveItem(at: staged, to: layout.bots)
        #expect(watch.wait(milliseconds: 1000))
        while watch.wait(milliseconds: 20) {}
        try "y".write(to: layout.bots.appendingPathComponent("b.yaml"), atomically: false, encoding: .utf8)
        #expect(watch.wait(milliseconds: 1000))
        try "y".write(to: dir.appendingPathComponent("bots.old/c.yaml"), atomically: false, encoding: .utf8)
        #expect(!watch.wait(milliseconds: 50), "the directory moved away is no longer the project's")

        // accounts/ made after the watch started is followed as well.
        try FileManager.default.createDirectory(at: layout.accounts, withIntermediateDirectories: true)
        #expect(watch.wait(milliseconds: 1000))
        while watch.wait(milliseconds: 20) {}
        try "z".write(to: layout.accounts.appendingPathComponent("main.yaml"), atomically: false, encoding: .utf8)
        #expect(watch.wait(milliseconds: 1000))
    }

    /// Runs the watcher until `body` returns, then stops it.
    func watching(_ layout: ProjectLayout, store: StateStore, _ body: () async throws -> Void) async throws {
        let watcher = SpecWatcher(layout: layout, store: store, interval: .seconds(30), logger: Logger(label: "test"), safetyCheck: .seconds(30))
        watcher.applyFiles(reason: "start")
        let task = Task { try await watcher.run() }
        defer { task.cancel() }
        try await Task.sleep(for: .milliseconds(50))
        try await body()
        task.cancel()
        _ = try? await task.value
    }

    /// Waits up to five seconds (on a loaded machine) for `condition`.
    func eventually(_ condition: () throws -> Bool) async throws -> Bool {
        for _ in 0..<250 {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try condition()
    }

    func appliedCount(_ store: StateStore) throws -> Int { try store.events(limit: 10_000).filter { $0.kind == "Applied" }.count }

    @Test("an editor's save (write a temporary, rename over, chmod) is one change, applied without waiting for a poll")
    func editorSaveIsOneApply() async throws {
        let dir = try gitOpsProject(bots: ["a": Fixtures.botYAML(name: "a")])
        let layout = ProjectLayout(root: dir)
        let store = try StateStore.inMemory()
        try await watching(layout, store: store) {
            #expect(try appliedCount(store) == 1)
            let target = layout.bots.appendingPathComponent("a.yaml")
            let temporary = layout.bots.appendingPathComponent(".a.yaml.tmp")
            try Fixtures.botYAML(name: "a", ["fast: 10": "fast: 12"]).write(to: temporary, atomically: false, encoding: .utf8)
            #expect(rename(temporary.path, target.path) == 0)
            #expect(chmod(target.path, 0o644) == 0)
            #expect(try await eventually { try store.revisions(of: "a").count == 2 })
            try await Task.sleep(for: .milliseconds(400))
            #expect(try appliedCount(store) == 2, "one apply for the save")
        }
    }

    @Test("a new bot file is applied; an invalid edit changes nothing and is recorded; a checkout that replaces bots.d is followed")
    func addsRefusesAndFollows() async throws {
        let dir = try gitOpsProject(bots: ["a": Fixtures.botYAML(name: "a")])
        let layout = ProjectLayout(root: dir)
        let store = try StateStore.inMemory()
        try await watching(layout, store: store) {
            try Fixtures.botYAML(name: "b").write(to: layout.bots.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
            #expect(try await eventually { try store.desiredBot(named: "b") != nil })

            try "apiVersion: flotilla/v1\nkind: Bot\nmetadata: { name: c }\nspec: { capital: nope }\n"
                .write(to: layout.bots.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
            #expect(try await eventually { try store.events(limit: 1000).contains { $0.kind == "InvalidEdit" } })
            #expect(try store.desiredBot(named: "c") == nil)
            try FileManager.default.removeItem(at: layout.bots.appendingPathComponent("c.yaml"))

            // The whole directory replaced, as a checkout of another tree can.
            let incoming = dir.appendingPathComponent("bots.next")
            try FileManager.default.createDirectory(at: incoming, withIntermediateDirectories: true)
            for name in ["a", "b"] {
                try Fixtures.botYAML(name: name, ["fast: 10": "fast: 11"]).write(to: incoming.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8)
            }
            try FileManager.default.moveItem(at: layout.bots, to: dir.appendingPathComponent("bots.prev"))
            try FileManager.default.moveItem(at: incoming, to: layout.bots)
            #expect(try await eventually { try store.revisions(of: "a").count == 2 && store.revisions(of: "b").count == 2 })
            // And edits in the new directory are seen too.
            try Fixtures.botYAML(name: "a", ["fast: 10": "fast: 13"]).write(to: layout.bots.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
            #expect(try await eventually { try store.revisions(of: "a").count == 3 })
        }
    }
}
