import Crypto
import Foundation

/// Every profile and every resolved bot of a project directory, validated together.
public struct SpecSet: Sendable {
    public var profiles: [String: ProfileSpec]
    /// The exchange accounts of `accounts/`, by name.
    public var accounts: [String: AccountSpec] = [:]
    /// `fleet-policy.yaml` at the project's root, when there is one (the rules across bots).
    public var policy: FleetPolicySpec?
    /// Sorted by name.
    public var bots: [ResolvedBot]
    /// Content of each file read, by displayed path, hashed: what a saved plan was made against.
    public var fileHashes: [String: String]

    public func bot(named name: String) -> ResolvedBot? { bots.first { $0.name == name } }
}

/// A spec file's text with the name to report it under.
public struct SpecSource: Sendable {
    public var name: String
    public var text: String
    public var kind: DocumentKind

    public init(name: String, text: String, kind: DocumentKind) {
        self.name = name
        self.text = text
        self.kind = kind
    }
}

/// Where a project's spec files live.
public struct ProjectLayout: Sendable {
    public var bots: URL
    public var profiles: URL
    /// `accounts/`: optional (a project of paper bots has none).
    public var accounts: URL
    /// Prefix for displayed paths: paths are shown relative to this directory when inside it.
    public var displayBase: URL?
    /// The project directory: every file read for the project (specs, candles) must resolve
    /// inside it (`ProjectFile`).
    public var root: URL?
    /// Checks each bot's replayed candles while loading (nil: not checked).
    public var replayCheck: (any ReplaySourceCheck)?

    public init(root: URL, replayCheck: (any ReplaySourceCheck)? = nil) {
        self.bots = root.appendingPathComponent("bots.d")
        self.profiles = root.appendingPathComponent("profiles")
        self.accounts = root.appendingPathComponent("accounts")
        self.displayBase = root
        self.root = root
        self.replayCheck = replayCheck
    }

    public init(bots: URL, profiles: URL, displayBase: URL? = nil) {
        self.bots = bots
        self.profiles = profiles
        self.accounts = profiles.deletingLastPathComponent().appendingPathComponent("accounts")
        self.displayBase = displayBase
        self.root = displayBase
    }
}

/// Reads `bots.d/` and `profiles/`, reporting every problem in every file at once.
public enum SpecLoader {
    /// Loads and validates the project; throws `ValidationFailure` with all diagnostics.
    public static func load(_ layout: ProjectLayout) throws(ValidationFailure) -> SpecSet {
        var diagnostics: [Diagnostic] = []
        let profileFiles = listFiles(layout.profiles, display: layout, diagnostics: &diagnostics, kind: .profile)
        let botFiles = listFiles(layout.bots, display: layout, diagnostics: &diagnostics, kind: .bot)
        let accountFiles = listFiles(layout.accounts, display: layout, diagnostics: &diagnostics, kind: .account, optional: true)
        let all = profileFiles.map { ($0, DocumentKind.profile) } + botFiles.map { ($0, DocumentKind.bot) }
            + accountFiles.map { ($0, DocumentKind.account) }
        var policy: FleetPolicySpec?
        if let root = layout.root {
            switch FleetPolicyFile.load(FleetPolicyFile.url(root: root)) {
            case .failure(let failure)?: diagnostics += failure.diagnostics
            case .success(let found)?: policy = found
            case nil: break
            }
        }
        var specs = try assemble(parseInParallel(all, root: layout.root), diagnostics: diagnostics, replayCheck: layout.replayCheck)
        specs.policy = policy
        return specs
    }

    /// Reads only the profiles, whatever the bot files hold, and never fails: the profiles of
    /// the files that validate, and the problems of those that do not (what reading profiles
    /// needs — `profile list`, `GET /api/v1/profiles` — while one file is being edited).
    public static func readProfiles(_ layout: ProjectLayout) -> (profiles: [String: ProfileSpec], problems: [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let profileFiles = listFiles(layout.profiles, display: layout, diagnostics: &diagnostics, kind: .profile)
        let parsed = parseInParallel(profileFiles.map { ($0, DocumentKind.profile) }, root: layout.root)
        do {
            return (try assemble(parsed, diagnostics: diagnostics).profiles, [])
        } catch {
            let bad = Set(error.diagnostics.map(\.file))
            let profiles = (try? assemble(parsed.filter { !bad.contains($0.file) }, diagnostics: []).profiles) ?? [:]
            return (profiles, error.diagnostics)
        }
    }

    /// Reads only `accounts/`, whatever the other files hold, and never fails: the accounts that
    /// validate, and the problems of those that do not (what `get accounts` needs).
    public static func readAccounts(_ layout: ProjectLayout) -> (accounts: [String: AccountSpec], problems: [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let files = listFiles(layout.accounts, display: layout, diagnostics: &diagnostics, kind: .account, optional: true)
        var accounts: [String: AccountSpec] = [:]
        for result in parseInParallel(files.map { ($0, DocumentKind.account) }, root: layout.root) {
            diagnostics += result.diagnostics
            for case .account(let account) in result.documents where accounts[account.name] == nil { accounts[account.name] = account }
        }
        return (accounts, diagnostics)
    }

    /// Validates specs given as text rather than files (posted to the API, built by tests).
    /// `accountsOf`: the project whose `accounts/` the sources' bots trade through — accounts are
    /// read from the project's own files only, never posted (they name credentials).
    public static func load(
        sources: [SpecSource], replayCheck: (any ReplaySourceCheck)? = nil, accountsOf layout: ProjectLayout? = nil
    ) throws(ValidationFailure) -> SpecSet {
        var results = sources.map { parse(bytes: Array($0.text.utf8), file: $0.name, kind: $0.kind) }
        var diagnostics: [Diagnostic] = []
        if let layout {
            let files = listFiles(layout.accounts, display: layout, diagnostics: &diagnostics, kind: .account, optional: true)
            results += parseInParallel(files.map { ($0, DocumentKind.account) }, root: layout.root)
        }
        return try assemble(results, diagnostics: diagnostics, replayCheck: replayCheck)
    }

    static func assemble(_ parsed: [FileResult], diagnostics: [Diagnostic], replayCheck: (any ReplaySourceCheck)? = nil) throws(ValidationFailure) -> SpecSet {
        var diagnostics = diagnostics
        var profiles: [String: ProfileSpec] = [:]
        var accounts: [String: AccountSpec] = [:]
        var bots: [BotSpec] = []
        var fileHashes: [String: String] = [:]
        for result in parsed {
            diagnostics += result.diagnostics
            fileHashes[result.file] = result.hash
            for decoded in result.documents {
                switch decoded {
                case .profile(let profile):
                    if let existing = profiles[profile.name] {
                        diagnostics.append(Diagnostic(
                            file: profile.file, mark: profile.mark, path: "metadata.name",
                            message: "profile \"\(profile.name)\" is already defined in \(existing.file):\(existing.mark.line)"))
                    } else {
                        profiles[profile.name] = profile
                    }
                case .bot(let bot):
                    bots.append(bot)
                case .account(let account):
                    if let existing = accounts[account.name] {
                        diagnostics.append(Diagnostic(
                            file: account.file, mark: account.mark, path: "metadata.name",
                            message: "account \"\(account.name)\" is already defined in \(existing.file):\(existing.mark.line)"))
                    } else {
                        accounts[account.name] = account
                    }
                }
            }
        }
        for profile in profiles.values {
            for (key, message) in Resolver.crossCheck({ profile.settings[$0]?.value ?? $0.defaultValue }) {
                let mark = profile.settings[key]?.mark ?? profile.mark
                diagnostics.append(Diagnostic(file: profile.file, mark: mark, path: "spec.\(key.path)", message: message))
            }
        }
        if let replayCheck { diagnostics += checkReplays(bots, replayCheck) }
        diagnostics += AccountCheck.problems(bots, accounts: accounts)
        diagnostics += AllocationCheck.problems(bots, accounts: accounts)
        return try resolve(bots, profiles: profiles, accounts: accounts, fileHashes: fileHashes, diagnostics: diagnostics)
    }

    /// Validates one set of already-decoded bots against the profiles: names unique, profiles known.
    static func resolve(
        _ bots: [BotSpec], profiles: [String: ProfileSpec], accounts: [String: AccountSpec] = [:], fileHashes: [String: String],
        diagnostics: [Diagnostic]
    ) throws(ValidationFailure) -> SpecSet {
        var diagnostics = diagnostics
        var seen: [String: BotSpec] = [:]
        var pairs: [(BotSpec, ProfileSpec)] = []
        pairs.reserveCapacity(bots.count)
        for bot in bots.sorted(by: { ($0.file, $0.mark.line) < ($1.file, $1.mark.line) }) {
            if let first = seen[bot.name] {
                diagnostics.append(Diagnostic(
                    file: bot.file, mark: bot.mark, path: "metadata.name",
                    message: "bot \"\(bot.name)\" is already defined in \(first.file):\(first.mark.line); bot names must be unique"))
                continue
            }
            seen[bot.name] = bot
            guard let profile = profiles[bot.profile.value] else {
                let names = profiles.keys.sorted()
                diagnostics.append(Diagnostic(
                    file: bot.file, mark: bot.profile.mark, path: "spec.profile",
                    message: "unknown profile \"\(bot.profile.value.prefix(40))\"\(Suggestion.hint(for: bot.profile.value, among: names)); profiles: \(names.isEmpty ? "none (add files to profiles/)" : names.joined(separator: ", "))"))
                continue
            }
            pairs.append((bot, profile))
        }
        // Resolving hashes every spec: spread it over the cores like parsing.
        let work = pairs
        let slots = Slots<(ResolvedBot, [Diagnostic])>(count: work.count)
        DispatchQueue.concurrentPerform(iterations: work.count) { i in
            let (bot, profile) = work[i]
            let result = Resolver.resolve(bot, profile: profile, account: accounts[bot.venue.account])
            slots.set(i, (result, crossCheck(bot, result)))
        }
        var resolved: [ResolvedBot] = []
        resolved.reserveCapacity(pairs.count)
        for (bot, problems) in slots.values() {
            resolved.append(bot)
            diagnostics += problems
        }
        if !diagnostics.isEmpty { throw ValidationFailure(diagnostics) }
        resolved.sort { $0.name < $1.name }
        return SpecSet(profiles: profiles, accounts: accounts, bots: resolved, fileHashes: fileHashes)
    }

    /// Cross-field rules on the resolved settings, reported only when the bot itself overrides one
    /// of the settings involved (a profile's own problems are reported once, on the profile).
    static func crossCheck(_ bot: BotSpec, _ result: ResolvedBot) -> [Diagnostic] {
        let touched = Set(bot.overrides.keys)
        guard !touched.isEmpty else { return [] }
        var out: [Diagnostic] = []
        for (key, message) in Resolver.crossCheck(result.setting) where touched.contains(key) || touched.contains(where: { Resolver.related(key, $0) }) {
            let mark = bot.overrides[key]?.mark ?? bot.overrides.first(where: { Resolver.related(key, $0.key) })?.value.mark ?? bot.mark
            out.append(Diagnostic(file: bot.file, mark: mark, path: "spec.\(key.path)", message: message))
        }
        return out
    }

    /// Every replayed candle file exists, is readable and looks like candles; each file is checked
    /// once however many bots replay it.
    static func checkReplays(_ bots: [BotSpec], _ check: any ReplaySourceCheck) -> [Diagnostic] {
        var verdicts: [String: String?] = [:]
        var out: [Diagnostic] = []
        for bot in bots {
            for symbol in bot.market.symbols {
                guard let file = bot.market.source.replayFile(for: symbol) else { continue }
                let problem: String?
                if let known = verdicts[file] {
                    problem = known
                } else {
                    problem = check.problem(replaying: file)
                    verdicts[file] = problem
                }
                guard let problem else { continue }
                let mark = bot.marks["spec.market.source.replay"] ?? bot.mark
                out.append(Diagnostic(file: bot.file, mark: mark, path: "spec.market.source.replay", message: problem))
            }
        }
        return out
    }

    // MARK: Files

    struct FileResult: Sendable {
        var file: String
        var hash: String
        var documents: [DocumentDecoder.Decoded]
        var diagnostics: [Diagnostic]
    }

    static func listFiles(
        _ directory: URL, display: ProjectLayout, diagnostics: inout [Diagnostic], kind: DocumentKind, optional: Bool = false
    ) -> [(url: URL, shown: String)] {
        let shownDirectory = displayPath(directory, base: display.displayBase)
        var isDirectory: ObjCBool = false
        if optional, !FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) { return [] }
        let exists = FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory)
        if exists, !isDirectory.boolValue {
            diagnostics.append(Diagnostic(
                file: shownDirectory, mark: SourceMark(line: 1, column: 1), path: "",
                message: "is a file, not a directory; \(kind.directory)/ is a directory of kind: \(kind.rawValue) files"))
            return []
        }
        guard exists else {
            diagnostics.append(Diagnostic(
                file: shownDirectory, mark: SourceMark(line: 1, column: 1), path: "",
                message: "directory not found; \(kind.directory)/ holds the kind: \(kind.rawValue) files (run flotilla from the project's top directory or pass --dir)"))
            return []
        }
        if let root = display.root, !ProjectFile.isInside(directory, root: root) {
            diagnostics.append(Diagnostic(
                file: shownDirectory, mark: SourceMark(line: 1, column: 1), path: "",
                message: "\(kind.directory)/ resolves to a place outside the project directory (a symlink?); keep the spec files inside the project"))
            return []
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names
            .filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) }
            .sorted()
            .map { name in
                // Plain string joins: URL.appendingPathComponent showed up in profiles at 10,000 files.
                let url = URL(fileURLWithPath: directory.path + "/" + name, isDirectory: false)
                return (url, shownDirectory == "." ? name : "\(shownDirectory)/\(name)")
            }
    }

    static func displayPath(_ url: URL, base: URL?) -> String {
        let path = url.standardizedFileURL.path
        guard let base else { return path }
        let basePath = base.standardizedFileURL.path
        if path == basePath { return "." }
        if path.hasPrefix(basePath + "/") { return String(path.dropFirst(basePath.count + 1)) }
        return path
    }

    /// Parses files on every core: YAML parsing dominates loading, and files are independent.
    static func parseInParallel(_ files: [((url: URL, shown: String), DocumentKind)], root: URL?) -> [FileResult] {
        let results = Slots<FileResult>(count: files.count)
        DispatchQueue.concurrentPerform(iterations: files.count) { i in
            let ((url, shown), kind) = files[i]
            results.set(i, parseFile(url, shown: shown, kind: kind, root: root))
        }
        return results.values()
    }

    /// A spec file is read only when it is a regular file inside the project and within the size
    /// limit (a FIFO would block loading; a symlink out of the project reads someone else's file).
    static func parseFile(_ url: URL, shown: String, kind: DocumentKind, root: URL?) -> FileResult {
        let limit = YAMLReader.Limits.specFiles.maxBytes
        func refused(_ message: String) -> FileResult {
            FileResult(file: shown, hash: "", documents: [], diagnostics: [
                Diagnostic(file: shown, mark: SourceMark(line: 1, column: 1), path: "", message: message)
            ])
        }
        switch ProjectFile.check(url.path, inside: root, maxBytes: limit) {
        case .failure(.tooLarge(let bytes, _)):
            return refused("file is \(bytes) bytes; spec files are limited to \(limit) bytes — split it into several files")
        case .failure(let problem):
            return refused("the file \(problem)")
        case .success(let file):
            guard let bytes = file.read(maxBytes: limit) else { return refused("cannot read the file (permissions?)") }
            return parse(bytes: bytes, file: shown, kind: kind)
        }
    }

    /// The problems in one file's bytes (empty when it is a valid file of `kind` on its own).
    /// Never traps or hangs, whatever the bytes.
    public static func diagnose(bytes: [UInt8], file: String, kind: DocumentKind) -> [Diagnostic] {
        parse(bytes: bytes, file: file, kind: kind).diagnostics
    }

    /// Parses and decodes one file's bytes.
    static func parse(bytes: [UInt8], file: String, kind: DocumentKind) -> FileResult {
        let hash = Hex.string(SHA256.hash(data: bytes))
        switch YAMLReader.documents(in: bytes, file: file) {
        case .failure(let diagnostic):
            return FileResult(file: file, hash: hash, documents: [], diagnostics: [diagnostic])
        case .success(let documents):
            if documents.isEmpty {
                let message = "file holds no YAML documents; add a kind: \(kind.rawValue) document or delete the file"
                return FileResult(file: file, hash: hash, documents: [], diagnostics: [
                    Diagnostic(file: file, mark: SourceMark(line: 1, column: 1), path: "", message: message)
                ])
            }
            let reader = NodeReader(file: file)
            var decoded: [DocumentDecoder.Decoded] = []
            for document in documents {
                if let value = DocumentDecoder.decode(document, expected: kind, reader: reader) { decoded.append(value) }
            }
            return FileResult(file: file, hash: hash, documents: decoded, diagnostics: reader.diagnostics)
        }
    }
}

extension Resolver {
    /// Keys that take part in the same cross-check, so an override of either points at the problem.
    static func related(_ a: SettingKey, _ b: SettingKey) -> Bool {
        let groups: [Set<SettingKey>] = [
            [.dailyLossLimitPct, .weeklyLossLimitPct, .monthlyLossLimitPct], [.retryInitialDelay, .retryMaxDelay],
        ]
        return groups.contains { $0.contains(a) && $0.contains(b) }
    }
}

/// Fixed slots that concurrent workers fill, one slot each (used by the loader, the planner and
/// the plan renderer to spread work over the cores).
public final class Slots<Value>: @unchecked Sendable {
    // @unchecked: every slot is written by exactly one iteration of concurrentPerform and read
    // only after it returns; the lock makes that plain.
    private var slots: [Value?]
    private let lock = NSLock()

    public init(count: Int) { slots = Array(repeating: nil, count: count) }

    public func set(_ index: Int, _ value: Value) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    /// The filled slots, in index order.
    public func values() -> [Value] { lock.withLock { slots.compactMap { $0 } } }
}
