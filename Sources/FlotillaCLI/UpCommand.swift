import ArgumentParser
import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import Foundation
import Logging
import ServiceLifecycle

struct UpCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run the fleet: apply the files, reconcile, run every bot on paper, follow edits (GitOps).",
        discussion: """
            On the embedded defaults: SQLite under .flotilla/, the paper venue, bundled market data replayed \
            at each bot's speed. SIGTERM or SIGINT stops placing orders, cancels working orders, persists and \
            exits 0. Other terminals use flotilla rollout, bot, get and events against the same state.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "How often the reconciler runs, e.g. 250ms.") var interval: String = "250ms"
    @Flag(name: .customLong("no-watch"), help: "Don't follow bots.d/ and profiles/; run what is applied.") var noWatch = false

    func validate() throws {
        guard let span = TimeSpan(parsing: interval), span.milliseconds >= 10 else {
            throw ValidationError("--interval \(interval): write a duration of at least 10ms, e.g. 250ms")
        }
    }

    func run(console: Console) async throws {
        LoggingSystem.bootstrapOnce()
        var logger = Logger(label: "flotilla")
        logger.logLevel = .info
        let store = try global.openStore()
        let watcher = SpecWatcher(layout: global.layout, store: store, logger: logger)
        // GitOps: the files are the desired state; apply them before anything runs.
        if let plan = watcher.applyFiles(reason: "flotilla up") {
            let count = try store.desiredState(decode: { _, _ in false }).bots.count
            console.line("flotilla up: \(count) bot(s) from \(global.layout.bots.path) (\(plan.hasChanges ? "applied changes" : "no changes")); state \(global.resolvedStatePath)")
        } else {
            console.error("flotilla up: the files are invalid (see above); running the last applied state")
        }
        console.line("Reconciling every \(interval)\(noWatch ? "" : "; watching bots.d/ and profiles/"). Stop with Ctrl-C (SIGINT) or SIGTERM.")
        let fleet = Fleet(store: store, dataDirectory: global.layout.bots.path, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: FleetService(fleet: fleet, interval: TimeSpan(parsing: interval)!.duration, logger: logger))
        ]
        if !noWatch { services.append(.init(service: watcher)) }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        console.line("flotilla up: stopped; orders cancelled, state persisted.")
    }
}

extension LoggingSystem {
    private static let once: Void = { LoggingSystem.bootstrap(StreamLogHandler.standardError) }()
    static func bootstrapOnce() { _ = once }
}
