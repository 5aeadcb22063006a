import NIOConcurrencyHelpers

/// A clock that moves only when told: `now` in milliseconds, and a `sleep` that advances it
/// instead of waiting (so code that waits out a rate limit runs instantly in a test).
public final class ManualClock: Sendable {
    private let state: NIOLockedValueBox<(now: Int64, slept: [Int64])>

    public init(_ start: Int64 = 1_700_000_000_000) { state = NIOLockedValueBox((start, [])) }

    public var now: Int64 { state.withLockedValue { $0.now } }
    /// Every sleep asked for, in order.
    public var slept: [Int64] { state.withLockedValue { $0.slept } }

    public func advance(_ milliseconds: Int64) { state.withLockedValue { $0.now += milliseconds } }

    public var sleep: @Sendable (Int64) async throws -> Void {
        { [state] ms in state.withLockedValue { $0.now += ms; $0.slept.append(ms) } }
    }
}
