import FlotillaTrading
import Foundation
import Testing

@Suite("Market data")
struct MarketDataTests {
    static let header = "timestamp,open,high,low,close,volume\n"

    @Test("every bundled file reads, in time order", arguments: ["ETH_BTC-5m.csv", "GOOG-1d.csv", "XRP_ETH-5m.csv", "ADA_BTC-5m.csv"])
    func bundled(_ name: String) throws {
        let candles = try bundledCandles(name)
        #expect(candles.count > 100)
        #expect(zip(candles, candles.dropFirst()).allSatisfy { $0.time < $1.time })
    }

    @Test("prices parse exactly, exponents included")
    func exactParsing() {
        #expect(Fixed(parsing: "5.33e-05")?.units == 5330)
        #expect(Fixed(parsing: "0.0994766")?.units == 9_947_660)
        #expect(Fixed(parsing: "1e-9") == nil, "nine places do not fit")
        #expect(Fixed(parsing: "12abc") == nil)
        #expect(Fixed(parsing: "-0.5")?.description == "-0.5")
    }

    @Test("bad rows are errors naming the line", arguments: [
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5,10\n2018-01-10T04:55:00Z,1,2,0.5,1.5,10\n", 3, "duplicate timestamp"),
        ("2018-01-10T05:00:00Z,1,2,0.5,1.5,10\n2018-01-10T04:55:00Z,1,2,0.5,1.5,10\n", 3, "is before the previous row"),
        ("2018-01-10T04:55:00Z,1,2,0.5\n", 2, "comma-separated fields"),
        ("yesterday,1,2,0.5,1.5,10\n", 2, "neither ISO 8601"),
        ("2018-01-10T04:55:00Z,1,0.5,2,1.5,10\n", 2, "do not contain"),
        ("2018-01-10T04:55:00Z,one,2,0.5,1.5,10\n", 2, "open is not a positive price"),
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5,-4\n", 2, "volume"),
    ])
    func badRows(_ body: String, _ line: Int, _ message: String) {
        do {
            _ = try CandleCSV.parse(Array((Self.header + body).utf8), file: "x.csv")
            Issue.record("must fail")
        } catch {
            #expect(error.line == line)
            #expect(error.message.contains(message), "\(error)")
        }
    }

    @Test("gaps are allowed by default and refused when asked")
    func gaps() throws {
        let body = "2018-01-10T04:55:00Z,1,2,0.5,1.5,10\n2018-01-10T05:00:00Z,1,2,0.5,1.5,10\n2018-01-10T05:15:00Z,1,2,0.5,1.5,10\n"
        #expect(try CandleCSV.parse(Array((Self.header + body).utf8), file: "x.csv").count == 3)
        #expect(throws: CandleCSV.Problem(file: "x.csv", line: 4, message: "gap: 2 missing candle(s) before 2018-01-10T05:15:00Z")) {
            try CandleCSV.parse(Array((Self.header + body).utf8), file: "x.csv", allowGaps: false)
        }
    }

    @Test("synthetic candles are reproducible from their seed and well-formed")
    func synthetic() {
        let a = Array(SyntheticCandles(seed: 42).prefix(1000)), b = Array(SyntheticCandles(seed: 42).prefix(1000))
        let c = Array(SyntheticCandles(seed: 43).prefix(1000))
        #expect(a == b)
        #expect(a != c)
        #expect(a.allSatisfy { $0.low <= min($0.open, $0.close) && $0.high >= max($0.open, $0.close) && $0.low.units > 0 })
    }

    @Test("ISO times round-trip")
    func isoTime() {
        for text in ["1970-01-01T00:00:00Z", "2018-01-10T04:55:00Z", "2024-02-29T23:59:59Z", "2004-08-19T00:00:00Z"] {
            #expect(ISOTime.format(ISOTime.parse(Array(text.utf8))!) == text)
        }
    }
}

/// A clock that advances only when sleeping: replay tests take no real time.
final class ManualClock: Clock, @unchecked Sendable {
    // @unchecked: `current` is only touched under `lock`.
    struct Instant: InstantProtocol {
        var offset: Swift.Duration
        func advanced(by d: Swift.Duration) -> Instant { Instant(offset: offset + d) }
        func duration(to other: Instant) -> Swift.Duration { other.offset - offset }
        static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }
    private let lock = NSLock()
    private var current = Instant(offset: .zero)
    var now: Instant { lock.withLock { current } }
    var minimumResolution: Swift.Duration { .milliseconds(1) }
    func sleep(until deadline: Instant, tolerance: Swift.Duration?) async throws {
        lock.withLock { if deadline > current { current = deadline } }
    }
}

@Suite("Candle feeds")
struct CandleFeedTests {
    @Test("a replay paces candles at the speed factor and resumes from a position")
    func replayPacing() async throws {
        let candles = Array(try bundledCandles("ETH_BTC-5m.csv").prefix(5))
        let clock = ManualClock()
        var feed = ReplayFeed(candles: candles, speed: 600, clock: clock)
        var seen: [Candle] = []
        while let c = try await feed.next() { seen.append(c) }
        #expect(seen == candles)
        #expect(clock.now.offset == .milliseconds(2000), "4 gaps of 5 minutes at 600× = 4 × 0.5 s")
        var resumed = ReplayFeed(candles: candles, speed: nil, clock: ManualClock(), startAt: 3)
        #expect(try await resumed.next() == candles[3])
    }
}
