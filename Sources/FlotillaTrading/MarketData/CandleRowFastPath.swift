import Foundation

/// The common candle row — `timestamp,open,high,low,close,volume` in that order (extra columns
/// after), plain decimals, no quotes or spaces — parsed in one pass over its bytes: each field is read
/// as its digits are met, the prices straight into `Fixed.units`, and the line's end is found on the
/// way. A million such rows take a few hundredths of a second.
///
/// It accepts only what `CandleCSV.Reader.row` accepts, with the same values; anything else (a sign,
/// an exponent, a quote, a space, more than 18 digits or 8 places, a bad value) is left to `row`,
/// which parses the line again and names what is wrong. So the fast path changes the speed, never the
/// result.
extension CandleCSV.Reader {
    /// Parses and appends the row at the start of `p` (`count` bytes to the end of the buffer);
    /// returns how many bytes it used, its newline included, or nil to leave the line to `row`
    /// (including a line without its newline yet).
    @inline(__always)
    mutating func fastRow(_ p: UnsafePointer<UInt8>, _ count: Int) throws(CandleCSV.Problem) -> Int? {
        var i = 0
        while i < count, p[i] != UInt8(ascii: ","), p[i] != 0x0A { i += 1 }
        guard i > 0, i < count, p[i] == UInt8(ascii: ","), p[0] != 0x20, p[0] != 0x22, p[i - 1] != 0x20, p[i - 1] != 0x22,
            let time = timeCache.time(p, i)
        else { return nil }
        i += 1
        guard let open = CandleDigits.units(p, &i, count), open > 0, i < count, p[i] == UInt8(ascii: ",") else { return nil }
        i += 1
        guard let high = CandleDigits.units(p, &i, count), high > 0, i < count, p[i] == UInt8(ascii: ",") else { return nil }
        i += 1
        guard let low = CandleDigits.units(p, &i, count), low > 0, i < count, p[i] == UInt8(ascii: ",") else { return nil }
        i += 1
        guard let close = CandleDigits.units(p, &i, count), close > 0, i < count, p[i] == UInt8(ascii: ",") else { return nil }
        i += 1
        guard let volume = CandleDigits.volume(p, &i, count), i < count else { return nil }
        guard high >= low, high >= open, high >= close, low <= open, low <= close else { return nil }
        // The line's end: the newline (after a CR), or past the extra columns `row` ignores too.
        let used: Int
        switch p[i] {
        case 0x0A: used = i + 1
        case 0x0D:
            guard i + 1 < count, p[i + 1] == 0x0A else { return nil }
            used = i + 2
        case UInt8(ascii: ","):
            guard let found = memchr(p + i, 0x0A, count - i) else { return nil }
            used = p.distance(to: UnsafePointer(found.assumingMemoryBound(to: UInt8.self))) + 1
        default:
            return nil
        }
        lineNumber += 1
        try append(Candle(time: time, open: Fixed(units: open), high: Fixed(units: high), low: Fixed(units: low), close: Fixed(units: close),
                          volume: volume))
        return used
    }
}

/// Plain decimals (`digits[.digits]`) read in one pass, to the first byte that is not part of one.
enum CandleDigits {
    /// A price's `Fixed.units`: at most 18 digits and 8 places (nil otherwise, or if it overflows:
    /// `CandleText.fixed` then decides). Advances `i` past the number.
    /// Plain decimal digits from `i`: the digits as one integer (wrapping past 19 digits: the
    /// callers bound `digits`), how many digits and how many after the point, and where it ends.
    @inline(__always)
    static func scan(_ p: UnsafePointer<UInt8>, _ i: Int, _ count: Int) -> (m: UInt64, digits: Int, places: Int, end: Int) {
        var k = i
        var m: UInt64 = 0
        while k < count {
            let d = p[k] &- 48
            if d > 9 { break }
            m = m &* 10 &+ UInt64(d)
            k += 1
        }
        var places = 0
        var dot = 0
        if k < count, p[k] == UInt8(ascii: ".") {
            k += 1
            dot = 1
            let first = k
            while k < count {
                let d = p[k] &- 48
                if d > 9 { break }
                m = m &* 10 &+ UInt64(d)
                k += 1
            }
            places = k - first
        }
        return (m, k - i - dot, places, k)
    }

    @inline(__always)
    static func units(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ count: Int) -> Int64? {
        let (m, digits, places, k) = scan(p, i, count)
        // 18 digits cannot overflow an Int64 (the wrapping arithmetic never wrapped).
        guard digits > 0, digits <= 18, places <= 8 else { return nil }
        let (units, overflow) = Int64(m).multipliedReportingOverflow(by: pow10(8 - places))
        guard !overflow else { return nil }
        i = k
        return units
    }

    /// A volume, computed as `CandleText.double` computes it (the same `Double`, bit for bit): at most
    /// 19 digits and 22 places. Advances `i` past the number.
    @inline(__always)
    static func volume(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ count: Int) -> Double? {
        let (m, digits, places, k) = scan(p, i, count)
        guard digits > 0, digits <= 19, places <= 22 else { return nil }
        i = k
        let value = Double(m)
        return places == 0 ? value : value / pow10Double(places)
    }

    @inline(__always)
    static func pow10(_ n: Int) -> Int64 {
        switch n {
        case 0: 1
        case 1: 10
        case 2: 100
        case 3: 1000
        case 4: 10_000
        case 5: 100_000
        case 6: 1_000_000
        case 7: 10_000_000
        default: 100_000_000
        }
    }

    /// 10ⁿ for n ≤ 22, each exactly representable (what `CandleText.double` divides by).
    @inline(__always)
    static func pow10Double(_ n: Int) -> Double {
        switch n {
        case 1: 1e1
        case 2: 1e2
        case 3: 1e3
        case 4: 1e4
        case 5: 1e5
        case 6: 1e6
        case 7: 1e7
        case 8: 1e8
        case 9: 1e9
        case 10: 1e10
        case 11: 1e11
        case 12: 1e12
        case 13: 1e13
        case 14: 1e14
        case 15: 1e15
        case 16: 1e16
        case 17: 1e17
        case 18: 1e18
        case 19: 1e19
        case 20: 1e20
        case 21: 1e21
        case 22: 1e22
        default: 1
        }
    }
}
