/// VuManChu Cipher B (the seeds' "wave" and "money flow"), defined here as Flotilla computes it:
///
/// - WaveTrend (LazyBear's): `ap = hlc3`, `esa = EMA(ap, channel)`, `d = EMA(|ap − esa|, channel)`,
///   `ci = (ap − esa) / (0.015 × d)`, `wave1 = EMA(ci, average)`, `wave2 = SMA(wave1, 4)`.
/// - Money flow (VuManChu's RSI+MFI): `SMA(((close − open) / (high − low)) × multiplier, period)`;
///   a candle with high = low contributes 0.
///
/// Defaults: channel 9, average 12, money-flow period 60, multiplier 150.
public struct CipherB: Sendable, Codable, Equatable {
    public struct Value: Sendable, Codable, Equatable {
        public var wave1: Double
        public var wave2: Double
        public var moneyFlow: Double?
    }

    private var esa: EMA
    private var deviation: EMA
    private var wave1: EMA
    private var wave2: SMA
    private var flow: SMA
    private let multiplier: Double
    public private(set) var value: Value?

    public init(channel: Int = 9, average: Int = 12, flowPeriod: Int = 60, multiplier: Double = 150) {
        esa = EMA(period: channel)
        deviation = EMA(period: channel)
        wave1 = EMA(period: average)
        wave2 = SMA(period: 4)
        flow = SMA(period: flowPeriod)
        self.multiplier = multiplier
    }

    @discardableResult
    public mutating func update(open: Double, high: Double, low: Double, close: Double) -> Value? {
        let range = high - low
        let mf = flow.update(range > 0 ? (close - open) / range * multiplier : 0)
        let ap = (high + low + close) / 3
        guard let e = esa.update(ap), let d = deviation.update(abs(ap - e)) else { return nil }
        let ci = d == 0 ? 0 : (ap - e) / (0.015 * d)
        guard let w1 = wave1.update(ci), let w2 = wave2.update(w1) else { return nil }
        value = Value(wave1: w1, wave2: w2, moneyFlow: mf)
        return value
    }
}

/// VuManChu Cipher A's trend signal from its EMA ribbon (lengths 5, 11, 15, 18, 21, 24, 28, 34):
/// `1` when every EMA is above the next slower one (ordered bullish), `−1` when every EMA is below
/// it (ordered bearish), `0` when the ribbon is mixed or still warming up.
public struct CipherA: Sendable, Codable, Equatable {
    public static let lengths = [5, 11, 15, 18, 21, 24, 28, 34]
    private var ribbon: [EMA]
    public private(set) var signal = 0

    public init() { ribbon = Self.lengths.map { EMA(period: $0) } }

    @discardableResult
    public mutating func update(_ close: Double) -> Int {
        var values: (Double?, Bool, Bool) = (nil, true, true)
        var ready = true
        for i in ribbon.indices {
            guard let v = ribbon[i].update(close) else {
                ready = false
                continue
            }
            if let previous = values.0 {
                if !(previous > v) { values.1 = false }
                if !(previous < v) { values.2 = false }
            }
            values.0 = v
        }
        signal = !ready ? 0 : values.1 ? 1 : values.2 ? -1 : 0
        return signal
    }
}
