import FlotillaTesting
import FlotillaTrading
import Foundation
import Testing

/// TA-Lib's values on a bundled file (see tools/reference/README.md for how they were made).
struct TALibReference: Decodable, Sendable {
    var file: String
    var sma10, sma30, ema12, rsi14, macd, macdSignal, macdHist, bbUpper, bbMiddle, bbLower, atr14: [Double?]

    static func load(_ file: String) throws -> TALibReference {
        let data = try Data(contentsOf: Fixtures.url("reference/talib-\(file.replacingOccurrences(of: ".csv", with: ".json"))"))
        return try JSONDecoder().decode(TALibReference.self, from: data)
    }
}

/// Equal within 1e-9 relative, with an absolute floor far below the data's precision for values
/// that cross zero (MACD histogram).
func close(_ a: Double?, _ b: Double?, scale: Double) -> Bool {
    switch (a, b) {
    case (nil, nil): return true
    case (let x?, let y?): return abs(x - y) <= 1e-9 * max(abs(x), abs(y)) + 1e-13 * scale
    default: return false
    }
}

func mismatches(_ ours: [Double?], _ theirs: [Double?], scale: Double) -> [String] {
    var out: [String] = []
    if ours.count != theirs.count { return ["\(ours.count) values, reference has \(theirs.count)"] }
    for i in ours.indices where !close(ours[i], theirs[i], scale: scale) {
        out.append("#\(i): \(String(describing: ours[i])) vs \(String(describing: theirs[i]))")
        if out.count > 4 { break }
    }
    return out
}

@Suite("Indicators match TA-Lib")
struct IndicatorTests {
    static let files = ["ETH_BTC-5m.csv", "GOOG-1d.csv"]

    @Test("SMA, EMA, RSI, MACD, Bollinger Bands and ATR agree with TA-Lib within 1e-9", arguments: files)
    func talib(_ file: String) throws {
        let reference = try TALibReference.load(file)
        let candles = try bundledCandles(file)
        let scale = candles.map(\.close.double).reduce(0, +) / Double(candles.count)
        var sma10 = SMA(period: 10), sma30 = SMA(period: 30), ema12 = EMA(period: 12), rsi14 = RSI(period: 14)
        var macd = MACD(fast: 12, slow: 26, signal: 9), bands = BollingerBands(period: 20, deviations: 2), atr = ATR(period: 14)
        var out: [String: [Double?]] = [:]
        for c in candles {
            let x = c.close.double
            out["sma10", default: []].append(sma10.update(x))
            out["sma30", default: []].append(sma30.update(x))
            out["ema12", default: []].append(ema12.update(x))
            out["rsi14", default: []].append(rsi14.update(x))
            let m = macd.update(x)
            out["macd", default: []].append(m?.macd)
            out["macdSignal", default: []].append(m?.signal)
            out["macdHist", default: []].append(m?.histogram)
            let b = bands.update(x)
            out["bbUpper", default: []].append(b?.upper)
            out["bbMiddle", default: []].append(b?.middle)
            out["bbLower", default: []].append(b?.lower)
            out["atr14", default: []].append(atr.update(high: c.high.double, low: c.low.double, close: x))
        }
        let pairs: [(String, [Double?])] = [
            ("sma10", reference.sma10), ("sma30", reference.sma30), ("ema12", reference.ema12), ("rsi14", reference.rsi14),
            ("macd", reference.macd), ("macdSignal", reference.macdSignal), ("macdHist", reference.macdHist),
            ("bbUpper", reference.bbUpper), ("bbMiddle", reference.bbMiddle), ("bbLower", reference.bbLower), ("atr14", reference.atr14),
        ]
        for (name, theirs) in pairs {
            let scaleFor = name == "rsi14" ? 100 : scale
            let problems = mismatches(out[name]!, theirs, scale: scaleFor)
            #expect(problems.isEmpty, "\(file) \(name): \(problems)")
            #expect(theirs.compactMap { $0 }.count > candles.count - 40, "\(name) has values to compare")
        }
    }

    @Test("streaming values equal a batch recomputation over each window")
    func streamingMatchesBatch() throws {
        let candles = Array(try bundledCandles("LTC_BTC-5m.csv").prefix(800))
        let closes = candles.map(\.close.double)
        var sma = SMA(period: 20), bands = BollingerBands(period: 20, deviations: 2), vwap = VWAP()
        var ema = EMA(period: 12)
        var batchEMA: Double?
        var dayPV = 0.0, dayV = 0.0, day: Int64 = -1
        for (i, c) in candles.enumerated() {
            let x = closes[i]
            let s = sma.update(x), b = bands.update(x), e = ema.update(x)
            let v = vwap.update(time: c.time, high: c.high.double, low: c.low.double, close: x, volume: c.volume)
            if i >= 19 {
                let window = closes[(i - 19)...i]
                let mean = window.reduce(0, +) / 20
                let sd = (window.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 20).squareRoot()
                #expect(close(s, mean, scale: x))
                #expect(abs(b!.upper - (mean + 2 * sd)) < 1e-9 * x)
            } else {
                #expect(s == nil && b == nil)
            }
            if i == 11 { batchEMA = closes[0...11].reduce(0, +) / 12 } else if let prev = batchEMA { batchEMA = prev + (x - prev) * 2 / 13 }
            #expect(close(e, batchEMA, scale: x))
            if c.time / 86_400 != day { day = c.time / 86_400; dayPV = 0; dayV = 0 }
            dayPV += (c.high.double + c.low.double + x) / 3 * c.volume
            dayV += c.volume
            #expect(close(v, dayPV / dayV, scale: x))
        }
    }

    @Test("VuManChu Cipher B's wave and money flow follow their definitions")
    func cipherB() throws {
        let candles = Array(try bundledCandles("ETH_BTC-5m.csv").prefix(500))
        var cipher = CipherB()
        // Batch: the same formulas over whole arrays.
        let ap = candles.map { ($0.high.double + $0.low.double + $0.close.double) / 3 }
        func emaSeries(_ xs: [Double?], _ n: Int) -> [Double?] {
            var out: [Double?] = []
            var e = EMA(period: n)
            for x in xs { out.append(x.flatMap { e.update($0) }) }
            return out
        }
        let esa = emaSeries(ap, 9)
        let d = emaSeries(zip(ap, esa).map { a, e in e.map { abs(a - $0) } }, 9)
        let ci: [Double?] = (0..<ap.count).map { i in
            guard let e = esa[i], let dv = d[i] else { return nil }
            return dv == 0 ? 0 : (ap[i] - e) / (0.015 * dv)
        }
        let wave1 = emaSeries(ci, 12)
        for (i, c) in candles.enumerated() {
            let value = cipher.update(open: c.open.double, high: c.high.double, low: c.low.double, close: c.close.double)
            if let value {
                #expect(close(value.wave1, wave1[i], scale: 100))
                let last4 = (i - 3...i).compactMap { wave1[$0] }
                #expect(close(value.wave2, last4.reduce(0, +) / 4, scale: 100))
                if i >= 59 {
                    let flows = candles[(i - 59)...i].map { k -> Double in
                        let r = k.high.double - k.low.double
                        return r > 0 ? (k.close.double - k.open.double) / r * 150 : 0
                    }
                    #expect(close(value.moneyFlow, flows.reduce(0, +) / 60, scale: 100))
                }
            }
        }
        #expect(cipher.value != nil)
    }

    @Test("Cipher A's trend is 1 on a steady rise, −1 on a steady fall, 0 while warming up or mixed")
    func cipherA() {
        var up = CipherA(), down = CipherA()
        var warm: [Int] = []
        for i in 0..<60 {
            warm.append(up.update(100 + Double(i)))
            down.update(100 - Double(i) * 0.5)
        }
        #expect(warm.prefix(33).allSatisfy { $0 == 0 }, "the slowest EMA needs 34 candles")
        #expect(up.signal == 1)
        #expect(down.signal == -1)
        var mixed = CipherA()
        for i in 0..<60 { mixed.update(100 + Double(i)) }
        for _ in 0..<3 { mixed.update(140) }  // a sharp drop: fast EMAs fall below, slow ones still rising
        #expect(mixed.signal == 0)
    }
}
