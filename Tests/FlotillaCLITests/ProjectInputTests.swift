import FlotillaCLI
import FlotillaStore
import FlotillaTesting
import Foundation
import Testing

/// A GitOps repository or a posted plan is someone else's input: what `validate` accepts, `up` can
/// act on exactly, and nothing a spec names reaches outside the project.
@Suite("project input: data files, money, spec files")
struct ProjectInputTests {
    /// A secret-looking file outside the project that a hostile spec points at.
    static func outsideSecret() throws -> URL {
        let dir = try Fixtures.temporaryDirectory()
        let file = dir.appendingPathComponent("secret.csv")
        try "root:x:0:0:TOP-SECRET-LINE\n".write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test("a replay that names a file outside the project, a missing file or a non-candle file is refused at validate with file:line:column, and never echoed",
          arguments: ["outside-absolute", "outside-relative", "missing", "not-candles", "fifo", "symlink-out", "directory"])
    func hostileReplay(_ kind: String) async throws {
        let p = try Project()
        let secret = try Self.outsideSecret()
        let name: String
        switch kind {
        case "outside-absolute": name = secret.path
        case "outside-relative": name = String(repeating: "../", count: 12) + String(secret.path.dropFirst())
        case "missing": name = "NOSUCH-5m.csv"
        case "not-candles":
            try "root:x:0:0:TOP-SECRET-LINE\n1,2,3\n".write(to: p.dir.appendingPathComponent("bots.d/passwd.csv"), atomically: true, encoding: .utf8)
            name = "passwd.csv"
        case "fifo":
            #expect(mkfifo(p.dir.appendingPathComponent("bots.d/pipe.csv").path, 0o600) == 0)
            name = "pipe.csv"
        case "symlink-out":
            try FileManager.default.createSymbolicLink(atPath: p.dir.appendingPathComponent("bots.d/link.csv").path, withDestinationPath: secret.path)
            name = "link.csv"
        default:
            try FileManager.default.createDirectory(at: p.dir.appendingPathComponent("bots.d/adir.csv"), withIntermediateDirectories: true)
            name = "adir.csv"
        }
        try p.edit("bots.d/eth-trend.yaml", "replay: ETH_BTC-5m.csv", "replay: \"\(name)\"")
        for command in [["validate"], ["plan"], ["apply", "--auto-approve"]] {
            let r = await p.run(command)
            #expect(r.code == 1, "\(command)")
            #expect(r.err.contains("bots.d/eth-trend.yaml:11:"), "\(command): \(r.err)")
            #expect(r.err.contains("spec.market.source.replay"), "\(command): \(r.err)")
            #expect(!r.err.contains("TOP-SECRET") && !r.out.contains("TOP-SECRET"), "the file's contents are never echoed: \(r.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: p.statePath), "a failed first apply creates no state")
    }

    @Test("a candle file inside the project is replayed; one larger than the limit is refused before it is read")
    func projectCandleFiles() async throws {
        let p = try Project()
        let bundled = try Data(contentsOf: URL(fileURLWithPath: Fixtures.repositoryRoot.path + "/Sources/FlotillaTrading/MarketData/Bundled/ETH_BTC-5m.csv"))
        try FileManager.default.createDirectory(at: p.dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        try bundled.write(to: p.dir.appendingPathComponent("data/mine.csv"))
        try p.edit("bots.d/eth-trend.yaml", "replay: ETH_BTC-5m.csv", "replay: ../data/mine.csv")
        #expect(await p.run("validate").code == 0)
        // A sparse file: large on paper, no disk used.
        let huge = p.dir.appendingPathComponent("data/huge.csv")
        #expect(FileManager.default.createFile(atPath: huge.path, contents: Data("timestamp,open,high,low,close,volume\n".utf8)))
        let handle = try FileHandle(forWritingTo: huge)
        try handle.truncate(atOffset: 600 << 20)
        try handle.close()
        try p.edit("bots.d/eth-trend.yaml", "replay: ../data/mine.csv", "replay: ../data/huge.csv")
        let r = await p.run("validate")
        #expect(r.code == 1)
        #expect(r.err.contains("the limit is"), "\(r.err)")
    }

    @Test("money the engine can't hold exactly is refused at validate, naming file:line:column",
          arguments: [
            ("capital: { quote: 1000 }", "capital: { quote: 1000.123456789 }", "bots.d/eth-trend.yaml:13:", "spec.capital.quote", "more than 8 decimal places"),
            ("capital: { quote: 1000 }", "capital: { quote: 100000000000 }", "bots.d/eth-trend.yaml:13:", "spec.capital.quote", "at most"),
            ("risk: { maxPositionPct: 25 }", "risk: { maxPositionPct: 25, minBalance: 0.000000001 }", "bots.d/eth-trend.yaml:14:", "spec.risk.minBalance", "more than 8 decimal places"),
          ])
    func inexactMoney(_ old: String, _ new: String, _ at: String, _ field: String, _ message: String) async throws {
        let p = try Project()
        try p.edit("bots.d/eth-trend.yaml", old, new)
        let r = await p.run("validate")
        #expect(r.code == 1)
        #expect(r.err.contains(at) && r.err.contains(field) && r.err.contains(message), "\(r.err)")
    }

    @Test("eight decimal places are exact and accepted")
    func exactMoney() async throws {
        let p = try Project()
        try p.edit("bots.d/eth-trend.yaml", "capital: { quote: 1000 }", "capital: { quote: 1000.12345678 }")
        #expect(await p.run("validate").code == 0)
    }

    @Test("spec files and spec directories that resolve outside the project are refused; a FIFO never blocks loading",
          arguments: ["file-symlink", "directory-symlink", "fifo"])
    func specFilesStayInside(_ kind: String) async throws {
        let p = try Project()
        let outside = try Fixtures.temporaryDirectory()
        try Fixtures.botYAML(name: "foreign").write(to: outside.appendingPathComponent("foreign.yaml"), atomically: true, encoding: .utf8)
        switch kind {
        case "file-symlink":
            try FileManager.default.createSymbolicLink(
                atPath: p.dir.appendingPathComponent("bots.d/foreign.yaml").path, withDestinationPath: outside.appendingPathComponent("foreign.yaml").path)
        case "directory-symlink":
            let bots = p.dir.appendingPathComponent("bots.d")
            try FileManager.default.removeItem(at: bots)
            try FileManager.default.createSymbolicLink(atPath: bots.path, withDestinationPath: outside.path)
        default:
            #expect(mkfifo(p.dir.appendingPathComponent("bots.d/pipe.yaml").path, 0o600) == 0)
        }
        let r = await p.run("validate")
        #expect(r.code == 1)
        #expect(r.err.contains(kind == "fifo" ? "not a regular file" : "outside the project directory"), "\(r.err)")
    }

    @Test("a symlink to a file inside the project is followed")
    func symlinkInside() async throws {
        let p = try Project()
        let real = p.dir.appendingPathComponent("shared/eth-trend.yaml")
        try FileManager.default.createDirectory(at: real.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: p.dir.appendingPathComponent("bots.d/eth-trend.yaml"), to: real)
        try FileManager.default.createSymbolicLink(atPath: p.dir.appendingPathComponent("bots.d/eth-trend.yaml").path, withDestinationPath: "../shared/eth-trend.yaml")
        let r = await p.run("validate")
        #expect(r.code == 0, "\(r.err)")
    }
}

@Suite("state files: created privately, once, and only when wanted")
struct StateFileTests {
    @Test("apply --dir to a missing directory and a mistyped --state create nothing")
    func mistypedPathsCreateNothing() async throws {
        let p = try Project()
        let missing = p.dir.appendingPathComponent("no-such-project")
        let r = await CLI.run(["apply", "--auto-approve", "--dir", missing.path], console: Console.capturing(interactive: false, answers: []))
        #expect(r != 0)
        #expect(!FileManager.default.fileExists(atPath: missing.path))
        let typo = p.dir.appendingPathComponent(".flotila/oops/state.db")
        let t = await p.run("apply", "--auto-approve", "--state", typo.path)
        #expect(t.code == 1, "\(t.out)")
        #expect(!FileManager.default.fileExists(atPath: p.dir.appendingPathComponent(".flotila").path))
        #expect(!FileManager.default.fileExists(atPath: p.dir.appendingPathComponent(".flotilla").path))
    }

    @Test("--state naming a directory says so")
    func stateIsADirectory() async throws {
        let p = try Project()
        let r = await p.run("apply", "--auto-approve", "--state", p.dir.appendingPathComponent("bots.d").path)
        #expect(r.code == 1)
        #expect(r.err.contains("is a directory") && !r.err.contains("SQLite error"), "\(r.err)")
    }

    @Test("validate prints the first hundred problems and a count of the rest")
    func manyProblems() async throws {
        let p = try Project()
        try p.write("bots.d/many.yaml", String(repeating: "---\napiVersion: flotilla/v1\nkind: Bot\n", count: 150))
        let r = await p.run("validate")
        #expect(r.code == 1)
        let lines = r.err.split(separator: "\n")
        #expect(lines.count == 102, "\(lines.count) lines")
        #expect(r.err.contains("more problems"))
    }

    @Test("a failed first apply leaves no state behind")
    func failedFirstApply() async throws {
        let p = try Project()
        try p.edit("bots.d/eth-trend.yaml", "fast: 10", "fast: ten")
        #expect(await p.run("apply", "--auto-approve").code == 1)
        #expect(!FileManager.default.fileExists(atPath: p.dir.appendingPathComponent(".flotilla").path))
    }

    @Test("the store's directory is 0700 and its files 0600")
    func privateModes() async throws {
        let p = try Project()
        #expect(await p.run("apply", "--auto-approve").code == 0)
        let directory = try FileManager.default.attributesOfItem(atPath: p.dir.appendingPathComponent(".flotilla").path)
        #expect((directory[.posixPermissions] as? Int) == 0o700)
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: p.statePath + suffix) {
            let file = try FileManager.default.attributesOfItem(atPath: p.statePath + suffix)
            #expect((file[.posixPermissions] as? Int) == 0o600, "state.db\(suffix)")
        }
    }

    @Test("a store an older version left readable is made private on open; a --state naming another file keeps its mode")
    func olderStoreMadePrivate() async throws {
        let p = try Project()
        #expect(await p.run("apply", "--auto-approve").code == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: p.statePath)
        #expect(await p.run("get", "bots").code == 0)
        #expect((try FileManager.default.attributesOfItem(atPath: p.statePath)[.posixPermissions] as? Int) == 0o600)

        let notes = p.dir.appendingPathComponent("notes.txt")
        try "not a database\n".write(to: notes, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: notes.path)
        #expect(await p.run("get", "bots", "--state", notes.path).code != 0)
        #expect((try FileManager.default.attributesOfItem(atPath: notes.path)[.posixPermissions] as? Int) == 0o644)
        #expect(try String(contentsOf: notes, encoding: .utf8) == "not a database\n")
    }

    @Test("concurrent first applies on a fresh project give one result and no error")
    func concurrentFirstApplies() async throws {
        let p = try Project()
        let binary = Fixtures.repositoryRoot.appendingPathComponent(".build/debug/flotilla")
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "swift build first")
        let processes = try (0..<50).map { _ -> (Process, Pipe) in
            let process = Process()
            process.executableURL = binary
            process.arguments = ["apply", "--auto-approve", "--dir", p.dir.path, "--lock-timeout", "120s"]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            return (process, errors)
        }
        var failures: [String] = []
        for (process, errors) in processes {
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            if process.terminationStatus != 0 { failures.append(text) }
        }
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        let store = try StateStore(path: p.statePath)
        #expect(try store.stateSerial() == 1, "one apply recorded the bots; the others found no changes")
        #expect(try store.desiredState().bots.count == 6)
    }
}

@Suite("profile switch edits files in place")
struct ProfileSwitchFileTests {
    @Test("a symlinked bot file stays a symlink, every file keeps its mode, and backups are private")
    func symlinkAndModeKept() async throws {
        let p = try Project()
        let real = p.dir.appendingPathComponent("shared/eth-trend.yaml")
        try FileManager.default.createDirectory(at: real.deletingLastPathComponent(), withIntermediateDirectories: true)
        let link = p.dir.appendingPathComponent("bots.d/eth-trend.yaml")
        try FileManager.default.moveItem(at: link, to: real)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: "../shared/eth-trend.yaml")
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: real.path)
        #expect(await p.run("apply", "--auto-approve").code == 0)
        let r = await p.run("profile", "switch", "aggressive", "--target", "eth-trend", "--auto-approve")
        #expect(r.code == 0, "\(r.err)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == "../shared/eth-trend.yaml")
        #expect(try String(contentsOf: real, encoding: .utf8).contains("profile: aggressive"))
        #expect((try FileManager.default.attributesOfItem(atPath: real.path)[.posixPermissions] as? Int) == 0o640)
        let backups = p.dir.appendingPathComponent(".flotilla/backups")
        let stamp = try #require(try FileManager.default.contentsOfDirectory(atPath: backups.path).first)
        let copy = backups.appendingPathComponent(stamp).appendingPathComponent("bots.d/eth-trend.yaml")
        #expect((try FileManager.default.attributesOfItem(atPath: backups.appendingPathComponent(stamp).path)[.posixPermissions] as? Int) == 0o700)
        #expect((try FileManager.default.attributesOfItem(atPath: copy.path)[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOf: copy, encoding: .utf8).contains("profile: moderate"))
    }
}

@Suite("careless and hostile paths, seen from the command line")
struct HostilePathTests {
    @Test("backtest of a spec outside the project reads only files next to it")
    func backtestOutside() async throws {
        let p = try Project()
        let outside = try Fixtures.temporaryDirectory()
        let spec = outside.appendingPathComponent("evil.yaml")
        try Fixtures.botYAML(["replay: ETH_BTC-5m.csv": "replay: /etc/passwd"]).write(to: spec, atomically: true, encoding: .utf8)
        let r = await p.run("backtest", "-f", spec.path)
        #expect(r.code == 1)
        #expect(r.err.contains("outside the project directory") && !r.err.contains("root:"), "\(r.err)")
    }

    @Test("a replay name with terminal escapes or a newline is printed escaped, on one line")
    func controlCharacters() async throws {
        let p = try Project()
        try p.edit("bots.d/eth-trend.yaml", "replay: ETH_BTC-5m.csv", #"replay: "\e]52;c;SGVsbG8=\a\nbots.d/y.yaml:1:1: forged.csv""#)
        let r = await p.run("validate")
        #expect(r.code == 1)
        #expect(!r.err.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 }, "no raw escape reaches the terminal")
        #expect(!r.err.split(separator: "\n").contains { $0.hasPrefix("bots.d/y.yaml") }, "no forged line: \(r.err)")
        #expect(r.err.contains(#"\u{1B}"#))
    }

    @Test("--state naming a file that is not a store changes nothing about it")
    func stateNamesAnotherFile() async throws {
        let p = try Project()
        let script = p.dir.appendingPathComponent("tool.sh")
        try "#!/bin/sh\necho hi\n".write(to: script, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let r = await p.run("plan", "--state", script.path)
        #expect(r.code == 1)
        #expect((try FileManager.default.attributesOfItem(atPath: script.path)[.posixPermissions] as? Int) == 0o755)
    }

    @Test("commands about a bot on a project with no state create none", arguments: [
        ["bot", "pause", "eth-trend"], ["rollout", "promote", "eth-trend"], ["rollout", "undo", "eth-trend"],
        ["profile", "switch", "aggressive", "--target", "eth-trend", "--auto-approve"],
    ])
    func noStateCreated(_ command: [String]) async throws {
        let p = try Project()
        let r = await p.run(command)
        #expect(r.code == 1, "\(r.out)")
        #expect(!FileManager.default.fileExists(atPath: p.dir.appendingPathComponent(".flotilla").path), "\(command)")
    }

    @Test("a profile switch keeps a hard-linked bot file's links")
    func hardLink() async throws {
        let p = try Project()
        let file = p.dir.appendingPathComponent("bots.d/eth-trend.yaml")
        let other = p.dir.appendingPathComponent("eth-trend.copy")
        try FileManager.default.linkItem(at: file, to: other)
        #expect(await p.run("apply", "--auto-approve").code == 0)
        #expect(await p.run("profile", "switch", "aggressive", "--target", "eth-trend", "--auto-approve").code == 0)
        #expect(try String(contentsOf: other, encoding: .utf8).contains("profile: aggressive"), "both names see the edit")
    }
}
