import Foundation

/// Local wall-clock time for signing (Binance `timestamp`, Coinbase `nbf`), injectable so tests
/// sign exactly what the recordings hold.
public struct VenueClock: Sendable {
    public var nowMilliseconds: @Sendable () -> Int64

    public init(nowMilliseconds: @escaping @Sendable () -> Int64) { self.nowMilliseconds = nowMilliseconds }

    public static let system = VenueClock { Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }

    /// Always `milliseconds`.
    public static func fixed(_ milliseconds: Int64) -> VenueClock { VenueClock { milliseconds } }
}
