import Foundation

/// Git repositories made inside a test: a bare "remote" and work trees cloned from it, driven by
/// the system `git` (argument vectors, no shell) with a fixed identity and no global config.
public enum GitRepositories {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Whether a `git` is installed here.
    public static var available: Bool { executable != nil }

    static var executable: URL? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = String(dir) + "/git"
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        return nil
    }

    /// Runs `git arguments…` in `directory` and returns what it printed; throws when it fails.
    @discardableResult
    public static func git(_ arguments: [String], in directory: URL) throws -> String {
        guard let executable else { throw Failure(description: "git is not installed") }
        let process = Process()
        process.executableURL = executable
        process.arguments = ["-C", directory.path, "-c", "user.name=Flotilla Test", "-c", "user.email=test@flotilla.invalid",
                             "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null"
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["GIT_TERMINAL_PROMPT"] = "0"
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "git \(arguments.joined(separator: " ")) failed: \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Makes `directory` a work tree on `main` and commits everything in it; returns the commit.
    @discardableResult
    public static func initialize(_ directory: URL) throws -> String {
        try git(["init", "-q", "-b", "main"], in: directory)
        return try commitAll(directory, message: "initial")
    }

    /// Stages every change in `directory` and commits it; returns the new `HEAD`.
    @discardableResult
    public static func commitAll(_ directory: URL, message: String) throws -> String {
        try git(["add", "-A"], in: directory)
        try git(["commit", "-q", "--allow-empty", "-m", message], in: directory)
        return try git(["rev-parse", "HEAD"], in: directory)
    }

    /// A bare repository holding `directory`'s history as `origin`, with `main` tracking it.
    public static func publish(_ directory: URL) throws -> URL {
        let bare = directory.deletingLastPathComponent().appendingPathComponent(directory.lastPathComponent + "-origin.git")
        try git(["init", "-q", "--bare", "-b", "main", bare.path], in: directory.deletingLastPathComponent())
        try git(["remote", "add", "origin", bare.path], in: directory)
        try git(["push", "-q", "-u", "origin", "main"], in: directory)
        return bare
    }

    /// A second work tree cloned from `bare` (another person's machine).
    public static func clone(_ bare: URL, as name: String) throws -> URL {
        let target = bare.deletingLastPathComponent().appendingPathComponent(name)
        try git(["clone", "-q", bare.path, target.path], in: bare.deletingLastPathComponent())
        return target
    }
}
