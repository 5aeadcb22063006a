/// Numbers and times in candle files, parsed straight from the bytes (no `String` per field: a
/// million-row file is read in a fraction of a second).
enum CandleText {
    /// An exact price: `[-+]digits[.digits][e[-+]digits]` with at most 8 places once the exponent
    /// is applied; nil if it would lose digits or overflow.
    static func fixed(_ p: UnsafePointer<UInt8>, _ count: Int) -> Fixed? {
        var i = 0
        var negative = false
        if i < count, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: Int64 = 0
        var decimals = 0
        var sawDigit = false, sawDot = false
        var exponent = 0
        while i < count {
            let c = p[i]
            if c >= 48 && c <= 57 {
                sawDigit = true
                let (m1, o1) = mantissa.multipliedReportingOverflow(by: 10)
                let (m2, o2) = m1.addingReportingOverflow(Int64(c - 48))
                if o1 || o2 { return nil }
                mantissa = m2
                if sawDot { decimals += 1 }
            } else if c == UInt8(ascii: "."), !sawDot {
                sawDot = true
            } else if (c == UInt8(ascii: "e") || c == UInt8(ascii: "E")), sawDigit {
                guard let e = integer(p + i + 1, count - i - 1), abs(e) < 40 else { return nil }
                exponent = Int(e)
                i = count
                break
            } else {
                return nil
            }
            i += 1
        }
        guard sawDigit else { return nil }
        var places = decimals - exponent
        var units = mantissa
        while places > 8 {
            guard units % 10 == 0 else { return nil }
            units /= 10
            places -= 1
        }
        while places < 8 {
            let (u, o) = units.multipliedReportingOverflow(by: 10)
            if o { return nil }
            units = u
            places += 1
        }
        return Fixed(units: negative ? -units : units)
    }

    /// A signed whole number.
    static func integer(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int64? {
        var i = 0
        var negative = false
        if i < count, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < count else { return nil }
        var n: Int64 = 0
        while i < count {
            let c = p[i]
            guard c >= 48 && c <= 57 else { return nil }
            let (m1, o1) = n.multipliedReportingOverflow(by: 10)
            let (m2, o2) = m1.addingReportingOverflow(Int64(c - 48))
            if o1 || o2 { return nil }
            n = m2
            i += 1
        }
        return negative ? -n : n
    }

    private static let powers: [Double] = (0...22).map { e in (0..<e).reduce(1.0) { r, _ in r * 10 } }

    /// A volume: any decimal number, as a `Double` (indicators read it; money never does).
    static func double(_ p: UnsafePointer<UInt8>, _ count: Int) -> Double? {
        var i = 0
        var negative = false
        if i < count, p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var scale = 0  // power of ten to apply
        var digits = 0
        var sawDigit = false, sawDot = false
        while i < count {
            let c = p[i]
            if c >= 48 && c <= 57 {
                sawDigit = true
                if digits < 19 {
                    mantissa = mantissa * 10 + UInt64(c - 48)
                    if mantissa > 0 { digits += 1 }
                    if sawDot { scale -= 1 }
                } else if !sawDot {
                    scale += 1
                }
            } else if c == UInt8(ascii: "."), !sawDot {
                sawDot = true
            } else if (c == UInt8(ascii: "e") || c == UInt8(ascii: "E")), sawDigit {
                guard let e = integer(p + i + 1, count - i - 1), abs(e) < 400 else { return nil }
                scale += Int(e)
                break
            } else {
                return nil
            }
            i += 1
        }
        guard sawDigit else { return nil }
        var value = Double(mantissa)
        var s = scale
        while s > 0 { let step = min(s, 22); value *= powers[step]; s -= step }
        while s < 0 { let step = min(-s, 22); value /= powers[step]; s += step }
        guard value.isFinite else { return nil }
        return negative ? -value : value
    }

    /// A candle's open time, in Unix seconds (UTC): ISO 8601 (`2018-01-10T04:55:00Z`, with an
    /// offset `+01:00`, a space for the `T`, fractional seconds, no zone meaning UTC, or a bare date)
    /// or epoch seconds or milliseconds, told apart by magnitude (≥ 10¹¹ is milliseconds: year 5138
    /// in seconds, 1973 in milliseconds).
    static func time(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int64? {
        guard count > 0 else { return nil }
        func digit(_ i: Int) -> Int64? { i < count && p[i] >= 48 && p[i] <= 57 ? Int64(p[i] - 48) : nil }
        func number(_ from: Int, _ length: Int) -> Int64? {
            var n: Int64 = 0
            for i in from..<(from + length) {
                guard let d = digit(i) else { return nil }
                n = n * 10 + d
            }
            return n
        }
        // Epoch seconds or milliseconds, possibly with a fraction.
        if count <= 4 || p[4] != UInt8(ascii: "-") {
            var end = 0
            while end < count, p[end] != UInt8(ascii: ".") { end += 1 }
            guard let whole = integer(p, end), whole >= 0 else { return nil }
            if end < count { guard end + 1 < count, integer(p + end + 1, count - end - 1) != nil else { return nil } }
            return whole >= 100_000_000_000 ? whole / 1000 : whole
        }
        guard count >= 10, p[7] == UInt8(ascii: "-"), let y = number(0, 4), let mo = number(5, 2), let d = number(8, 2),
            (1...12).contains(mo), (1...31).contains(d)
        else { return nil }
        var seconds = ISOTime.daysFromCivil(y, mo, d) * 86_400
        var i = 10
        guard i < count else { return seconds }  // a bare date: midnight UTC
        guard p[i] == UInt8(ascii: "T") || p[i] == UInt8(ascii: " "), let h = number(i + 1, 2), i + 3 < count, p[i + 3] == UInt8(ascii: ":"),
            let mi = number(i + 4, 2), h < 24, mi < 60
        else { return nil }
        seconds += h * 3600 + mi * 60
        i += 6
        if i < count, p[i] == UInt8(ascii: ":") {
            guard let s = number(i + 1, 2), s < 61 else { return nil }
            seconds += s
            i += 3
            if i < count, p[i] == UInt8(ascii: ".") || p[i] == UInt8(ascii: ",") {
                i += 1
                let start = i
                while digit(i) != nil { i += 1 }
                guard i > start else { return nil }
            }
        }
        guard i < count else { return seconds }  // no zone: UTC
        switch p[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            return i + 1 == count ? seconds : nil
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = p[i] == UInt8(ascii: "+") ? 1 : -1
            guard let oh = number(i + 1, 2), oh < 24 else { return nil }
            var om: Int64 = 0
            let rest = count - (i + 3)
            if rest == 3, p[i + 3] == UInt8(ascii: ":"), let m = number(i + 4, 2) { om = m }
            else if rest == 2, let m = number(i + 3, 2) { om = m }
            else if rest != 0 { return nil }
            guard om < 60 else { return nil }
            return seconds - sign * (oh * 3600 + om * 60)
        default:
            return nil
        }
    }
}

/// `CandleText.time` with fast paths for the common `YYYY-MM-DDTHH:MM:SS[Z]` (the day of the
/// previous row remembered: consecutive candles share their date) and whole epoch seconds or
/// milliseconds: a million rows of times cost a few digit subtractions each.
struct CandleTimeCache {
    /// The previous fast-path row's date as `yyyymmdd`, and its day's start.
    private var dateKey: Int64 = -1
    private var dayStart: Int64 = 0

    mutating func time(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int64? {
        // 2018-01-10T04:55:00Z (20) or 2018-01-10T04:55:00 / 2018-01-10 04:55:00 (19).
        guard count == 20 ? p[19] == UInt8(ascii: "Z") : count == 19,
            p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-"), p[10] == UInt8(ascii: "T") || p[10] == UInt8(ascii: " "),
            p[13] == UInt8(ascii: ":"), p[16] == UInt8(ascii: ":")
        else { return Self.epoch(p, count) ?? CandleText.time(p, count) }
        var bad: UInt8 = 0
        @inline(__always) func d(_ i: Int) -> Int64 {
            let v = p[i] &- 48
            bad |= v > 9 ? 1 : 0
            return Int64(v)
        }
        let key = d(0) * 10_000_000 + d(1) * 1_000_000 + d(2) * 100_000 + d(3) * 10_000 + d(5) * 1000 + d(6) * 100 + d(8) * 10 + d(9)
        let h = d(11) * 10 + d(12), mi = d(14) * 10 + d(15), s = d(17) * 10 + d(18)
        guard bad == 0, h < 24, mi < 60, s < 61 else { return nil }
        if key != dateKey {
            let mo = key / 100 % 100, day = key % 100
            guard (1...12).contains(mo), (1...31).contains(day) else { return nil }
            dayStart = ISOTime.daysFromCivil(key / 10_000, mo, day) * 86_400
            dateKey = key
        }
        return dayStart + h * 3600 + mi * 60 + s
    }

    /// Whole epoch seconds or milliseconds, digits only (as `CandleText.time` reads them); nil for
    /// anything else.
    @inline(__always)
    static func epoch(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int64? {
        guard count > 0, count <= 18 else { return nil }
        var n: Int64 = 0
        for i in 0..<count {
            let d = p[i] &- 48
            guard d <= 9 else { return nil }
            n = n * 10 + Int64(d)
        }
        return n >= 100_000_000_000 ? n / 1000 : n
    }
}
