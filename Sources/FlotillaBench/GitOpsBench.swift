import ArgumentParser
import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import Foundation
import Logging

/// `flotilla-bench gitops`: N paper bots in `bots.d/`, `up`'s watcher (inotify) and reconciler
/// running as `up` runs them; one file saved at a time (a risk setting changed: a new revision),
/// and the time from the save to that bot's first rollout step (its `RolloutStarted` event, as the
/// store records it). Also the save → new revision recorded. Prints median, p90 and max.
struct GitOpsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gitops",
        abstract: "N bots in bots.d/ under up's watcher and reconciler: time from saving one changed file to that bot's first rollout step.")

    @Option(help: "How many bots.") var bots: Int = 1000
    @Option(help: "How many saves to time.") var samples: Int = 20
    @Option(help: "The reconciler's interval, as `up --interval`.") var interval: Int = 250

    func run() throws {
        let done = DispatchSemaphore(value: 0)
        let outcome = NIOLockedBox<Result<Void, any Error>>(.success(()))
        let (bots, samples, interval) = (bots, samples, interval)
        Task {
            do { try await GitOpsBench.measure(bots: bots, samples: samples, intervalMs: interval) } catch { outcome.value = .failure(error) }
            done.signal()
        }
        done.wait()
        try outcome.value.get()
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func measure(bots: Int, samples: Int, intervalMs: Int) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-bench-gitops-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try SpecGenerator.generateProject(count: bots, at: dir)
        let layout = ProjectLayout(root: dir)
        let store = try StateStore(path: dir.appendingPathComponent("state.db").path)
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let nudge = ReconcileNudge()
        let watcher = SpecWatcher(layout: layout, store: store, logger: logger, nudge: nudge)
        let started = ContinuousClock.now
        guard let read = watcher.applyFilesKeepingSpecs(reason: "bench") else { throw ValidationError("the generated files do not validate") }
        let fleet = Fleet(store: store, dataDirectory: layout.bots.path, logger: logger)
        await fleet.adopt(read.specs.bots)
        let service = FleetService(fleet: fleet, interval: .milliseconds(intervalMs), logger: logger, nudge: nudge)
        let fleetTask = Task { try await service.run() }
        let watchTask = Task { try await watcher.run() }
        defer { watchTask.cancel(); fleetTask.cancel() }
        // Every bot running before the first save.
        while Set(try store.runtimeInstances(withVenue: false).filter({ $0.phase == .running }).map(\.bot)).count < bots {
            try await Task.sleep(for: .milliseconds(100))
            if ContinuousClock.now - started > .seconds(300) { throw ValidationError("the fleet did not start within 5 minutes") }
        }
        print("gitops: \(bots) bots running after \(ContinuousClock.now - started); reconciler every \(intervalMs) ms; watcher on inotify")
        try await Task.sleep(for: .seconds(1))

        var toRevision: [Int64] = []
        var toRollout: [Int64] = []
        for sample in 0..<samples {
            let bot = "bot-\((sample * 37 + 11) % bots)"
            let file = layout.bots.appendingPathComponent("\(bot).yaml")
            let text = try String(contentsOf: file, encoding: .utf8)
            let edited = text.replacingOccurrences(of: "stopLossPct: 2.5", with: "stopLossPct: 2.\(6 + sample % 3)")
            let before = try store.desiredBot(named: bot)?.revision ?? 0
            // As an editor saves: a temporary written, renamed over the file.
            let temporary = layout.bots.appendingPathComponent(".\(bot).yaml.tmp")
            try edited.write(to: temporary, atomically: false, encoding: .utf8)
            let saved = nowMs()
            guard rename(temporary.path, file.path) == 0 else { throw ValidationError("rename failed") }
            var revisionAt: Int64?
            var rolloutAt: Int64?
            let deadline = ContinuousClock.now + .seconds(30)
            while rolloutAt == nil, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
                for event in try store.events(bot: bot, limit: 20) where Int64(event.time.timeIntervalSince1970 * 1000) >= saved {
                    if event.kind == "RevisionCreated", (event.revision ?? 0) > before { revisionAt = revisionAt ?? Int64(event.time.timeIntervalSince1970 * 1000) }
                    // The first thing the reconciler records for the revision (RolloutStarted; an
                    // immediate bot's RolloutCompleted): its first rollout step.
                    if event.kind.hasPrefix("Rollout") || event.kind == "StageStarted" || event.kind == "CapitalSet", (event.revision ?? 0) > before {
                        rolloutAt = min(rolloutAt ?? .max, Int64(event.time.timeIntervalSince1970 * 1000))
                    }
                }
            }
            guard let revisionAt, let rolloutAt else { throw ValidationError("\(bot): no rollout step within 30 s of the save") }
            toRevision.append(revisionAt - saved)
            toRollout.append(rolloutAt - saved)
            // Let the rollout's first step settle before the next save.
            try await Task.sleep(for: .milliseconds(500))
        }
        func figures(_ values: [Int64]) -> String {
            let sorted = values.sorted()
            let median = sorted[sorted.count / 2], p90 = sorted[min(sorted.count - 1, sorted.count * 9 / 10)]
            return "median \(median) ms, p90 \(p90) ms, max \(sorted.last!) ms"
        }
        print("save → new revision recorded (\(samples) saves): \(figures(toRevision))")
        print("save → first rollout step (the revision's first Rollout* event): \(figures(toRollout))  [target ≤ 250 ms]")
    }
}
