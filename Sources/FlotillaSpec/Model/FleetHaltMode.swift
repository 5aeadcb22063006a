/// How a fleet halt (`flotilla halt`) holds the bots it covers. Stored as its raw value in
/// `fleet_halts.mode`; a value another version wrote reads as `reduceOnly` (the safe side: nothing
/// new is opened, positions may still close).
public enum FleetHaltMode: String, Sendable, Codable, CaseIterable, Comparable {
    /// No order of any kind: entries, adds and exits are refused, working orders are cancelled
    /// (protective orders suspended), positions stay as they are — a stop-loss does not fire.
    case halt
    /// Orders that only reduce a position go through (exits, stop-losses, take-profits); entries
    /// and adds are refused and working entry orders cancelled. The safer choice in a market emergency.
    case reduceOnly = "reduce-only"

    /// `halt` is stricter than `reduceOnly`: where two halts cover a bot, the stricter holds.
    public static func < (a: FleetHaltMode, b: FleetHaltMode) -> Bool { a == .reduceOnly && b == .halt }
}
