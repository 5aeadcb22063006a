import FlotillaPlan
import FlotillaSpec
import FlotillaStore
import Foundation

/// The operations behind the commands, as functions the CLI, the server, the watcher and tests share.
public enum Project {
    /// Plans the files under `layout` against the store.
    public static func plan(layout: ProjectLayout, store: StateStore, options: PlanOptions) throws -> (Plan, SpecSet) {
        let specs = try SpecLoader.load(layout)
        return (try plan(specs: specs, store: store, options: options), specs)
    }

    public static func plan(specs: SpecSet, store: StateStore, options: PlanOptions) throws -> Plan {
        var desiredHashes: [String: String] = [:]
        desiredHashes.reserveCapacity(specs.bots.count)
        for bot in specs.bots { desiredHashes[bot.name] = bot.specHash }
        let (serial, actual) = try store.desiredState(decode: { name, hash in desiredHashes[name] != hash })
        return Planner.plan(desired: specs.bots, actual: actual, stateSerial: serial, inputs: specs.fileHashes, options: options, accounts: specs.accounts, policy: specs.policy)
    }

    /// Records `plan` in the store, refused when the state moved since it was made. With `git`,
    /// each revision it creates records the work tree's commit and whether the spec files were
    /// dirty (nothing when the project is not in git).
    public static func apply(_ plan: Plan, store: StateStore, lock: ApplyLock, git: GitWorkTree? = nil) throws -> ApplyResult {
        let changes: [StateChange] = plan.changes.compactMap { change in
            switch change.action {
            case .create: return change.desired.map(StateChange.create)
            case .update: return change.desired.map(StateChange.update)
            case .replace: return change.desired.map(StateChange.replace)
            case .delete: return .delete(name: change.name)
            }
        }
        // Read before the apply, so the commit is the one the files were read at (near enough: a
        // pull between the read and the apply would show as the next revision's).
        let source = git.flatMap { plan.hasChanges ? $0.source() : nil }
        let result = try store.apply(changes, expectedSerial: plan.stateSerial, lock: lock)
        if let source {
            var created: [String: Int] = [:]
            for change in plan.changes where change.action == .create || change.action == .replace {
                if let number = result.revisions[change.name] { created[change.name] = number }
            }
            // A separate write: the revisions stand even if this one fails (they then show no commit).
            try? store.recordSource(source, revisions: created)
        }
        return result
    }

    /// Why `plan` can no longer be applied: the state serial moved, or (for plans of the project's
    /// files) a file it read changed. Empty when it can.
    public static func staleReasons(_ plan: Plan, checkFiles: Bool, layout: ProjectLayout, store: StateStore) throws -> [String] {
        let serial = try store.stateSerial()
        guard checkFiles else {
            return serial == plan.stateSerial ? [] : ["the state serial moved from \(plan.stateSerial) to \(serial) (another apply ran since)"]
        }
        let inputs: [String: String]
        do {
            inputs = try SpecLoader.load(layout).fileHashes
        } catch {
            return ["the project's files are invalid now: \(error.diagnostics.first?.description ?? "")"]
        }
        return SavedPlan.staleReasons(plan, stateSerial: serial, inputs: inputs)
    }
}

// MARK: - Profile switch

/// A profile switch, planned: the plan for the bots whose profile changes, and the new text of each
/// bot file it edits. The plan's inputs are the files as they were, so any edit in between makes it stale.
public struct ProfileSwitch: Sendable {
    public var profile: String
    public var plan: Plan
    /// New text by displayed path (relative to the project).
    public var edits: [String: String]
}

public enum ProfileSwitchProblem: Error, CustomStringConvertible, Sendable {
    case unknownProfile(String, known: [String])
    case cannotEdit(file: String)

    public var description: String {
        switch self {
        case .unknownProfile(let name, let known):
            return "no profile \"\(name)\"\(Suggestion.hint(for: name, among: known)); profiles: \(known.joined(separator: ", "))"
        case .cannotEdit(let file):
            return "could not find spec.profile to edit in \(file)"
        }
    }
}

extension Project {
    /// Plans switching the bots in scope (`options.selector`, `options.targets`; all when empty) to `profile`.
    public static func planProfileSwitch(to profile: String, layout: ProjectLayout, store: StateStore, options: PlanOptions) throws -> ProfileSwitch {
        let specs = try SpecLoader.load(layout)
        guard specs.profiles[profile] != nil else { throw ProfileSwitchProblem.unknownProfile(profile, known: specs.profiles.keys.sorted()) }
        let scope = PlanOptions(selector: options.selector, targets: options.targets)
        let moving = specs.bots.filter { bot in
            bot.profile != profile && (scope.targets.isEmpty || scope.targets.contains(bot.name))
                && scope.selector.allSatisfy { bot.labels[$0.key] == $0.value }
        }
        var edits: [String: String] = [:]
        for (file, bots) in Dictionary(grouping: moving, by: \.file) {
            let text = try String(contentsOf: url(of: file, in: layout), encoding: .utf8)
            guard let edited = ProfileEdit.apply(to: text, file: file, bots: Set(bots.map(\.name)), profile: profile) else {
                throw ProfileSwitchProblem.cannotEdit(file: file)
            }
            edits[file] = edited
        }
        var sources: [SpecSource] = []
        let accountFiles = Set(specs.accounts.values.map(\.file))
        for file in specs.fileHashes.keys.sorted() where !accountFiles.contains(file) && !file.hasPrefix("accounts/") {
            let kind: DocumentKind = specs.profiles.values.contains { $0.file == file } ? .profile : .bot
            let text = try edits[file] ?? String(contentsOf: url(of: file, in: layout), encoding: .utf8)
            sources.append(SpecSource(name: file, text: text, kind: kind))
        }
        // The accounts are read from the project as they stand (a switch never edits them).
        let switched = try SpecLoader.load(sources: sources, replayCheck: layout.replayCheck, accountsOf: layout)
        var plan = try Project.plan(specs: switched, store: store, options: PlanOptions(targets: moving.map(\.name)))
        if moving.isEmpty { plan.changes = [] }
        plan.inputs = specs.fileHashes
        return ProfileSwitch(profile: profile, plan: plan, edits: edits)
    }

    /// Applies a planned switch under `lock`: backs up the files it edits to
    /// `.flotilla/backups/<time>/`, writes the new texts, and records the plan; when recording
    /// fails the files are restored. Returns the result and the backup directory.
    public static func applyProfileSwitch(_ plan: Plan, edits: [String: String], layout: ProjectLayout, root: URL, store: StateStore,
                                          lock: ApplyLock) throws -> (ApplyResult, URL?) {
        guard !edits.isEmpty else {
            return (try applyIfCurrent(plan, path: "the profile switch plan", checkFiles: true, layout: layout, store: store, lock: lock), nil)
        }
        let stale = try staleReasons(plan, checkFiles: true, layout: layout, store: store)
        if !stale.isEmpty { throw SavedPlan.Problem.stale(path: "the profile switch plan", reasons: stale) }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let backups = root.appendingPathComponent(".flotilla/backups/\(stamp)-\(UUID().uuidString.prefix(6))")
        var originals: [String: Data] = [:]
        for file in edits.keys.sorted() {
            let source = url(of: file, in: layout)
            let data = try Data(contentsOf: source)
            originals[file] = data
            let copy = backups.appendingPathComponent(file)
            try privateDirectory(copy.deletingLastPathComponent(), below: root)
            // Backups hold what the files held: private to the owner, like the store.
            guard FileManager.default.createFile(atPath: copy.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: copy.path])
            }
        }
        do {
            // In place: a symlinked bot file stays a symlink and every file keeps its mode.
            for (file, text) in edits { try ProjectFile.rewrite(url(of: file, in: layout).path, with: Data(text.utf8)) }
            return (try apply(plan, store: store, lock: lock), backups)
        } catch {
            for (file, data) in originals { try? ProjectFile.rewrite(url(of: file, in: layout).path, with: data) }
            throw error
        }
    }

    /// Creates `directory` and the missing directories above it (up to `root`) with mode 0700.
    static func privateDirectory(_ directory: URL, below root: URL) throws {
        var missing: [URL] = []
        var at = directory.standardizedFileURL
        let top = root.standardizedFileURL.path
        while !FileManager.default.fileExists(atPath: at.path), at.path.hasPrefix(top), at.path != top {
            missing.append(at)
            at = at.deletingLastPathComponent()
        }
        for dir in missing.reversed() {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        }
    }

    /// A displayed path (relative to the project) back to its file.
    static func url(of file: String, in layout: ProjectLayout) -> URL {
        if file.hasPrefix("/") { return URL(fileURLWithPath: file) }
        return (layout.displayBase ?? layout.bots.deletingLastPathComponent()).appendingPathComponent(file)
    }
}
