import FlotillaPlan
import FlotillaSpec
import FlotillaStore
import Foundation
import Logging
import ServiceLifecycle

/// GitOps: watches bots.d/, profiles/ and accounts/ with inotify (a burst of events debounced into
/// one change; a poll where inotify is missing); a saved valid edit is planned and applied
/// (then the reconciler rolls it out); an invalid edit is reported and changes nothing. A change
/// that makes a bot trade real money is said loudly: a warning in the log and a `RealMoney`
/// event per bot.
public struct SpecWatcher: Service {
    let layout: ProjectLayout
    let store: StateStore
    /// The poll's period where inotify is not available.
    let interval: Duration
    let logger: Logger
    /// Burst → one change.
    let debounce: Debounce
    /// With inotify, the stamps are compared this often all the same.
    let safetyCheck: Duration
    /// Files besides the spec directories whose edit is a change (the alerts file).
    let extraFiles: [URL]
    /// Where each applied revision's commit is read (nil: the project is not looked at in git).
    let git: GitWorkTree?
    /// Told after an apply that changed something, so the reconciler rolls it out at once.
    let nudge: ReconcileNudge?

    public init(layout: ProjectLayout, store: StateStore, interval: Duration = .seconds(1), logger: Logger,
                safetyCheck: Duration = .seconds(10), extraFiles: [URL] = [], git: GitWorkTree? = nil, nudge: ReconcileNudge? = nil) {
        self.nudge = nudge
        self.layout = layout
        self.store = store
        self.interval = interval
        self.logger = logger
        self.debounce = Debounce()
        self.safetyCheck = safetyCheck
        self.extraFiles = extraFiles
        self.git = git ?? GitWorkTree(layout: layout)
    }

    /// Modification times and sizes of the spec files: cheap to read every second — one
    /// `stat` per file (Foundation's `attributesOfItem` also looks up the owner's and group's
    /// names, which at ten thousand files was a tenth of a fleet's start). A symlinked file is
    /// stamped by what it points to, so an edit of the target is seen.
    static func fingerprint(_ layout: ProjectLayout) -> [String: FileStamp] {
        var out: [String: FileStamp] = [:]
        for dir in [layout.bots, layout.profiles, layout.accounts] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            out.reserveCapacity(out.count + names.count)
            for name in names where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                let path = dir.path + "/" + name
                out[path] = FileStamp(path: path)
            }
        }
        return out
    }


    public func run() async throws {
        var last = Self.fingerprint(layout)
        guard let watch = SpecDirectoryWatch(directories: [layout.bots, layout.profiles, layout.accounts], files: extraFiles) else {
            logger.notice("inotify is not available here; polling the files every \(interval)")
            return try await poll(last: last)
        }
        var sinceCheck = ContinuousClock.now
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // Blocking waits run on a thread of their own, never on the cooperative pool; each is
            // short so a stop is seen within a fifth of a second.
            var changed = await Self.blocking { watch.wait(milliseconds: 200) }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            // A safety net for what inotify cannot see (an edit through a symlink's target, a
            // network file system): the stamps are compared every `safetyCheck` all the same.
            if !changed && ContinuousClock.now - sinceCheck < safetyCheck { continue }
            if changed {
                let first = ContinuousClock.now
                while let wait = debounce.nextWait(elapsed: ContinuousClock.now - first) {
                    let milliseconds = Int32(max(1, wait.components.seconds * 1000 + wait.components.attoseconds / 1_000_000_000_000_000))
                    if !(await Self.blocking { watch.wait(milliseconds: milliseconds) }) { break }
                }
            }
            sinceCheck = ContinuousClock.now
            let current = Self.fingerprint(layout)
            changed = current != last
            guard changed else { continue }
            last = current
            applyFiles(reason: "files changed")
        }
    }

    /// The watch where inotify is missing: the stamps every `interval`.
    func poll(last start: [String: FileStamp]) async throws {
        var last = start
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            let current = Self.fingerprint(layout)
            guard current != last else { continue }
            last = current
            applyFiles(reason: "files changed")
        }
    }

    static func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body()) }
        }
    }

    /// Plans the files and applies any change. Returns the plan, or nil when the files are invalid.
    @discardableResult
    public func applyFiles(reason: String) -> Plan? { applyFilesKeepingSpecs(reason: reason)?.plan }

    /// `applyFiles`, returning the specs read with the plan: `up` hands them to its fleet, which
    /// then decodes no stored spec that matches one of them (at ten thousand bots decoding the
    /// desired state was a third of a start).
    public func applyFilesKeepingSpecs(reason: String) -> (plan: Plan, specs: SpecSet)? {
        do {
            let specs = try SpecLoader.load(layout)
            let (plan, applied) = try Project.planAndApply(specs: specs, store: store, operation: "flotilla up (watch)", git: git)
            guard let result = applied else { return (plan, specs) }
            nudge?.nudge()
            let s = plan.summary
            let text = "\(reason): applied \(s.add) added, \(s.change) changed, \(s.replace) replaced (state serial \(result.serial))"
            logger.info("\(text)")  // the store recorded the Applied event with the apply
            for change in plan.changes {
                guard let bot = change.desired, bot.venue.tradesRealMoney else { continue }
                let message = "REAL MONEY: bot \(bot.name) now trades real money through \(bot.venue.kind.rawValue) account \(bot.venue.account) (mode live), revision \(result.revisions[bot.name].map(String.init) ?? "?")"
                logger.warning("\(message)")
                try? store.recordEvent(bot: bot.name, kind: "RealMoney", message: message)
            }
            return (plan, specs)
        } catch let failure as ValidationFailure {
            let first = failure.diagnostics.prefix(5).map(\.description).joined(separator: "\n  ")
            logger.error("invalid edit; nothing changed:\n  \(first)")
            try? store.recordEvent(bot: nil, kind: "InvalidEdit", message: "nothing changed: " + (failure.diagnostics.first?.description ?? ""))
            return nil
        } catch {
            logger.error("could not apply the files: \(error)")
            try? store.recordEvent(bot: nil, kind: "ApplyFailed", message: "\(error)")
            return nil
        }
    }
}
