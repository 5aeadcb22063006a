import Foundation

/// Start times of the current day, week (Monday) and month in a time zone, recomputed only when a
/// boundary is crossed: a backtest asks on every candle, and Foundation's calendar is slow.
struct CalendarPeriods: Sendable {
    enum Period: Int, CaseIterable, Sendable { case day, week, month }

    private let calendar: Calendar
    private(set) var starts: [Int64] = [0, 0, 0]
    private(set) var ends: [Int64] = [.min, .min, .min]

    init(timeZone: TimeZone) {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        calendar.firstWeekday = 2
        self.calendar = calendar
    }

    /// The periods as they were (after a restart): the next `advance` rolls over only when a
    /// boundary is crossed, as it would have without the restart.
    init(timeZone: TimeZone, starts: [Int64], ends: [Int64]) {
        self.init(timeZone: timeZone)
        if starts.count == Period.allCases.count, ends.count == Period.allCases.count {
            self.starts = starts
            self.ends = ends
        }
    }

    /// Moves to the periods containing `time`; returns the periods that rolled over.
    mutating func advance(to time: Int64) -> [Period] {
        // Inside all three periods (every candle but the few on a boundary): nothing rolls.
        if time >= starts[0], time >= starts[1], time >= starts[2], time < ends[0], time < ends[1], time < ends[2] { return [] }
        var rolled: [Period] = []
        for period in Period.allCases where time >= ends[period.rawValue] || time < starts[period.rawValue] {
            let date = Date(timeIntervalSince1970: TimeInterval(time))
            let component: Calendar.Component = period == .day ? .day : period == .week ? .weekOfYear : .month
            guard let interval = calendar.dateInterval(of: component, for: date) else { continue }
            starts[period.rawValue] = Int64(interval.start.timeIntervalSince1970)
            ends[period.rawValue] = Int64(interval.end.timeIntervalSince1970)
            rolled.append(period)
        }
        return rolled
    }
}
