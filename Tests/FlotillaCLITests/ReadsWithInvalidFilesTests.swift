import FlotillaCLI
import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import Foundation
import Logging
import Testing

/// Reads show the state whatever the files hold: while a file in bots.d/ does not validate, every
/// read command still answers (and says once that the files do not validate); only commands that
/// plan need valid files.
@Suite("Reads never depend on the files being valid", .serialized)
struct ReadsWithInvalidFilesTests {
    /// An applied project whose fleet ran a pass (so rollouts exist), then a broken edit.
    static func brokenProject() async throws -> Project {
        let p = try Project()
        #expect(await p.run("apply", "--auto-approve").code == 0)
        let store = try StateStore(path: p.statePath)
        let fleet = Fleet(store: store, dataDirectory: nil, logger: Logger(label: "test"))
        try await fleet.recover(nowMs: 0)
        try await fleet.reconcile(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        try p.edit("bots.d/eth-trend.yaml", "fast: 10", "fast: [10")  // an unterminated flow sequence
        return p
    }

    struct Read: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        /// What its output must hold.
        var shows: String
        var testDescription: String { "flotilla " + arguments.joined(separator: " ") }
    }

    static let reads: [Read] = [
        Read(arguments: ["get", "bots"], shows: "eth-trend"),
        Read(arguments: ["get", "bot", "eth-trend"], shows: "unknown (the files do not validate)"),
        Read(arguments: ["get", "bot", "eth-trend", "-o", "json"], shows: "\"sync\" : \"unknown\""),
        Read(arguments: ["get", "bot", "eth-trend", "-o", "yaml"], shows: "# as applied (revision 1): the files do not validate"),
        Read(arguments: ["rollout", "status", "eth-trend"], shows: "eth-trend"),
        Read(arguments: ["rollout", "history", "eth-trend"], shows: "1 (current)"),
        Read(arguments: ["profile", "list"], shows: "moderate"),
        Read(arguments: ["profile", "show", "moderate"], shows: "risk.maxPositionPct"),
        Read(arguments: ["events"], shows: "Applied"),
        Read(arguments: ["status"], shows: "invalid edit waiting"),
    ]

    @Test("every read answers while a bot file is invalid", arguments: reads)
    func readAnswers(_ read: Read) async throws {
        let p = try await Self.brokenProject()
        let r = await p.run(read.arguments)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains(read.shows), "\(r.out)")
        // Said at most once, on stderr, never mixed into what a script parses.
        #expect(r.err.components(separatedBy: "do not validate").count <= 2, "\(r.err)")
        #expect(!r.out.contains("warning:"))
    }

    @Test("commands that plan still refuse invalid files, with the place of the mistake")
    func planRefuses() async throws {
        let p = try await Self.brokenProject()
        let r = await p.run("plan")
        #expect(r.code == 1)
        #expect(r.err.contains("bots.d/eth-trend.yaml:"), "\(r.err)")
        let get = await p.run("get", "bots")
        #expect(get.err.contains("warning: the project's files do not validate"), "\(get.err)")
    }

    @Test("flotilla status: bots by health and control, rollouts in progress, the files' sync and readiness")
    func status() async throws {
        let p = try Project()
        #expect(await p.run("apply", "--auto-approve").code == 0)
        let store = try StateStore(path: p.statePath)
        let fleet = Fleet(store: store, dataDirectory: nil, logger: Logger(label: "test"))
        try await fleet.recover(nowMs: 0)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try await fleet.reconcile(nowMs: now)
        try await fleet.tick(nowMs: now + 1_000)  // the instances beat and persist
        #expect(await p.run("bot", "pause", "eth-trend").code == 0)
        var r = await p.run("status")
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("Bots:      6 — health: 6 healthy"), "\(r.out)")
        #expect(r.out.contains("control: 5 running, 1 paused"), "\(r.out)")
        #expect(r.out.contains("state serial 1, last applied"), "\(r.out)")
        #expect(r.out.contains("in sync with the state"), "\(r.out)")
        #expect(r.out.contains("Readiness: a flotilla up is running this store"), "\(r.out)")
        try p.edit("bots.d/eth-trend.yaml", "fast: 10", "fast: 12")
        r = await p.run("status", "-o", "json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let files = try #require(object["files"] as? [String: Any])
        #expect(files["changed"] as? [String] == ["eth-trend"], "\(r.out)")
        #expect((object["controls"] as? [String: Int])?["paused"] == 1)
    }

    @Test("a profile file that does not validate leaves the other profiles readable, with a warning")
    func brokenProfile() async throws {
        let p = try Project()
        try p.write("profiles/broken.yaml", "apiVersion: flotilla/v1\nkind: Profile\nmetadata:\n  name: broken\nspec:\n  risk: {maxPositionPct: [\n")
        let list = await p.run("profile", "list")
        #expect(list.code == 0 && list.out.contains("moderate") && !list.out.contains("broken"), "\(list.out)\(list.err)")
        #expect(list.err.contains("warning: 1 problem in profiles/"), "\(list.err)")
        let show = await p.run("profile", "show", "conservative")
        #expect(show.code == 0 && show.out.contains("risk.maxPositionPct"), "\(show.err)")
    }

    @Test("a bot whose data file is gone is an invalid edit for status and get, as for validate; the bots still show")
    func missingReplayFile() async throws {
        let p = try Project()
        #expect(await p.run("apply", "--auto-approve").code == 0)
        try p.edit("bots.d/eth-trend.yaml", "replay: ETH_BTC-5m.csv", "replay: gone-5m.csv")
        #expect(await p.run("validate").code == 1)
        let status = await p.run("status")
        #expect(status.code == 0 && status.out.contains("invalid edit waiting") && status.out.contains("gone-5m.csv"), "\(status.out)")
        #expect(status.out.contains("changed, not applied yet (flotilla plan): eth-trend"), "\(status.out)")
        let get = await p.run("get", "bots")
        #expect(get.code == 0 && get.err.contains("gone-5m.csv") && get.out.contains("changed (plan)"), "\(get.out)\(get.err)")
    }
}
