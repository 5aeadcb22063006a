@testable import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import Foundation
import Testing

/// A project directory with the shipped profiles and the given bots, each in bots.d/<name>.yaml.
func gitOpsProject(bots: [String: String]) throws -> URL {
    let dir = try Fixtures.temporaryDirectory().appendingPathComponent("project")
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("bots.d"), withIntermediateDirectories: true)
    try FileManager.default.createDirectory(at: dir.appendingPathComponent("profiles"), withIntermediateDirectories: true)
    for profile in try Fixtures.shippedProfiles() {
        try profile.text.write(to: dir.appendingPathComponent(profile.name), atomically: true, encoding: .utf8)
    }
    for (name, text) in bots {
        try text.write(to: dir.appendingPathComponent("bots.d/\(name).yaml"), atomically: true, encoding: .utf8)
    }
    return dir
}

@Suite("Revisions know their git commit")
struct GitRevisionTests {
    enum Tree: String, CaseIterable, Sendable {
        case notGit, clean, editedUncommitted, newFileUntracked, stagedOnly, editOutsideSpecs, gitMissing
    }

    @Test("where the files stand in git: commit and dirty, or nothing when the project is not in git", arguments: Tree.allCases)
    func source(tree: Tree) throws {
        let dir = try gitOpsProject(bots: ["a": Fixtures.botYAML(name: "a")])
        var head: String?
        if tree != .notGit { head = try GitRepositories.initialize(dir) }
        switch tree {
        case .notGit, .clean, .gitMissing: break
        case .editedUncommitted:
            try Fixtures.botYAML(name: "a", ["quote: 1000": "quote: 2000"]).write(to: dir.appendingPathComponent("bots.d/a.yaml"), atomically: true, encoding: .utf8)
        case .newFileUntracked:
            try Fixtures.botYAML(name: "b").write(to: dir.appendingPathComponent("bots.d/b.yaml"), atomically: true, encoding: .utf8)
        case .stagedOnly:
            try Fixtures.botYAML(name: "b").write(to: dir.appendingPathComponent("bots.d/b.yaml"), atomically: true, encoding: .utf8)
            try GitRepositories.git(["add", "bots.d/b.yaml"], in: dir)
        case .editOutsideSpecs:
            try "notes".write(to: dir.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        }
        let git = tree == .gitMissing
            ? GitWorkTree(directory: dir, executable: nil) : GitWorkTree(layout: ProjectLayout(root: dir))
        let source = git.source()
        switch tree {
        case .notGit, .gitMissing: #expect(source == nil)
        case .clean, .editOutsideSpecs: #expect(source == RevisionSource(commit: head!, dirty: false))
        case .editedUncommitted, .newFileUntracked, .stagedOnly: #expect(source == RevisionSource(commit: head!, dirty: true))
        }
    }

    @Test("each applied revision records the commit it was applied at; an in-place update keeps it; outside git none is recorded")
    func recordedPerRevision() throws {
        let dir = try gitOpsProject(bots: ["a": Fixtures.botYAML(name: "a")])
        let first = try GitRepositories.initialize(dir)
        let store = try StateStore.inMemory()
        let layout = ProjectLayout(root: dir)
        _ = try Project.planAndApply(layout: layout, store: store, operation: "test")
        #expect(try store.revisions(of: "a").map(\.source) == [RevisionSource(commit: first, dirty: false)])

        // A label is changed in place (no new revision): the revision keeps its commit.
        try Fixtures.botYAML(name: "a", ["team: alpha": "team: beta"]).write(to: dir.appendingPathComponent("bots.d/a.yaml"), atomically: true, encoding: .utf8)
        let second = try GitRepositories.commitAll(dir, message: "relabel")
        let (relabel, _) = try Project.planAndApply(layout: layout, store: store, operation: "test")
        #expect(relabel.changes.map(\.action) == [.update])
        #expect(try store.revisions(of: "a").map(\.source) == [RevisionSource(commit: first, dirty: false)])

        // A new revision, applied before its commit: dirty at the commit before.
        try Fixtures.botYAML(name: "a", ["fast: 10": "fast: 12", "team: alpha": "team: beta"])
            .write(to: dir.appendingPathComponent("bots.d/a.yaml"), atomically: true, encoding: .utf8)
        _ = try Project.planAndApply(layout: layout, store: store, operation: "test")
        #expect(try store.revisions(of: "a").map(\.source) == [RevisionSource(commit: second, dirty: true), RevisionSource(commit: first, dirty: false)])

        // The same project outside git: revisions without a commit, and no error.
        let plain = try gitOpsProject(bots: ["b": Fixtures.botYAML(name: "b")])
        let other = try StateStore.inMemory()
        _ = try Project.planAndApply(layout: ProjectLayout(root: plain), store: other, operation: "test")
        #expect(try other.revisions(of: "b").map(\.source) == [nil])
    }

    @Test("the store refuses what is not a commit")
    func notACommit() throws {
        let store = try StateStore.inMemory()
        let dir = try gitOpsProject(bots: ["a": Fixtures.botYAML(name: "a")])
        _ = try Project.planAndApply(layout: ProjectLayout(root: dir), store: store, operation: "test")
        try store.recordSource(RevisionSource(commit: "HEAD; rm -rf /", dirty: false), revisions: ["a": 1])
        #expect(try store.revisions(of: "a").map(\.source) == [nil])
        #expect(RevisionSource.isCommit(String(repeating: "a", count: 40)))
        #expect(RevisionSource.isCommit(String(repeating: "0", count: 64)))
        #expect(!RevisionSource.isCommit(String(repeating: "A", count: 40)))
        #expect(!RevisionSource.isCommit("abc"))
    }

    @Test("branch names --branch takes", arguments: [
        ("main", true), ("release/2026-12", true), ("-c", false), ("--upload-pack=x", false), ("a..b", false), ("a b", false),
        ("x.lock", false), ("", false), ("@{u}", false), ("a~1", false), ("feature/", false),
    ])
    func branchNames(name: String, accepted: Bool) {
        #expect(GitWorkTree.isBranchName(name) == accepted)
    }
}

@Suite("up --git-pull: fast-forward only, against a bare repository made in the test")
struct GitPullTests {
    /// The project (a clone that `up` runs in), the author's clone, and the project's store.
    struct Setup {
        var project: URL
        var author: URL
        var store: StateStore
        var puller: GitPuller

        init(branch: String? = nil) throws {
            let dir = try gitOpsProject(bots: ["a": Fixtures.botYAML(name: "a")])
            try GitRepositories.initialize(dir)
            let bare = try GitRepositories.publish(dir)
            project = dir
            author = try GitRepositories.clone(bare, as: "author")
            store = try StateStore.inMemory()
            let layout = ProjectLayout(root: dir)
            let watcher = SpecWatcher(layout: layout, store: store, logger: .init(label: "test"))
            watcher.applyFiles(reason: "test")
            puller = GitPuller(git: GitWorkTree(layout: layout), branch: branch, interval: .seconds(60), store: store, watcher: watcher,
                               logger: .init(label: "test"))
        }

        func authorCommits(_ text: String, as name: String = "a", message: String = "edit") throws -> String {
            try text.write(to: author.appendingPathComponent("bots.d/\(name).yaml"), atomically: true, encoding: .utf8)
            let commit = try GitRepositories.commitAll(author, message: message)
            try GitRepositories.git(["push", "-q", "origin", "main"], in: author)
            return commit
        }

        func events(_ kind: String) throws -> [StoreEvent] { try store.events(limit: 1000).filter { $0.kind == kind } }
    }

    @Test("a pushed edit is pulled, applied at once, and its revision records the pushed commit")
    func pullsAndApplies() async throws {
        let s = try Setup()
        let pushed = try s.authorCommits(Fixtures.botYAML(name: "a", ["fast: 10": "fast: 12"]))
        let failure = await s.puller.pullOnce(lastFailure: nil)
        #expect(failure == nil)
        #expect(try GitRepositories.git(["rev-parse", "HEAD"], in: s.project) == pushed)
        #expect(try s.store.revisions(of: "a").first?.source == RevisionSource(commit: pushed, dirty: false))
        #expect(try s.store.revisions(of: "a").count == 2)
        #expect(try s.events("GitPulled").count == 1)
        // Nothing new: nothing recorded.
        #expect(await s.puller.pullOnce(lastFailure: nil) == nil)
        #expect(try s.events("GitPulled").count == 1)
    }

    @Test("a diverged branch is never rebased or reset: the pull fails, is recorded once, and the local commit stays")
    func divergedIsReported() async throws {
        let s = try Setup()
        try s.authorCommits(Fixtures.botYAML(name: "a", ["quote: 1000": "quote: 3000"]))
        try Fixtures.botYAML(name: "a", ["quote: 1000": "quote: 4000"]).write(to: s.project.appendingPathComponent("bots.d/a.yaml"), atomically: true, encoding: .utf8)
        let local = try GitRepositories.commitAll(s.project, message: "local edit")
        let failure = await s.puller.pullOnce(lastFailure: nil)
        #expect(failure?.contains("--ff-only") == true)
        #expect(try GitRepositories.git(["rev-parse", "HEAD"], in: s.project) == local)
        #expect(try s.events("GitPullFailed").count == 1)
        // The same failure on the next interval is not recorded again.
        let again = await s.puller.pullOnce(lastFailure: failure)
        #expect(again == failure)
        #expect(try s.events("GitPullFailed").count == 1)
    }

    @Test("an unreachable remote, a local edit in the way, another branch: each a failed pull, never a crash")
    func otherFailures() async throws {
        let unreachable = try Setup()
        try GitRepositories.git(["remote", "set-url", "origin", "/nonexistent/flotilla-origin.git"], in: unreachable.project)
        let network = await unreachable.puller.pullOnce(lastFailure: nil)
        #expect(network?.contains("git fetch") == true)
        #expect(try unreachable.events("GitPullFailed").count == 1)

        let inTheWay = try Setup()
        try inTheWay.authorCommits(Fixtures.botYAML(name: "a", ["quote: 1000": "quote: 3000"]))
        try Fixtures.botYAML(name: "a", ["quote: 1000": "quote: 5000"]).write(to: inTheWay.project.appendingPathComponent("bots.d/a.yaml"), atomically: true, encoding: .utf8)
        #expect(await inTheWay.puller.pullOnce(lastFailure: nil) != nil)
        #expect(try String(contentsOf: inTheWay.project.appendingPathComponent("bots.d/a.yaml"), encoding: .utf8).contains("quote: 5000"),
                "the local edit is kept")

        let otherBranch = try Setup(branch: "release")
        let wrong = await otherBranch.puller.pullOnce(lastFailure: nil)
        #expect(wrong?.contains("not release") == true)
    }

    @Test("the status line says a pull is failing until one works again")
    func statusLine() throws {
        let store = try StateStore.inMemory()
        try store.recordEvent(bot: nil, kind: "GitPullFailed", message: "git pull failed: diverged")
        let failed = try #require(try store.events().last)
        let status = FleetStatus.summarize([], stateSerial: 1, lastApplied: nil, invalid: nil, readiness: "ready", lastPull: failed)
        #expect(status.text.contains("git pull failing"))
        try store.recordEvent(bot: nil, kind: "GitPulled", message: "pull works again")
        let pulled = try #require(try store.events().last)
        #expect(!FleetStatus.summarize([], stateSerial: 1, lastApplied: nil, invalid: nil, readiness: "ready", lastPull: pulled).text.contains("git pull failing"))
    }
}
