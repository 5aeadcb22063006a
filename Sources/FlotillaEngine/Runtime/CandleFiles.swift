import FlotillaSpec
import FlotillaTrading
import Foundation

/// Where the candles a bot replays come from, and the rule for reading them.
///
/// A spec's `replay:` names either a file of the project — looked up relative to `bots.d/` (or an
/// absolute path), a regular file whose real path lies inside the project directory, at most
/// `maxBytes` — or, when no such file exists and the name has no `/`, one of the bundled sets. A spec
/// is someone else's input (a GitOps repository, a posted plan), so nothing else is read: no
/// `/etc/passwd`, no `../../x`, no FIFO, no 512 MB file that stalls every bot. `validate`, `plan`
/// and the API check the same rule (`ReplaySourceCheck`) before anything runs; the engine checks
/// it again when it loads the file. A problem never quotes what the file holds.
public struct CandleFiles: ReplaySourceCheck {
    /// About two million rows of candles.
    public static let maxBytes = 128 << 20

    /// The project directory (nil: no containment, for a file a person names on the command line).
    public var root: URL?
    /// Where relative names are looked up.
    public var base: URL?

    public init(root: URL?, base: URL?) {
        self.root = root
        self.base = base
    }

    /// The rule for a project: names relative to its `bots.d/`, files inside its directory.
    public init(layout: ProjectLayout) {
        self.init(root: layout.root, base: layout.bots)
    }

    public enum Location: Sendable, Equatable {
        case project(ProjectFile)
        case bundled(path: String)
    }

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public func locate(_ name: String) throws(Problem) -> Location {
        let shown = "candle file \"\(name.prefix(120))\""
        guard !name.isEmpty, !name.contains("\0") else { throw Problem(message: "name a CSV file of candles, e.g. ETH_BTC-5m.csv") }
        let bareName = !name.contains("/")
        // Without a directory to look in (and one to stay inside) only the bundled sets are found.
        guard let candidate = base == nil ? nil : name.hasPrefix("/") ? name : base.map({ $0.path + "/" + name }) else {
            if bareName, let path = BundledData.path(name) { return .bundled(path: path) }
            throw Problem(message: "\(shown) is not one of the bundled sets: \(BundledData.names.joined(separator: ", "))")
        }
        switch ProjectFile.check(candidate, inside: root, maxBytes: Self.maxBytes) {
        case .success(let file):
            // Hidden places of the project (`.flotilla/` with the store and the admin token, `.git/`)
            // hold no candles: not even their first line is read.
            let top = root.map { $0.resolvingSymlinksInPath().standardizedFileURL.path } ?? ""
            if root != nil, file.realPath.hasPrefix(top),
               file.realPath.dropFirst(top.count).split(separator: "/").contains(where: { $0.hasPrefix(".") }) {
                throw Problem(message: "\(shown) is in a hidden directory of the project; keep candle files in the open (e.g. data/)")
            }
            return .project(file)
        case .failure(.missing):
            if bareName, let path = BundledData.path(name) { return .bundled(path: path) }
            throw Problem(message: "\(shown) is not in the project (looked for \(displayed(candidate).prefix(200))) nor one of the bundled sets: \(BundledData.names.joined(separator: ", "))")
        case .failure(let problem):
            throw Problem(message: "\(shown) \(problem)")
        }
    }

    /// `ReplaySourceCheck`: the file can be found under the rule and starts with the candle header.
    public func problem(replaying name: String) -> String? {
        do {
            let path: String
            switch try locate(name) {
            case .bundled: return nil
            case .project(let file):
                path = file.realPath
                guard let head = file.prefix(4096) else { return "candle file \"\(name.prefix(120))\" cannot be read (permissions?)" }
                if head.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == UInt8(ascii: "[") { return nil }  // freqtrade JSON
                var firstLine = Array(head.prefix { $0 != 0x0A })
                if firstLine.last == 0x0D { firstLine.removeLast() }
                if let problem = CandleCSV.headerProblem(firstLine) {
                    return "candle file \"\(name.prefix(120))\" (\(displayed(path))): \(problem)"
                }
            }
            return nil
        } catch {
            return error.message
        }
    }

    /// Reads the candles under the rule.
    public func read(_ name: String) throws(Problem) -> [Candle] {
        switch try locate(name) {
        case .bundled(let path):
            do { return try CandleCSV.read(path: path) } catch { throw Problem(message: "\(error)") }
        case .project(let file):
            do {
                return try CandleFormat.read(path: file.realPath, maxBytes: Self.maxBytes, noFollow: true)
            } catch {
                var shown = error
                shown.file = displayed(file.realPath)
                throw Problem(message: "\(shown)")
            }
        }
    }

    /// A path as the user knows it: relative to the project directory when inside it.
    private func displayed(_ path: String) -> String {
        guard let root else { return path }
        let top = root.standardizedFileURL.path
        return path.hasPrefix(top + "/") ? String(path.dropFirst(top.count + 1)) : path
    }
}

extension ProjectLayout {
    /// A project's layout with the rule for the candle files its bots replay (`CandleFiles`): what
    /// the CLI, the API and `up` load, so each of them refuses a missing or foreign data file.
    public static func checked(root: URL) -> ProjectLayout {
        var layout = ProjectLayout(root: root)
        layout.replayCheck = CandleFiles(layout: layout)
        return layout
    }
}
