import FlotillaTrading
import NIOConcurrencyHelpers

/// One reader of a live candle feed (an instance): the history it warms up on, then every closed
/// candle as the feed delivers it, buffered here so that a reader that is slow to take them never
/// holds up the feed or the other readers. `cancel()` (the instance stopped) releases it; the
/// feed stops polling when its last reader is gone.
public final class FeedSubscription: Sendable {
    public let key: FeedKey
    public let id: Int
    /// Closed candles before the subscription, oldest first (the strategy's warm-up).
    public let history: [Candle]
    /// At most this many undelivered candles are held; older ones are dropped and counted.
    public let capacity: Int

    private struct Buffer {
        var pending: [Candle] = []
        var dropped = 0
        var cancelled = false
    }
    private let buffer = NIOLockedValueBox(Buffer())
    private let statusBox: NIOLockedValueBox<FeedStatus>
    private let onCancel: @Sendable (FeedKey, Int) -> Void

    init(key: FeedKey, id: Int, history: [Candle], capacity: Int = 10_000, status: NIOLockedValueBox<FeedStatus>,
         onCancel: @escaping @Sendable (FeedKey, Int) -> Void) {
        self.key = key
        self.id = id
        self.history = history
        self.capacity = max(1, capacity)
        self.statusBox = status
        self.onCancel = onCancel
    }

    /// Takes every candle delivered since the last call, oldest first.
    public func drain() -> [Candle] {
        buffer.withLockedValue { b in
            defer { b.pending.removeAll(keepingCapacity: true) }
            return b.pending
        }
    }

    /// Candles dropped because the reader let more than `capacity` pile up.
    public var dropped: Int { buffer.withLockedValue { $0.dropped } }

    public var isCancelled: Bool { buffer.withLockedValue { $0.cancelled } }

    /// The feed's status now (stale, errors, requests), readable from any thread.
    public var status: FeedStatus { statusBox.withLockedValue { $0 } }

    /// Stops receiving; the feed forgets this reader. Safe to call more than once.
    public func cancel() {
        let first = buffer.withLockedValue { b -> Bool in
            defer { b.cancelled = true; b.pending.removeAll() }
            return !b.cancelled
        }
        if first { onCancel(key, id) }
    }

    /// The feed hands over new candles (never blocks: the buffer is the reader's).
    func deliver(_ candles: [Candle]) {
        guard !candles.isEmpty else { return }
        buffer.withLockedValue { b in
            guard !b.cancelled else { return }
            b.pending.append(contentsOf: candles)
            if b.pending.count > capacity {
                let over = b.pending.count - capacity
                b.pending.removeFirst(over)
                b.dropped += over
            }
        }
    }
}
