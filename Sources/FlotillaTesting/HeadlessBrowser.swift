import Foundation

/// A tool from the machine (Debian's packages: chromium, curl, promtool), run to its end or a timeout.
public enum ExternalTool {
    public struct Missing: Error, CustomStringConvertible {
        public var tool: String
        public var description: String { "\(tool) is needed (.ci/run installs it from Debian)" }
    }

    /// The tool's path under /usr/bin or /usr/local/bin, or nil.
    public static func path(_ tool: String) -> String? {
        ["/usr/bin/\(tool)", "/usr/local/bin/\(tool)"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `tool` with `arguments` (standard error joins standard output); ended after `timeout` seconds.
    public static func run(_ tool: String, _ arguments: [String], stdin: String? = nil, timeout: Double = 60) throws -> (status: Int32, output: String) {
        guard let executable = path(tool) else { throw Missing(tool: tool) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate() }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// Headless Chromium, as the screenshot tests open pages: the DOM after scripts ran, or a PNG.
public enum HeadlessBrowser {
    public static let arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=4000"]

    /// Where screenshots are kept for people to look at: `.build/artifacts/NAME`.
    public static func artifact(_ name: String) throws -> URL {
        let artifacts = Fixtures.repositoryRoot.appendingPathComponent(".build/artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let file = artifacts.appendingPathComponent(name)
        try? FileManager.default.removeItem(at: file)
        return file
    }

    /// The page's DOM once its scripts ran.
    public static func dom(_ url: String, timeout: Double = 90) throws -> String {
        try ExternalTool.run("chromium", arguments + ["--dump-dom", url], timeout: timeout).output
    }

    /// Saves a screenshot of the page; returns its size in bytes (0: none was written).
    @discardableResult
    public static func screenshot(_ url: String, to file: URL, width: Int = 1280, height: Int = 900, timeout: Double = 90) throws -> Int {
        _ = try ExternalTool.run("chromium", arguments + ["--window-size=\(width),\(height)", "--screenshot=\(file.path)", url], timeout: timeout)
        return (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
    }
}
