import Foundation
import FlotillaStore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The thread a fleet runs on. `Fleet` and every one of its `BotInstance`s are actors on one serial
/// executor — a SwiftNIO event loop — not on Swift's shared cooperative pool: the HTTP server's
/// request handlers run on that pool, and a thousand bots ticking there made requests wait behind
/// them (p99 of a static route rose from 2 ms to 80 ms at 5,000 requests/s). On one thread, calls
/// between the fleet and its instances need no hop. `flotilla up` has one fleet, so one thread;
/// fleets made in tests take the loops of a small group in turn.
enum FleetExecutor {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: max(2, System.coreCount))

    /// The next loop's executor. Whoever uses it must keep it: actors hold executors unowned.
    static func next() -> any SerialExecutor { group.next().executor }
}

/// When the reconciler last passed and whether recovery finished, published by the fleet for
/// readers on other threads.
public final class FleetProgress: Sendable {
    private struct State {
        var recovered = false
        var lastPass: Double = 0
        var passCount = 0
        var passFinished: Date?
        var ticks = 0
    }

    private let state = NIOLockedValueBox(State())

    func set(recovered: Bool) { state.withLockedValue { $0.recovered = recovered } }

    public var recovered: Bool { state.withLockedValue { $0.recovered } }

    func recordPass(seconds: Double) {
        state.withLockedValue { s in (s.lastPass, s.passCount, s.passFinished) = (seconds, s.passCount + 1, Date()) }
    }

    /// Wall-clock time since the last reconcile pass finished (nil before the first).
    public var secondsSinceLastPass: Double? { state.withLockedValue { s in s.passFinished.map { Date().timeIntervalSince($0) } } }
    func recordTick() { state.withLockedValue { $0.ticks += 1 } }

    /// Whether the instances were advanced (and what changed persisted) at least once: the
    /// fleet's start is over. Work that can wait for it (the server's first views and metric
    /// series of ten thousand bots) waits, so it does not slow the start.
    public var hasTicked: Bool { state.withLockedValue { $0.ticks > 0 } }

    /// The last reconcile pass's duration and how many passes ran.
    public var passes: (lastSeconds: Double, count: Int) { state.withLockedValue { ($0.lastPass, $0.passCount) } }
}

/// An instance as published by the fleet after each tick and reconcile pass.
public struct LiveInstance: Sendable {
    /// Without `venueJSON` and `metricsJSON`.
    public var state: InstanceState
    public var metrics: InstanceMetrics?

    public init(state: InstanceState, metrics: InstanceMetrics?) {
        self.state = state
        self.metrics = metrics
    }

    /// From the store (when no fleet runs in this process): the metrics decoded from their JSON.
    public init(decoding stored: InstanceState) {
        state = stored
        metrics = stored.metricsJSON.flatMap { try? JSONDecoder().decode(InstanceMetrics.self, from: Data($0.utf8)) }
        state.metricsJSON = nil
        state.venueJSON = nil
    }
}

/// The fleet's instances in memory, for the HTTP side: views and /metrics read them here instead
/// of reading the store and decoding a thousand metrics documents a second.
public final class LiveFleet: Sendable {
    /// nil before the fleet's first pass; with how many times it was published.
    private let current = NIOLockedValueBox<(instances: [LiveInstance]?, generation: Int)>((nil, 0))

    func replace(_ instances: [LiveInstance]) { current.withLockedValue { $0 = (instances, $0.generation + 1) } }

    /// The running instances, or nil before the fleet's first pass.
    public var instances: [LiveInstance]? { current.withLockedValue { $0.instances } }

    /// The instances with the number of their publication (0 before the first): a reader that
    /// saw this generation already need not look again (the server's metrics update on change).
    public var published: (instances: [LiveInstance]?, generation: Int) { current.withLockedValue { $0 } }
}
