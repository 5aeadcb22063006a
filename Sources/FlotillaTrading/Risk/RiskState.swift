/// What a `RiskManager` remembers between candles, as it persists with a bot: the calendar periods
/// (their boundaries and starting equity), the peak and last equity, and the emergency stop if it
/// fired. Its limits are not part of it: they come from the bot's revision.
public struct RiskState: Sendable, Codable, Equatable {
    /// Start and end (exclusive) of the current day, week and month, Unix seconds.
    public var periodStarts: [Int64]
    public var periodEnds: [Int64]
    /// Equity at the start of the current day, week and month.
    public var periodStartEquity: [Fixed]
    public var peakEquity: Fixed
    public var lastEquity: Fixed
    public var emergencyStop: EmergencyStop?
}
