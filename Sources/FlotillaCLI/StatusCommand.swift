import ArgumentParser
import FlotillaEngine
import FlotillaStore
import Foundation

/// `flotilla status`: the fleet at a glance. Reads only — it works while the files do not
/// validate (and says so), and through `--server` as against the local store.
struct StatusCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "The fleet at a glance: bots by health and control, rollouts in progress, the files' sync, readiness.")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("o"), .customLong("output")], help: "table or json") var output: OutputFormat = .table

    func run(console: Console) async throws {
        let status: FleetStatus
        // Drift is read where the specs are: the local files, or the applied state when they do not validate.
        var drift = DriftReport(drifted: [], suspended: [])
        if let remote = try global.remote(console) {
            let views = try await remote.get([BotView].self, "/api/v1/bots")
            let applied = try await remote.get([StoreEvent].self, "/api/v1/events", query: [("kind", "Applied"), ("limit", "1")]).last
            let invalid = try await remote.get([StoreEvent].self, "/api/v1/events", query: [("kind", "InvalidEdit"), ("limit", "1")]).last
            // Readiness as the server reports it; a 503 is an answer, not a failure of this command.
            let readiness: String
            do {
                _ = try await remote.send(.GET, "/readyz")
                readiness = "ready (\(remote.base)/readyz)"
            } catch let problem as RemoteAPI.Problem {
                readiness = "not ready (\(remote.base)/readyz answered \(problem.status))"
            }
            let waiting = views.contains { $0.sync == .unknown } ? invalid.map { "\($0.message)" } ?? "the server's files do not validate" : nil
            status = FleetStatus.summarize(views, stateSerial: nil, lastApplied: applied, invalid: waiting, readiness: readiness)
        } else {
            let files = FileSync.read(global.layout)
            let store = try global.openStoreIfExists()
            var views = try BotView.all(store: store, files: files)
            let applied = Set(views.map(\.name))
            views += (files.specs?.bots ?? []).filter { !applied.contains($0.name) }.map(BotView.notApplied)
            let events = try store.events(limit: 10_000)
            let specs = try files.specs?.bots ?? store.desiredState(decode: { _, _ in true }).bots.compactMap(\.spec)
            drift = try DriftReport.read(specs.filter { applied.contains($0.name) }, store: store)
            status = FleetStatus.summarize(
                views, stateSerial: try store.stateSerial(), lastApplied: events.last { $0.kind == "Applied" },
                invalid: files.problem.map { "\($0.count) problem\($0.count == 1 ? "" : "s"), first: \($0.first)" },
                readiness: Self.localReadiness(try store.runtimeInstances(withVenue: false)),
                lastPull: events.last { $0.kind == "GitPulled" || $0.kind == "GitPullFailed" })
        }
        switch output {
        case .json: console.line(try jsonText(status))
        default:
            console.write(status.text)
            if !drift.isEmpty { console.write("\n" + drift.text) }
        }
    }

    /// Without a server: whether a `flotilla up` is driving this store, from its instances'
    /// heartbeats (each running instance beats on every candle and at least every few seconds).
    static func localReadiness(_ instances: [InstanceState]) -> String {
        let beats = instances.filter { $0.phase != .stopped }.map(\.heartbeatAt).filter { $0 > 0 }
        guard let newest = beats.max() else {
            return instances.isEmpty ? "no instances yet (start the fleet with flotilla up)" : "no flotilla up seen on this store"
        }
        let age = Date().timeIntervalSince1970 - Double(newest) / 1000
        return age < 15 ? String(format: "a flotilla up is running this store (last heartbeat %.0f s ago); ask it with --server for /readyz", age)
            : String(format: "no flotilla up seen on this store for %.0f s", age)
    }
}
