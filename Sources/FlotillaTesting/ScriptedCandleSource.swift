import FlotillaLive
import FlotillaTrading
import NIOConcurrencyHelpers

/// A venue's candle history as a feed sees it, scripted: a series of candles, of which those opened
/// by the clock's time are served (the newest still open, as venues serve it). A test can make the
/// next requests fail (an outage), or answer with duplicates and candles out of order.
public final class ScriptedCandleSource: CandleSource, Sendable {
    public struct Request: Sendable, Equatable {
        public var symbol: Symbol
        public var start: Int64
        public var end: Int64

        public init(symbol: Symbol, start: Int64, end: Int64) {
            self.symbol = symbol
            self.start = start
            self.end = end
        }
    }
    private struct State {
        var candles: [Candle]
        var failures = 0
        var duplicateEach = false
        var appendStale = false
        var requests: [Request] = []
    }
    private let state: NIOLockedValueBox<State>
    private let now: @Sendable () -> Int64

    /// What a refused connection looks like from the adapter (retryable).
    public static let outage = VenueError(.network, venue: "binance", operation: "klines", message: "connection refused (scripted outage)")

    /// - Parameter nowMs: the wall clock the venue serves by (the feed's).
    public init(candles: [Candle], nowMs: @escaping @Sendable () -> Int64) {
        state = NIOLockedValueBox(State(candles: candles))
        now = nowMs
    }

    /// `count` candles from `start` (Unix seconds) every `interval` seconds, the close rising by `step` units each.
    public static func series(start: Int64, interval: Int64, count: Int, price: Int64 = 100_00000000, step: Int64 = 1_000000) -> [Candle] {
        (0..<count).map { i in
            let p = Fixed(units: price + Int64(i) * step)
            return Candle(time: start + Int64(i) * interval, open: p, high: p, low: p, close: p, volume: 1)
        }
    }

    /// The next `n` requests fail as a refused connection.
    public func fail(next n: Int) { state.withLockedValue { $0.failures = n } }
    /// Every candle is answered twice.
    public func duplicating(_ on: Bool) { state.withLockedValue { $0.duplicateEach = on } }
    /// Every answer ends with an old candle (out of order).
    public func appendingStale(_ on: Bool) { state.withLockedValue { $0.appendStale = on } }

    public var requests: [Request] { state.withLockedValue { $0.requests } }

    public func candles(_ symbol: Symbol, interval: CandleInterval, start: Int64, end: Int64) async throws -> [Candle] {
        let nowSeconds = now() / 1000
        return try state.withLockedValue { s in
            s.requests.append(Request(symbol: symbol, start: start, end: end))
            if s.failures > 0 {
                s.failures -= 1
                throw Self.outage
            }
            var out = s.candles.filter { $0.time >= start && $0.time < end && $0.time <= nowSeconds }
            if s.duplicateEach { out = out.flatMap { [$0, $0] } }
            if s.appendStale, let first = s.candles.first { out.append(first) }
            return out
        }
    }
}
