/// Simple moving average over `period` values, computed exactly as pandas' `rolling(n).mean()`
/// (what backtesting.py's strategies use): a running total with Kahan compensation — one for the
/// values added, one for those removed — a window of equal values averaging to that value exactly,
/// and a window of non-negative values never averaging below zero. Bit for bit the same doubles,
/// so a crossover of two averages that are mathematically equal (flat prices: frequent on
/// 5-minute crypto candles) is decided as backtesting.py decides it. Within 1e-9 of TA-Lib's SMA.
public struct SMA: Sendable, Equatable {
    public let period: Int
    private var window: RingBuffer
    private var total = 0.0
    private var addCompensation = 0.0
    private var removeCompensation = 0.0
    /// Values in the window with the sign bit set.
    private var negatives = 0
    /// How many of the last values added were equal to the last one (not bounded by the window).
    private var sameRun = 0
    private var last: Double?
    public private(set) var value: Double?

    public init(period: Int) {
        self.period = period
        window = RingBuffer(capacity: period)
    }

    @discardableResult
    public mutating func update(_ x: Double) -> Double? {
        if let old = window.push(x) {
            let y = -old - removeCompensation
            let t = total + y
            removeCompensation = t - total - y
            total = t
            if old.sign == .minus { negatives -= 1 }
        }
        let y = x - addCompensation
        let t = total + y
        addCompensation = t - total - y
        total = t
        if x.sign == .minus { negatives += 1 }
        sameRun = x == last ? sameRun + 1 : 1
        last = x
        guard window.isFull else {
            value = nil
            return nil
        }
        var mean = total / Double(period)
        if sameRun >= period {
            mean = x
        } else if negatives == 0 && mean < 0 {
            mean = 0
        } else if negatives == period && mean > 0 {
            mean = 0
        }
        value = mean
        return mean
    }
}

extension SMA: Codable {
    enum CodingKeys: String, CodingKey {
        case period, window, total, addCompensation, removeCompensation, negatives, sameRun, last, value
    }

    /// States persisted before the compensation fields existed resume with them at zero.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        period = try c.decode(Int.self, forKey: .period)
        window = try c.decode(RingBuffer.self, forKey: .window)
        total = try c.decode(Double.self, forKey: .total)
        value = try c.decodeIfPresent(Double.self, forKey: .value)
        addCompensation = try c.decodeIfPresent(Double.self, forKey: .addCompensation) ?? 0
        removeCompensation = try c.decodeIfPresent(Double.self, forKey: .removeCompensation) ?? 0
        negatives = try c.decodeIfPresent(Int.self, forKey: .negatives) ?? 0
        sameRun = try c.decodeIfPresent(Int.self, forKey: .sameRun) ?? 0
        last = try c.decodeIfPresent(Double.self, forKey: .last) ?? (window.count > 0 ? window[newest: 0] : nil)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(period, forKey: .period)
        try c.encode(window, forKey: .window)
        try c.encode(total, forKey: .total)
        try c.encodeIfPresent(value, forKey: .value)
        try c.encode(addCompensation, forKey: .addCompensation)
        try c.encode(removeCompensation, forKey: .removeCompensation)
        try c.encode(negatives, forKey: .negatives)
        try c.encode(sameRun, forKey: .sameRun)
        try c.encodeIfPresent(last, forKey: .last)
    }
}

/// Exponential moving average, k = 2 / (period + 1), seeded with the SMA of the first `period`
/// values (TA-Lib's classic EMA): the first value comes with the `period`-th input.
public struct EMA: Sendable, Codable, Equatable {
    public let period: Int
    public let k: Double
    private var seedTotal = 0.0
    private var seen = 0
    public private(set) var value: Double?

    public init(period: Int) {
        self.period = period
        self.k = 2 / Double(period + 1)
    }

    /// Starts from a known value (MACD seeds its fast EMA late, as TA-Lib does).
    public init(period: Int, seed: Double) {
        self.init(period: period)
        self.value = seed
        self.seen = period
    }

    @discardableResult
    public mutating func update(_ x: Double) -> Double? {
        if let v = value {
            value = (x - v) * k + v
        } else {
            seen += 1
            seedTotal += x
            if seen == period { value = seedTotal / Double(period) }
        }
        return value
    }
}

/// Wilder's RSI (TA-Lib's RSI): average gains and losses over `period` changes, then smoothed
/// with weight 1/period. The first value comes with the (period + 1)-th price.
public struct RSI: Sendable, Codable, Equatable {
    public let period: Int
    private var previous: Double?
    private var gains = 0.0, losses = 0.0
    private var changes = 0
    public private(set) var value: Double?

    public init(period: Int) { self.period = period }

    @discardableResult
    public mutating func update(_ x: Double) -> Double? {
        guard let p = previous else {
            previous = x
            return nil
        }
        previous = x
        let change = x - p
        let gain = change > 0 ? change : 0
        let loss = change < 0 ? -change : 0
        let n = Double(period)
        if changes < period {
            gains += gain
            losses += loss
            changes += 1
            if changes < period { return nil }
            gains /= n
            losses /= n
        } else {
            gains = (gains * (n - 1) + gain) / n
            losses = (losses * (n - 1) + loss) / n
        }
        let sum = gains + losses
        value = sum == 0 ? 0 : 100 * (gains / sum)
        return value
    }
}

/// MACD line (fast EMA − slow EMA), its signal EMA and the histogram, aligned as TA-Lib aligns
/// them: both EMAs start at the slow period's end, the fast one seeded with the SMA of its last
/// `fast` inputs there; the signal starts `signal` MACD values later.
public struct MACD: Sendable, Codable, Equatable {
    public struct Value: Sendable, Codable, Equatable {
        public var macd: Double
        public var signal: Double
        public var histogram: Double
    }

    public let fast: Int, slow: Int, signal: Int
    private var window: RingBuffer
    private var fastEMA: EMA?
    private var slowEMA: EMA?
    private var signalEMA: EMA
    private var total = 0.0
    public private(set) var value: Value?
    /// The MACD line, available `signal − 1` candles before the signal line.
    public private(set) var line: Double?

    public init(fast: Int = 12, slow: Int = 26, signal: Int = 9) {
        self.fast = fast
        self.slow = slow
        self.signal = signal
        window = RingBuffer(capacity: slow)
        signalEMA = EMA(period: signal)
    }

    @discardableResult
    public mutating func update(_ x: Double) -> Value? {
        if var f = fastEMA, var s = slowEMA {
            let m = f.update(x)! - s.update(x)!
            fastEMA = f
            slowEMA = s
            return emit(m)
        }
        window.push(x)
        total += x
        guard window.isFull else { return nil }
        var fastTotal = 0.0
        for i in 0..<fast { fastTotal += window[newest: fast - 1 - i] }
        let f = EMA(period: fast, seed: fastTotal / Double(fast))
        let s = EMA(period: slow, seed: total / Double(slow))
        fastEMA = f
        slowEMA = s
        return emit(f.value! - s.value!)
    }

    private mutating func emit(_ m: Double) -> Value? {
        line = m
        guard let sig = signalEMA.update(m) else { return nil }
        value = Value(macd: m, signal: sig, histogram: m - sig)
        return value
    }
}
