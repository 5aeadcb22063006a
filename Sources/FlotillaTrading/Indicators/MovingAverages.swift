/// Simple moving average over `period` values, as TA-Lib computes it (a running total).
public struct SMA: Sendable, Codable, Equatable {
    public let period: Int
    private var window: RingBuffer
    private var total = 0.0
    public private(set) var value: Double?

    public init(period: Int) {
        self.period = period
        window = RingBuffer(capacity: period)
    }

    @discardableResult
    public mutating func update(_ x: Double) -> Double? {
        if let old = window.push(x) { total -= old }
        total += x
        value = window.isFull ? total / Double(period) : nil
        return value
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
