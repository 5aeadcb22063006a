import FlotillaEngine
import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Testing

/// Per-account loss limits, calendar periods in the account's time zone: where each period
/// begins and ends (across daylight-saving changes), when a limit is reached, and the halt it
/// calls for — lifted by resume-all only once its period has ended.
@Suite("Per-account loss limits: calendar periods in the account's zone, exact losses, a halt that holds to the period's end")
struct LossLimitTests {
    static let berlin = TimeZone(identifier: "Europe/Berlin")!

    static func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    @Test("periods begin at local midnight (weeks on Monday), a day across a DST change is 23 or 25 hours", arguments: [
        (LossLimits.Period.day, "2026-12-02T12:00:00Z", "2026-12-01T23:00:00Z", "2026-12-02T23:00:00Z"),
        (.day, "2026-03-29T10:00:00Z", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"),   // spring forward: 23 h
        (.day, "2026-10-25T10:00:00Z", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"),   // fall back: 25 h
        (.day, "2026-03-28T23:00:00Z", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"),   // the boundary itself opens the new day
        (.day, "2026-03-28T22:59:59Z", "2026-03-27T23:00:00Z", "2026-03-28T23:00:00Z"),
        (.week, "2026-12-02T12:00:00Z", "2026-11-29T23:00:00Z", "2026-12-06T23:00:00Z"),  // Monday 30 Nov, 00:00 CET
        (.week, "2026-11-29T22:59:00Z", "2026-11-22T23:00:00Z", "2026-11-29T23:00:00Z"),  // Sunday 23:59 CET is last week
        (.month, "2026-03-15T12:00:00Z", "2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z"), // a month with the DST change in it
        (.month, "2026-10-31T23:30:00Z", "2026-10-31T23:00:00Z", "2026-11-30T23:00:00Z"), // 00:30 on 1 Nov in Berlin is November
    ] as [(LossLimits.Period, String, String, String)])
    func windows(period: LossLimits.Period, time: String, start: String, end: String) {
        let limits = LossLimits(percent: [:], timeZone: Self.berlin)
        let window = limits.window(period, containing: Self.at(time))
        #expect(window.start == Self.at(start) && window.end == Self.at(end), "\(window)")
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var testDescription: String
        /// (Berlin wall time as UTC, account equity) in order.
        var equities: [(String, String)]
        /// The periods reached at the last observation.
        var reached: [LossLimits.Period]
    }

    static let cases: [Case] = [
        Case(testDescription: "exactly 2% down within the day reaches the daily limit",
             equities: [("2026-12-02T07:00:00Z", "10000"), ("2026-12-02T09:00:00Z", "9800")], reached: [.day]),
        Case(testDescription: "a cent less than 2% does not",
             equities: [("2026-12-02T07:00:00Z", "10000"), ("2026-12-02T09:00:00Z", "9800.01")], reached: []),
        Case(testDescription: "unrealised gains count: up first, then down 2% of the day's start",
             equities: [("2026-12-02T07:00:00Z", "10000"), ("2026-12-02T08:00:00Z", "10500"), ("2026-12-02T09:00:00Z", "9799")], reached: [.day]),
        Case(testDescription: "a new local day starts from the equity then (23:30 → 00:30 Berlin)",
             equities: [("2026-12-02T22:30:00Z", "10000"), ("2026-12-02T23:30:00Z", "9700")], reached: []),
        Case(testDescription: "the night of the spring-forward change: 23:30 CET to 00:30 CET is a new day",
             equities: [("2026-03-28T22:30:00Z", "10000"), ("2026-03-28T23:30:00Z", "9700")], reached: []),
        Case(testDescription: "the 23-hour day runs from 00:00 CET to 23:59 CEST: one day's loss",
             equities: [("2026-03-28T23:00:00Z", "10000"), ("2026-03-29T21:59:00Z", "9800")], reached: [.day]),
        Case(testDescription: "the 25-hour day at the fall-back change is one day too",
             equities: [("2026-10-24T22:00:00Z", "10000"), ("2026-10-25T22:59:00Z", "9800")], reached: [.day]),
        Case(testDescription: "the week adds up the days: less than 2% each day, 5% since Monday reaches the weekly limit only",
             equities: [("2026-11-30T08:00:00Z", "10000"), ("2026-11-30T20:00:00Z", "9850"), ("2026-12-01T08:00:00Z", "9700"),
                        ("2026-12-02T08:00:00Z", "9600"), ("2026-12-02T20:00:00Z", "9500")], reached: [.week]),
        Case(testDescription: "a big drop reaches all three, shortest first",
             equities: [("2026-12-02T07:00:00Z", "10000"), ("2026-12-02T09:00:00Z", "8900")], reached: [.day, .week, .month]),
    ]

    @Test("when an account's limits are reached", arguments: cases)
    func reached(_ c: Case) throws {
        let limits = LossLimits(percent: [.day: Fixed(2), .week: Fixed(5), .month: Fixed(10)], timeZone: Self.berlin)
        var check = LossLimitCheck(account: "main", limits: limits)
        var last: [LossLimitBreach] = []
        for (time, equity) in c.equities { last = check.observe(equity: try #require(Fixed(parsing: equity)), at: Self.at(time)) }
        #expect(last.map(\.period) == c.reached)
    }

    @Test("a limit reached halts the account's bots reduce-only until its period ends; resume-all before then keeps it, after lifts it")
    func haltHoldsToPeriodEnd() throws {
        let limits = LossLimits(percent: [.day: Fixed(2)], timeZone: Self.berlin)
        var check = LossLimitCheck(account: "main", limits: limits)
        _ = check.observe(equity: Fixed(10000), at: Self.at("2026-12-02T07:00:00Z"))
        let breach = try #require(check.observe(equity: Fixed(9750), at: Self.at("2026-12-02T09:00:00Z")).first)
        #expect(breach.reason.contains("daily loss limit 2% reached on account main") && breach.reason.contains("lost 250 of 10000"), "\(breach.reason)")
        let halt = breach.halt(at: Self.at("2026-12-02T09:00:00Z"))
        #expect(halt.mode == .reduceOnly && halt.cause == .lossLimit && halt.holdsUntil == Self.at("2026-12-02T23:00:00Z"))
        #expect(halt.covers(labels: [:], account: "main") && !halt.covers(labels: [:], account: "other"))

        let store = try StateStore.inMemory()
        try store.recordHalt(halt, event: (kind: "LossLimitReached", message: breach.reason))
        let controls = FleetHaltControls(store: store, requestedBy: "test")
        let early = try controls.resumeAll(now: Self.at("2026-12-02T22:59:00Z"))
        #expect(early.halts.count == 1 && early.message.contains("holds until"), "\(early.message)")
        let late = try controls.resumeAll(now: Self.at("2026-12-02T23:00:00Z"))
        #expect(late.halts.isEmpty, "from the period's end on, resume-all lifts it; it never lifts by itself")
    }
}
