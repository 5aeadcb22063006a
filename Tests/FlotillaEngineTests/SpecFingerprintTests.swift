@testable import FlotillaEngine
import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

/// What `up`'s watcher compares every second to see an edit: each spec file's modification time
/// and size, read with one `stat` a file.
@Suite("The watcher's fingerprint of the spec files")
struct SpecFingerprintTests {
    @Test("an edit, a new file and a removed file change it; reading again without an edit does not; other files are not in it")
    func seesEdits() throws {
        let dir = try Fixtures.temporaryDirectory()
        let layout = ProjectLayout(root: dir)
        try FileManager.default.createDirectory(at: layout.bots, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: layout.profiles, withIntermediateDirectories: true)
        let a = layout.bots.appendingPathComponent("a.yaml")
        try "one".write(to: a, atomically: false, encoding: .utf8)
        try "notes".write(to: layout.bots.appendingPathComponent("README.md"), atomically: false, encoding: .utf8)
        let first = SpecWatcher.fingerprint(layout)
        #expect(Set(first.keys) == [a.path])
        #expect(SpecWatcher.fingerprint(layout) == first)

        try "one, edited".write(to: a, atomically: false, encoding: .utf8)
        let edited = SpecWatcher.fingerprint(layout)
        #expect(edited != first)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)], ofItemAtPath: a.path)
        #expect(SpecWatcher.fingerprint(layout) != edited, "a new modification time alone is an edit")

        let profile = layout.profiles.appendingPathComponent("p.yml")
        try "two".write(to: profile, atomically: false, encoding: .utf8)
        #expect(SpecWatcher.fingerprint(layout).count == 2)
        try FileManager.default.removeItem(at: profile)
        #expect(SpecWatcher.fingerprint(layout).count == 1)
    }

    @Test("a symlinked spec file is stamped by what it points to: an edit of the target is seen")
    func followsSymlinks() throws {
        let dir = try Fixtures.temporaryDirectory()
        let layout = ProjectLayout(root: dir)
        try FileManager.default.createDirectory(at: layout.bots, withIntermediateDirectories: true)
        let target = dir.appendingPathComponent("shared.yaml")
        try "one".write(to: target, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: layout.bots.appendingPathComponent("linked.yaml").path, withDestinationPath: target.path)
        let before = SpecWatcher.fingerprint(layout)
        try "one, edited in the target".write(to: target, atomically: false, encoding: .utf8)
        #expect(SpecWatcher.fingerprint(layout) != before)
    }
}
