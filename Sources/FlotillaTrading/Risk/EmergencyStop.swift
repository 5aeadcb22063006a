import Foundation

/// The emergency stop-loss firing: equity fell `drawdownPct` below its peak, at or past the
/// limit. The position was closed and entries stay refused until a person resets it.
public struct EmergencyStop: Sendable, Codable, Equatable, CustomStringConvertible {
    /// Market time of the candle on which it fired, Unix seconds.
    public var time: Int64
    public var drawdownPct: Double
    public var limitPct: Double
    public var peakEquity: Fixed
    public var equity: Fixed

    public init(time: Int64, drawdownPct: Double, limitPct: Double, peakEquity: Fixed, equity: Fixed) {
        self.time = time
        self.drawdownPct = drawdownPct
        self.limitPct = limitPct
        self.peakEquity = peakEquity
        self.equity = equity
    }

    public var description: String {
        "emergency stop-loss fired at \(ISOTime.format(time)): drawdown \(String(format: "%.2f", drawdownPct))% from peak \(peakEquity) to \(equity) "
            + "reached the \(limitPct)% limit"
    }
}
