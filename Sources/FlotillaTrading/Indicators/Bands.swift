import Foundation

/// Bollinger Bands: SMA ± k population standard deviations, with TA-Lib's arithmetic (running sums
/// of x and x², variance = mean(x²) − mean(x)²).
public struct BollingerBands: Sendable, Codable, Equatable {
    public struct Value: Sendable, Codable, Equatable {
        public var upper: Double
        public var middle: Double
        public var lower: Double
    }

    public let period: Int
    public let deviations: Double
    private var window: RingBuffer
    private var total = 0.0, totalSquares = 0.0
    private var middle: SMA
    public private(set) var value: Value?

    public init(period: Int = 20, deviations: Double = 2) {
        self.period = period
        self.deviations = deviations
        window = RingBuffer(capacity: period)
        middle = SMA(period: period)
    }

    @discardableResult
    public mutating func update(_ x: Double) -> Value? {
        if let old = window.push(x) {
            total -= old
            totalSquares -= old * old
        }
        total += x
        totalSquares += x * x
        let mid = middle.update(x)
        guard window.isFull, let mid else { return nil }
        let n = Double(period)
        let mean = total / n
        let variance = totalSquares / n - mean * mean
        let sd = variance > 0 ? variance.squareRoot() : 0
        value = Value(upper: mid + deviations * sd, middle: mid, lower: mid - deviations * sd)
        return value
    }
}

/// Average True Range, Wilder-smoothed and seeded with the SMA of the first `period` true ranges
/// (TA-Lib's ATR; the first true range needs a previous close).
public struct ATR: Sendable, Codable, Equatable {
    public let period: Int
    private var previousClose: Double?
    private var seedTotal = 0.0
    private var ranges = 0
    public private(set) var value: Double?

    public init(period: Int = 14) { self.period = period }

    @discardableResult
    public mutating func update(high: Double, low: Double, close: Double) -> Double? {
        defer { previousClose = close }
        guard let pc = previousClose else { return nil }
        let tr = max(high - low, abs(high - pc), abs(low - pc))
        let n = Double(period)
        if let v = value {
            value = (v * (n - 1) + tr) / n
        } else {
            ranges += 1
            seedTotal += tr
            if ranges == period { value = seedTotal / n }
        }
        return value
    }
}

/// Volume-weighted average price of the typical price (high + low + close) / 3, reset at each UTC
/// day (the session of crypto venues).
public struct VWAP: Sendable, Codable, Equatable {
    private var day: Int64 = .min
    private var priceVolume = 0.0
    private var volume = 0.0
    public private(set) var value: Double?

    public init() {}

    @discardableResult
    public mutating func update(time: Int64, high: Double, low: Double, close: Double, volume v: Double) -> Double? {
        let d = time >= 0 ? time / 86_400 : (time - 86_399) / 86_400
        if d != day {
            day = d
            priceVolume = 0
            volume = 0
        }
        priceVolume += (high + low + close) / 3 * v
        volume += v
        value = volume > 0 ? priceVolume / volume : (high + low + close) / 3
        return value
    }
}
