import ArgumentParser
import FlotillaEngine
import FlotillaLive
import FlotillaServer
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
    @Flag(name: .customLong("no-watch"), help: "Don't follow bots.d/, profiles/ and accounts/; run what is applied.") var noWatch = false
    @Option(help: "HOST:PORT for the HTTP API, /metrics and the dashboard (port 0 picks a free one).") var listen: String = "127.0.0.1:8080"
    @Flag(name: .customLong("metrics-need-token"), help: "Require a token for /metrics too.") var metricsNeedToken = false
    @Option(name: .customLong("allowed-host"), help: "A host name requests may use besides localhost, 127.0.0.1, [::1] and the listen address (repeatable); others are refused 421.")
    var allowedHosts: [String] = []
    @Option(name: .customLong("max-connections"), help: "Connections held open at once; at the cap the longest-idle one is closed for a new one.")
    var maxConnections: Int = 512
    @Option(name: .customLong("idle-timeout"), help: "Close a connection idle this long, e.g. 30s.") var idleTimeout: String = "30s"
    @Option(name: .customLong("market-data-endpoint"),
            help: ArgumentHelp("Read live candles (market.source.live) from this base URL instead of each venue's public one (a simulator, a proxy); http or https only.",
                               valueName: "URL"))
    var marketDataEndpoint: String?
    @Option(name: .customLong("git-pull"),
            help: ArgumentHelp("Pull-based GitOps: fast-forward the project's git work tree from its remote this often (git fetch + git merge --ff-only), e.g. 1m; a failed pull is reported, not fatal.",
                               valueName: "INTERVAL"))
    var gitPull: String?
    @Option(help: "With --git-pull: the branch to follow (the work tree must be on it); default the current branch's upstream.") var branch: String?

    var listenAddress: (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        return (String(listen[..<colon]), port)
    }

    func validate() throws {
        try global.refuseServer("up", because: "runs the fleet and serves the API itself (see --listen)")
        guard listenAddress != nil else { throw ValidationError("--listen \(listen): write HOST:PORT, e.g. 127.0.0.1:8080") }
        guard let span = TimeSpan(parsing: interval), span.milliseconds >= 10 else {
            throw ValidationError("--interval \(interval): write a duration of at least 10ms, e.g. 250ms")
        }
        guard (1...100_000).contains(maxConnections) else { throw ValidationError("--max-connections \(maxConnections): write 1 to 100000") }
        guard let idle = TimeSpan(parsing: idleTimeout), idle.milliseconds >= 1000 else {
            throw ValidationError("--idle-timeout \(idleTimeout): write a duration of at least 1s, e.g. 30s")
        }
        if let marketDataEndpoint, let problem = LiveEndpoints.problem(with: marketDataEndpoint) {
            throw ValidationError("--market-data-endpoint \(marketDataEndpoint.prefix(80)): \(problem)")
        }
        if let gitPull, (TimeSpan(parsing: gitPull)?.milliseconds ?? 0) < 1000 {
            throw ValidationError("--git-pull \(gitPull): write a duration of at least 1s, e.g. 1m")
        }
        if let branch {
            guard gitPull != nil else { throw ValidationError("--branch \(branch): only with --git-pull INTERVAL") }
            guard GitWorkTree.isBranchName(branch) else { throw ValidationError("--branch \(branch.prefix(80)): not a branch name git accepts") }
        }
        if gitPull != nil && noWatch { throw ValidationError("--git-pull applies what it pulls; it cannot go with --no-watch") }
        for host in allowedHosts where host.isEmpty || host.contains("/") || host.contains(" ") {
            throw ValidationError("--allowed-host \(host): write a host name such as flotilla.internal")
        }
    }

    func run(console: Console) async throws {
        LoggingSystem.bootstrapOnce()
        var logger = Logger(label: "flotilla")
        logger.logLevel = .info
        let store = try global.openStore()
        let (host, port) = listenAddress!
        // No anonymous admin over HTTP, ever: the first start makes an admin token (its hash in the
        // store, the secret in admin.token, mode 0600) and prints the login URL once.
        let stateDirectory = URL(fileURLWithPath: global.resolvedStatePath).deletingLastPathComponent()
        let newSecret = try AdminTokenFile.ensure(store: store, stateDirectory: stateDirectory)
        let descriptors = FileLimit.raiseToHard()
        if descriptors > 0, descriptors < UInt64(maxConnections) + 64 {
            console.error("flotilla up: the file limit (\(descriptors)) is below --max-connections \(maxConnections) + room for the store; raise ulimit -n")
        }
        // A saved edit is rolled out on the next pass at once, not up to an interval later.
        let nudge = ReconcileNudge()
        let watcher = SpecWatcher(layout: global.layout, store: store, logger: logger, nudge: nudge)
        // GitOps: the files are the desired state; apply them before anything runs. What was read
        // also seeds the views' file sync (stamped before the read: an edit meanwhile is read again).
        let stamped = FileSyncCache.Fingerprint(global.layout)
        let read = watcher.applyFilesKeepingSpecs(reason: "flotilla up")
        if let plan = read?.plan {
            let count = try store.desiredState(decode: { _, _ in false }).bots.count
            console.line("flotilla up: \(count) bot(s) from \(global.layout.bots.path) (\(plan.hasChanges ? "applied changes" : "no changes")); state \(global.resolvedStatePath)")
        } else {
            console.error("flotilla up: the files are invalid (see above); running the last applied state")
        }
        console.line("Reconciling every \(interval)\(noWatch ? "" : "; watching bots.d/, profiles/ and accounts/"). Stop with Ctrl-C (SIGINT) or SIGTERM.")
        // Live candles: one feed per (venue, symbol, interval) for the whole fleet, from the venues' public endpoints.
        let feeds = MarketFeeds(endpoints: marketDataEndpoint.map(LiveEndpoints.all) ?? .public, transport: NetworkTransport(), logger: logger)
        let fleet = Fleet(store: store, dataDirectory: global.layout.bots.path, logger: logger, feeds: feeds)
        if let specs = read?.specs { await fleet.adopt(specs.bots) }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: FleetService(fleet: fleet, interval: TimeSpan(parsing: interval)!.duration, logger: logger, nudge: nudge))
        ]
        if !noWatch { services.append(.init(service: watcher)) }
        // Alerts: alerts.yaml at the project's root (read again when it changes; none, no alerts).
        let root = global.layout.root ?? global.layout.bots.deletingLastPathComponent()
        services.append(.init(service: AlertSender(store: store, file: AlertsFile.url(root: root), logger: logger)))
        // Rules across bots: fleet-policy.yaml at the project's root (followed by the fleet's passes).
        await fleet.follow(policy: FleetPolicyFile.url(root: root))
        if let gitPull {
            let git = GitWorkTree(layout: global.layout)
            guard git.source() != nil else {
                console.error("flotilla up --git-pull: \(git.directory.path) is not a git work tree with a commit (or git is not installed)")
                throw Exit(code: 2)
            }
            console.line("Pulling \(branch.map { "branch \($0)" } ?? "the current branch's upstream") fast-forward only every \(gitPull).")
            services.append(.init(service: GitPuller(git: git, branch: branch, interval: TimeSpan(parsing: gitPull)!.duration, store: store,
                                                     watcher: watcher, logger: logger)))
        }
        var server = ServerContext(store: store, layout: global.layout, fleet: fleet, openMetrics: !metricsNeedToken, allowedHosts: allowedHosts,
                                   maxConnections: maxConnections, idleTimeout: TimeSpan(parsing: idleTimeout)!.duration,
                                   // swift-metrics bootstrapped (once per process) with the Prometheus factory /metrics exports.
                                   metrics: .process)
        if let specs = read?.specs { server.files = FileSyncCache(layout: global.layout, read: FileSync(specs, layout: global.layout), before: stamped) }
        let tokenFile = AdminTokenFile.url(stateDirectory: stateDirectory).path
        let wildcard = ["0.0.0.0", "::", "[::]"].contains(host)
        let local = wildcard ? "127.0.0.1" : host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        if wildcard && allowedHosts.isEmpty {
            console.error("flotilla up: listening on every interface; requests must name localhost or 127.0.0.1 unless you add --allowed-host NAME")
        }
        services.append(.init(service: buildApplication(server, host: host, port: port, logger: logger) { bound in
            if let newSecret {
                // The one time the secret is shown: the fragment never reaches a server log or a Referer.
                console.line("HTTP API, /metrics and the dashboard on http://\(local):\(bound)/ — log in at http://\(local):\(bound)/#token=\(newSecret)")
                console.line("An admin token was made for this state; it is in \(tokenFile) (mode 0600), which flotilla --server reads.")
            } else {
                console.line("HTTP API, /metrics and the dashboard on http://\(local):\(bound)/ (the admin token is in \(tokenFile))")
            }
        }))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await feeds.shutdown()
        console.line("flotilla up: stopped; orders cancelled, state persisted.")
    }
}

extension LoggingSystem {
    private static let once: Void = { LoggingSystem.bootstrap(StreamLogHandler.standardError) }()
    static func bootstrapOnce() { _ = once }
}
