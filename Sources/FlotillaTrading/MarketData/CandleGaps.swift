/// Where candles are missing: a step between two consecutive candles of at least two intervals
/// (room for a candle that is not there; a calendar month against a 30-day interval is no gap).
/// Real data has them (no trade in that minute, an exchange outage); they are allowed, and a
/// backtest reports them so a person can tell a quiet market from a hole in the file.
public struct CandleGaps: Sendable, Codable, Equatable {
    /// The interval gaps are measured against, seconds: the market's, or the smallest step seen if shorter.
    public var intervalSeconds: Int64 = 0
    /// Steps of two intervals or more.
    public var count = 0
    /// Candles that would fill them: a step of three intervals misses two (whole intervals).
    public var missingCandles: Int64 = 0
    /// The longest step, seconds, between the candles opening at `largestAfter` and `largestBefore`.
    public var largestSeconds: Int64 = 0
    public var largestAfter: String?
    public var largestBefore: String?

    public init() {}
}

/// Counts the steps between candle times as they pass, in a few words of memory: runs of equal
/// steps are counted without a lookup, other steps in a small table by length.
struct GapCounter {
    private var previous: Int64?
    /// step → (how many, the time of the candle before the first one).
    private var steps: [Int64: (count: Int, firstAfter: Int64)] = [:]
    private var runStep: Int64 = 0
    private var runCount = 0
    private var runFirstAfter: Int64 = 0

    mutating func observe(_ time: Int64) {
        defer { previous = time }
        guard let p = previous else { return }
        let step = time - p
        if step == runStep && runCount > 0 {
            runCount += 1
            return
        }
        flush()
        runStep = step
        runCount = 1
        runFirstAfter = p
    }

    private mutating func flush() {
        guard runCount > 0 else { return }
        if let known = steps[runStep] {
            steps[runStep] = (known.count + runCount, known.firstAfter)
        } else {
            steps[runStep] = (runCount, runFirstAfter)
        }
        runCount = 0
    }

    /// The gaps against `interval`, or the smallest step seen when that is shorter (or no interval is given).
    mutating func summary(interval: Int64?) -> CandleGaps {
        flush()
        var gaps = CandleGaps()
        // The market's interval — or the data's own, when a file of shorter candles is replayed.
        let smallest = steps.keys.filter { $0 > 0 }.min()
        guard let unit = [interval, smallest].compactMap({ $0 }).filter({ $0 > 0 }).min() else { return gaps }
        gaps.intervalSeconds = unit
        for (step, seen) in steps where step >= 2 * unit {
            gaps.count += seen.count
            gaps.missingCandles += Int64(seen.count) * (step / unit - 1)
            if step > gaps.largestSeconds || (step == gaps.largestSeconds && ISOTime.format(seen.firstAfter) < (gaps.largestAfter ?? "")) {
                gaps.largestSeconds = step
                gaps.largestAfter = ISOTime.format(seen.firstAfter)
                gaps.largestBefore = ISOTime.format(seen.firstAfter + step)
            }
        }
        return gaps
    }
}
