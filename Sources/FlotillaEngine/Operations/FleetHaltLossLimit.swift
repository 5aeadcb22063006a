import FlotillaStore
import FlotillaTrading
import Foundation

/// An account's loss limits: the loss of all its bots together (realised and unrealised) since
/// the start of the calendar day, week (from Monday) and month in the account's time zone, in %
/// of the account's equity at that start. Pure: the caller gives the equity and the time.
///
/// Not wired yet: nothing declares these on an Account document or feeds an account's equity to
/// a `LossLimitCheck` (docs/kill-switch.md, "Not built yet"). What reaching one does is: a halt of
/// every bot on the account, reduce-only, held at least until the period ends (`halt(at:)`).
public struct LossLimits: Sendable, Equatable {
    public enum Period: String, Sendable, CaseIterable, Codable {
        case day, week, month

        public var word: String {
            switch self {
            case .day: "daily"
            case .week: "weekly"
            case .month: "monthly"
            }
        }
    }

    /// Period → the limit, in % of the equity at the period's start (positive; absent: no limit).
    public var percent: [Period: Fixed]
    public var timeZone: TimeZone

    public init(percent: [Period: Fixed], timeZone: TimeZone) {
        self.percent = percent
        self.timeZone = timeZone
    }

    /// The calendar period of `kind` that contains `time`, in the account's zone: a day is 23 or 25
    /// hours long across a daylight-saving change, a week starts on Monday at midnight.
    public func window(_ kind: Period, containing time: Date) -> DateInterval {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = timeZone
        calendar.firstWeekday = 2
        let component: Calendar.Component = kind == .day ? .day : kind == .week ? .weekOfYear : .month
        return calendar.dateInterval(of: component, for: time) ?? DateInterval(start: time, duration: 0)
    }
}

/// A loss limit reached: which, by how much, and the halt it calls for.
public struct LossLimitBreach: Sendable, Equatable {
    public var account: String
    public var period: LossLimits.Period
    /// The loss since the period's start, and the equity then.
    public var loss: Fixed
    public var startEquity: Fixed
    public var limitPercent: Fixed
    public var window: DateInterval

    /// `daily loss limit 2% reached on account main: lost 210 of 10000 since 2026-03-29T00:00:00+01:00`
    public var reason: String {
        let start = ISO8601DateFormatter()
        start.formatOptions = [.withInternetDateTime]
        return "\(period.word) loss limit \(limitPercent)% reached on account \(account): lost \(loss) of \(startEquity) since \(start.string(from: window.start))"
    }

    /// The halt to record: every bot on the account, reduce-only (positions may still close),
    /// lifted by `flotilla resume-all` once the period has ended — never by itself.
    public func halt(at now: Date) -> StoredHalt {
        StoredHalt(cause: .lossLimit, mode: .reduceOnly, account: account, reason: reason, requestedBy: "loss-limit", since: now, holdsUntil: window.end)
    }
}

/// One account's loss limits over time: the equity at each period's start, and whether the
/// limit is reached now. Each period's reference is the first equity seen in it (the account's
/// equity at the boundary, when the check runs on every pass).
public struct LossLimitCheck: Sendable {
    public let account: String
    public let limits: LossLimits
    /// Period → (its window, the equity at its start).
    public private(set) var starts: [LossLimits.Period: (window: DateInterval, equity: Fixed)] = [:]

    public init(account: String, limits: LossLimits) {
        self.account = account
        self.limits = limits
    }

    /// Feeds the account's equity (every bot's cash and positions at their marks) at `time`;
    /// returns the limits reached, shortest period first. Exact: loss × 100 ≥ limit × equity then.
    public mutating func observe(equity: Fixed, at time: Date) -> [LossLimitBreach] {
        var reached: [LossLimitBreach] = []
        for period in LossLimits.Period.allCases {
            guard let limit = limits.percent[period] else { continue }
            if starts[period].map({ !$0.window.contains(time) || time >= $0.window.end }) ?? true {
                starts[period] = (limits.window(period, containing: time), equity)
            }
            guard let start = starts[period], start.equity.units > 0 else { continue }
            let loss = start.equity - equity
            guard loss.units > 0, loss.multiplied(by: Fixed(100)) >= limit.multiplied(by: start.equity) else { continue }
            reached.append(LossLimitBreach(account: account, period: period, loss: loss, startEquity: start.equity, limitPercent: limit, window: start.window))
        }
        return reached
    }
}
