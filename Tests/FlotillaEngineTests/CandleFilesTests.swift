import FlotillaEngine
import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

/// The engine reads a spec's candle file under the same rule `validate` checks, when it loads it:
/// a file swapped after validation (or a state written by another version) is refused the same way.
@Suite("Candle files the engine reads")
struct CandleFilesTests {
    static func project() throws -> (root: URL, files: CandleFiles, secret: URL) {
        let root = try Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(at: root.appendingPathComponent("bots.d"), withIntermediateDirectories: true)
        let outside = try Fixtures.temporaryDirectory().appendingPathComponent("secret.csv")
        try "root:x:0:0:TOP-SECRET-LINE\n".write(to: outside, atomically: true, encoding: .utf8)
        return (root, CandleFiles(layout: ProjectLayout(root: root)), outside)
    }

    @Test("bundled sets are found by name; files of the project by path")
    func found() throws {
        let (root, files, _) = try Self.project()
        #expect(try files.read("ETH_BTC-5m.csv").count > 5000)
        let mine = root.appendingPathComponent("bots.d/mine.csv")
        try "timestamp,open,high,low,close,volume\n2018-01-10T04:55:00Z,1,2,0.5,1.5,10\n".write(to: mine, atomically: true, encoding: .utf8)
        #expect(try files.read("mine.csv").count == 1)
        #expect(files.problem(replaying: "mine.csv") == nil)
    }

    @Test("paths out of the project, through .. or a symlink, are refused and their contents never appear in the error",
          arguments: ["absolute", "dotdot", "symlink", "bundled-name-in-a-foreign-directory"])
    func refused(_ kind: String) throws {
        let (root, files, secret) = try Self.project()
        let name: String
        switch kind {
        case "absolute": name = secret.path
        case "dotdot": name = String(repeating: "../", count: 12) + String(secret.path.dropFirst())
        case "symlink":
            try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("bots.d/x.csv").path, withDestinationPath: secret.path)
            name = "x.csv"
        default:
            // Not a way back to the bundled file of that name: a path is a path.
            name = "../../../../../../../../tmp/ETH_BTC-5m.csv"
        }
        do {
            _ = try files.read(name)
            Issue.record("\(name) must be refused")
        } catch {
            #expect(!error.message.contains("TOP-SECRET"), "\(error.message)")
        }
        let problem = try #require(files.problem(replaying: name))
        #expect(!problem.contains("TOP-SECRET"))
    }

    @Test("hidden places of the project (.flotilla with the store and the admin token, .git) are not read")
    func hidden() throws {
        let (root, files, _) = try Self.project()
        let state = root.appendingPathComponent(".flotilla")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        try "timestamp,open,high,low,close,volume\n2018-01-10T04:55:00Z,1,2,0.5,1.5,10\n".write(to: state.appendingPathComponent("admin.token"), atomically: true, encoding: .utf8)
        let problem = try #require(files.problem(replaying: "../.flotilla/admin.token"))
        #expect(problem.contains("hidden directory"), "\(problem)")
        #expect(throws: CandleFiles.Problem.self) { try files.read("../.flotilla/admin.token") }
    }

    @Test("a file that is not candles is refused by its header without quoting it")
    func notCandles() throws {
        let (root, files, _) = try Self.project()
        try "root:x:0:0:TOP-SECRET-LINE\n".write(to: root.appendingPathComponent("bots.d/p.csv"), atomically: true, encoding: .utf8)
        let problem = try #require(files.problem(replaying: "p.csv"))
        #expect(problem.contains("not a candle header") && !problem.contains("TOP-SECRET"), "\(problem)")
        #expect(throws: CandleFiles.Problem.self) { try files.read("p.csv") }
    }
}
