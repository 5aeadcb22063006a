import FlotillaStore
import Foundation
import Logging
import ServiceLifecycle

/// Pull-based GitOps (`up --git-pull INTERVAL [--branch B]`): every interval the project's work
/// tree is fast-forwarded from its remote (`git fetch` + `git merge --ff-only`, never a rebase or
/// a reset), and when `HEAD` moved the files are applied at once. A failed pull — diverged,
/// unreachable, a local edit in the way — is a `GitPullFailed` event and a line in `status`, never
/// fatal; the same failure again is not recorded again until a pull succeeds or fails otherwise.
public struct GitPuller: Service {
    let git: GitWorkTree
    let branch: String?
    let interval: Duration
    let store: StateStore
    let watcher: SpecWatcher
    let logger: Logger

    public init(git: GitWorkTree, branch: String?, interval: Duration, store: StateStore, watcher: SpecWatcher, logger: Logger) {
        self.git = git
        self.branch = branch
        self.interval = interval
        self.store = store
        self.watcher = watcher
        self.logger = logger
    }

    /// What one pull did, as recorded: the event kind and message (nil: nothing to record).
    public static func event(for outcome: Result<GitWorkTree.PullOutcome, GitWorkTree.PullFailure>, lastFailure: String?) -> (kind: String, message: String)? {
        switch outcome {
        case .success(.advanced(let from, let to)):
            return ("GitPulled", "fast-forwarded \(from.prefix(12)) → \(to.prefix(12))")
        case .success(.upToDate):
            // Back to normal after a failure is worth a line; every quiet pull is not.
            return lastFailure == nil ? nil : ("GitPulled", "pull works again; up to date")
        case .failure(let failure):
            return failure.description == lastFailure ? nil : ("GitPullFailed", "git pull failed; the files stay as they are: \(failure.description)")
        }
    }

    /// One pull and what follows from it; returns the failure to compare the next with.
    @discardableResult
    public func pullOnce(lastFailure: String?) async -> String? {
        let git = self.git, branch = self.branch
        let outcome: Result<GitWorkTree.PullOutcome, GitWorkTree.PullFailure> = await SpecWatcher.blocking {
            do throws(GitWorkTree.PullFailure) { return .success(try git.pull(branch: branch)) } catch { return .failure(error) }
        }
        if let (kind, message) = Self.event(for: outcome, lastFailure: lastFailure) {
            if kind == "GitPullFailed" { logger.warning("\(message)") } else { logger.info("\(message)") }
            try? store.recordEvent(bot: nil, kind: kind, message: message)
        }
        switch outcome {
        case .success(.advanced(_, let to)):
            watcher.applyFiles(reason: "git pull to \(to.prefix(12))")
            return nil
        case .success(.upToDate): return nil
        case .failure(let failure): return failure.description
        }
    }

    public func run() async throws {
        var lastFailure: String? = nil
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            lastFailure = await pullOnce(lastFailure: lastFailure)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
