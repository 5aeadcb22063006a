import FlotillaEngine
import FlotillaTrading
import Testing

/// An instance paces its replay through `ReplayFeed` on the fleet's clock, polling what is due by
/// the time the fleet is told.
@Suite("Instance pacing")
struct InstancePacingTests {
    static let candles = (0..<5).map { i in
        Candle(time: Int64(i) * 300, open: Fixed(100), high: Fixed(101), low: Fixed(99), close: Fixed(100), volume: 1)
    }

    @Test("at speed 300 a 5-minute candle is due every second from the start, none before its time")
    func dueEverySecond() {
        var feed = ReplayFeed(candles: Self.candles, speed: 300, clock: FleetClock(), anchor: FleetClock.Instant(ms: 10_000))
        var taken: [(ms: Int64, time: Int64)] = []
        for now in stride(from: Int64(9_000), through: 16_000, by: 500) {
            while let due = feed.nextDue, due.ms <= now, let candle = feed.take() { taken.append((now, candle.time)) }
        }
        #expect(taken.map(\.ms) == [10_000, 11_000, 12_000, 13_000, 14_000])
        #expect(taken.map(\.time) == [0, 300, 600, 900, 1200])
        #expect(feed.nextDue == nil, "the replay has ended")
    }

    @Test("resumed after a restart, the first unseen candle is due when the instance starts again")
    func resumes() {
        var feed = ReplayFeed(candles: Self.candles, speed: 300, clock: FleetClock(), startAt: 3, anchor: FleetClock.Instant(ms: 50_000))
        #expect(feed.position == 3)
        #expect(feed.nextDue == FleetClock.Instant(ms: 50_000))
        #expect(feed.take()?.time == 900)
        #expect(feed.nextDue == FleetClock.Instant(ms: 51_000))
    }

    @Test("the fleet's clock advances by durations in milliseconds")
    func clock() {
        let t = FleetClock.Instant(ms: 1_000)
        #expect(t.advanced(by: .milliseconds(500)) == FleetClock.Instant(ms: 1_500))
        #expect(t.advanced(by: .seconds(2)).ms == 3_000)
        #expect(t.duration(to: FleetClock.Instant(ms: 4_000)) == .seconds(3))
    }
}
