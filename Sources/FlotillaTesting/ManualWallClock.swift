import FlotillaLive
import NIOConcurrencyHelpers

/// Wall time that moves only when a test says so: `advance` wakes every sleeper whose time has
/// come. Give `feedClock` to a feed; `sleepers` tells a test when the feed is waiting.
public final class ManualWallClock: Sendable {
    private struct State {
        var now: Int64
        var nextId = 0
        var sleepers: [Int: (until: Int64, continuation: CheckedContinuation<Void, any Error>)] = [:]
    }
    private let state: NIOLockedValueBox<State>

    public init(nowMs: Int64) { state = NIOLockedValueBox(State(now: nowMs)) }

    public var nowMs: Int64 { state.withLockedValue { $0.now } }

    /// Tasks waiting in `sleep(untilMs:)`.
    public var sleepers: Int { state.withLockedValue { $0.sleepers.count } }

    /// Moves time forward and wakes whoever it reached.
    public func advance(by ms: Int64) {
        let woken = state.withLockedValue { s -> [CheckedContinuation<Void, any Error>] in
            s.now += ms
            let due = s.sleepers.filter { $0.value.until <= s.now }
            for id in due.keys { s.sleepers[id] = nil }
            return due.values.map(\.continuation)
        }
        for c in woken { c.resume() }
    }

    public func sleep(untilMs target: Int64) async throws {
        let id = state.withLockedValue { s -> Int in
            s.nextId += 1
            return s.nextId
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLockedValue { s -> Bool in
                    if s.now >= target || Task.isCancelled { return true }
                    s.sleepers[id] = (target, c)
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let c = state.withLockedValue { s in s.sleepers.removeValue(forKey: id)?.continuation }
            c?.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    public var feedClock: FeedClock {
        FeedClock(nowMs: { [self] in nowMs }, sleepUntilMs: { [self] t in try await sleep(untilMs: t) })
    }
}
