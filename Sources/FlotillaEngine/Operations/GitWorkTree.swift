import FlotillaSpec
import FlotillaStore
import Foundation

/// The project's git work tree, read (and fast-forwarded) with the system `git`: run by argument
/// vector, never through a shell, with a bounded output and a timeout. Nothing git prints is ever
/// passed to a shell or used as a path outside the work tree.
public struct GitWorkTree: Sendable {
    /// The directory git runs in (`git -C`): the project's root.
    public let directory: URL
    /// The spec paths, relative to `directory`, whose state makes a revision dirty.
    public let specPaths: [String]
    /// The `git` executable; nil when none is on PATH.
    let executable: URL?
    /// How long one git command may take before it is killed.
    let timeout: Duration

    public init(directory: URL, specPaths: [String] = ["bots.d", "profiles", "accounts"], timeout: Duration = .seconds(20),
                executable: URL? = GitWorkTree.findGit()) {
        self.directory = directory
        self.specPaths = specPaths
        self.timeout = timeout
        self.executable = executable
    }

    /// The work tree holding `layout`'s files: git runs in the project's root.
    public init(layout: ProjectLayout) {
        let root = layout.root ?? layout.bots.deletingLastPathComponent()
        func relative(_ url: URL) -> String {
            let path = url.standardizedFileURL.path, base = root.standardizedFileURL.path + "/"
            return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
        }
        self.init(directory: root, specPaths: [relative(layout.bots), relative(layout.profiles), relative(layout.accounts)])
    }

    /// A branch name `--branch` may take: what git accepts, and nothing an argument parser could
    /// read as an option.
    public static func isBranchName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 200 && !name.hasPrefix("-") && !name.hasPrefix("/") && !name.hasSuffix("/") && !name.hasSuffix(".lock")
            && !name.contains("..") && !name.contains("@{") && !name.contains("//")
            && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7f && !"~^:?*[\\".unicodeScalars.contains($0) }
    }

    /// The first `git` on PATH (an executable regular file), as `execvp` would pick it.
    public static func findGit(path: String? = ProcessInfo.processInfo.environment["PATH"]) -> URL? {
        for dir in (path ?? "/usr/bin:/bin").split(separator: ":") where dir.hasPrefix("/") {
            let candidate = String(dir) + "/git"
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        return nil
    }

    /// Where the files stand in git: `HEAD`'s commit, and whether any spec path has modified,
    /// staged or untracked files. nil when the directory is not inside a work tree, the tree has
    /// no commit yet, or git is missing — never an error: a project need not be in git.
    public func source() -> RevisionSource? {
        guard let head = try? run(["rev-parse", "--verify", "--quiet", "HEAD"]), head.status == 0 else { return nil }
        let commit = head.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard RevisionSource.isCommit(commit) else { return nil }
        // Untracked files count: a new bot file not yet committed is not in the commit either.
        let status = try? run(["status", "--porcelain=v1", "--untracked-files=normal", "--ignored=no", "--"] + specPaths)
        let dirty = status.map { $0.status != 0 || !$0.text.isEmpty } ?? true
        return RevisionSource(commit: commit, dirty: dirty)
    }

    /// What a fast-forward pull did.
    public enum PullOutcome: Sendable, Equatable {
        /// `HEAD` already had everything fetched.
        case upToDate(commit: String)
        /// `HEAD` moved forward.
        case advanced(from: String, to: String)
    }

    /// Why a pull failed: said in an event and the health notes, never fatal.
    public struct PullFailure: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// `git fetch` then `git merge --ff-only`: never a rebase, never a reset, never a merge
    /// commit. With `branch`, the work tree must be on that branch and it is fetched from the
    /// branch's remote (`origin` when it has none); without, the current branch's upstream is.
    public func pull(branch: String?) throws(PullFailure) -> PullOutcome {
        func git(_ arguments: [String], _ what: String) throws(PullFailure) -> String {
            let result: GitResult
            do { result = try run(arguments) } catch { throw PullFailure(description: "\(what): \(error)") }
            guard result.status == 0 else {
                let said = Self.firstLines(result.errorText.isEmpty ? result.text : result.errorText)
                throw PullFailure(description: "\(what) failed (exit \(result.status))\(said.isEmpty ? "" : ": " + said)")
            }
            return result.text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard executable != nil else { throw PullFailure(description: "git is not installed (no git on PATH)") }
        let before = try git(["rev-parse", "--verify", "HEAD"], "reading HEAD")
        let current = try git(["symbolic-ref", "--quiet", "--short", "HEAD"], "reading the current branch (is HEAD detached?)")
        if let branch, branch != current {
            throw PullFailure(description: "the work tree is on branch \(current), not \(branch); check out \(branch) to pull it")
        }
        let remote = (try? run(["config", "--get", "branch.\(current).remote"])).flatMap { $0.status == 0 ? $0.text.trimmingCharacters(in: .whitespacesAndNewlines) : nil }
        if branch != nil || remote != nil {
            let from = remote ?? "origin"
            _ = try git(["fetch", "--quiet", "--no-tags", from, "refs/heads/" + current], "git fetch \(from) \(current)")
            _ = try git(["merge", "--ff-only", "--quiet", "FETCH_HEAD"], "git merge --ff-only (has the branch diverged?)")
        } else {
            throw PullFailure(description: "branch \(current) has no upstream; set one (git branch -u origin/\(current)) or pass --branch \(current)")
        }
        let after = try git(["rev-parse", "--verify", "HEAD"], "reading HEAD")
        return after == before ? .upToDate(commit: after) : .advanced(from: before, to: after)
    }

    // MARK: Running git

    struct GitResult: Sendable {
        var status: Int32
        var text: String
        var errorText: String
    }

    struct GitProblem: Error, CustomStringConvertible {
        var description: String
    }

    /// At most this much of each output stream is kept; the rest is read and dropped.
    static let outputLimit = 64 * 1024

    /// Runs `git -C directory arguments…` with no terminal prompt and no pager, killing it past
    /// the timeout.
    func run(_ arguments: [String]) throws -> GitResult {
        guard let executable else { throw GitProblem(description: "git is not installed (no git on PATH)") }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["-C", directory.path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"  // a pull that needs a password fails, it never waits for one
        environment["GIT_ASKPASS"] = "/bin/false"
        environment["GIT_OPTIONAL_LOCKS"] = "0"  // `status` takes no index lock a user's git could trip on
        environment["GIT_PAGER"] = "cat"
        environment["LC_ALL"] = "C"
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        try process.run()
        // Both pipes drained at once, so a chatty git never blocks on a full pipe.
        let outData = BoundedRead()
        let errData = BoundedRead()
        let readers = DispatchGroup()
        for (pipe, sink) in [(out, outData), (err, errData)] {
            DispatchQueue.global().async(group: readers) { sink.drain(pipe.fileHandleForReading) }
        }
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        if done.wait(timeout: .now() + seconds) == .timedOut {
            process.terminate()
            if done.wait(timeout: .now() + 2) == .timedOut { kill(process.processIdentifier, SIGKILL); done.wait() }
            readers.wait()
            throw GitProblem(description: "git \(arguments.first ?? "") took longer than \(timeout) and was stopped")
        }
        readers.wait()
        return GitResult(status: process.terminationStatus, text: outData.text, errorText: errData.text)
    }

    /// The first two non-empty lines of what git said, for an event.
    static func firstLines(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.prefix(2)
            .joined(separator: " / ").prefix(400).description
    }
}

/// One pipe read to its end, keeping at most `GitWorkTree.outputLimit` bytes.
private final class BoundedRead: @unchecked Sendable {
    // Written by one reader thread, read after `DispatchGroup.wait()`: the group orders the accesses.
    private var data = Data()

    func drain(_ handle: FileHandle) {
        while true {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            if data.count < GitWorkTree.outputLimit { data.append(chunk.prefix(GitWorkTree.outputLimit - data.count)) }
        }
    }

    var text: String { String(decoding: data, as: UTF8.self) }
}
