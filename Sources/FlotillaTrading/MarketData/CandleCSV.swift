import Foundation

/// Reads candles in the shared data's CSV format:
///
///     timestamp,open,high,low,close,volume
///     2018-01-10T04:55:00Z,0.0984,0.0994766,0.09828605,0.0994766,1820.54447418
///
/// Strict by default: a malformed row, a duplicate or out-of-order timestamp, a high below the
/// low, or a gap (a missing candle at the file's interval) is an error naming the row. Gaps are
/// real in exchange data, so `allowGaps` accepts them. A problem never quotes the file's text
/// (the file may not be candles at all: `replay: /etc/passwd`), only where and what is wrong.
public enum CandleCSV {
    public struct Problem: Error, Sendable, CustomStringConvertible, Equatable {
        public var file: String
        /// 1-based line number in the file (the header is line 1).
        public var line: Int
        public var message: String

        public var description: String { "\(file):\(line): \(message)" }

        public init(file: String, line: Int, message: String) {
            self.file = file
            self.line = line
            self.message = message
        }
    }

    public static let header = "timestamp,open,high,low,close,volume"

    /// Reads a file a person chose (`backtest --data`); files a spec names go through
    /// `CandleFiles`, which checks where they are and how large first.
    public static func read(path: String, allowGaps: Bool = true) throws(Problem) -> [Candle] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(file: path, line: 0, message: "cannot read the file")
        }
        return try parse(Array(data), file: path, allowGaps: allowGaps)
    }

    public static func parse(_ bytes: [UInt8], file: String, allowGaps: Bool = true) throws(Problem) -> [Candle] {
        var candles: [Candle] = []
        candles.reserveCapacity(bytes.count / 60)
        var lineNumber = 0
        var interval: Int64?
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            var line = bytes[start..<end]
            if line.last == 0x0D { line = line.dropLast() }
            start = end + 1
            if lineNumber == 1 {
                let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                guard text == header else {
                    throw Problem(file: file, line: 1, message: "the first line is not the header \"\(header)\"; is this a candle file?")
                }
                continue
            }
            if line.isEmpty { continue }
            let candle = try parseRow(line, file: file, line: lineNumber)
            if let previous = candles.last {
                if candle.time == previous.time {
                    throw Problem(file: file, line: lineNumber, message: "duplicate timestamp \(ISOTime.format(candle.time))")
                }
                if candle.time < previous.time {
                    throw Problem(file: file, line: lineNumber, message: "timestamp \(ISOTime.format(candle.time)) is before the previous row's \(ISOTime.format(previous.time))")
                }
                let step = candle.time - previous.time
                if let known = interval {
                    if !allowGaps && step != known {
                        throw Problem(file: file, line: lineNumber, message: "gap: \(step / known - 1) missing candle(s) before \(ISOTime.format(candle.time))")
                    }
                    if step < known { interval = step }
                } else {
                    interval = step
                }
            }
            candles.append(candle)
        }
        if candles.isEmpty { throw Problem(file: file, line: max(1, lineNumber), message: "no candles after the header") }
        return candles
    }

    static func parseRow(_ line: ArraySlice<UInt8>, file: String, line number: Int) throws(Problem) -> Candle {
        let fields = line.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
        guard fields.count == 6 else {
            throw Problem(file: file, line: number, message: "expected 6 comma-separated fields, got \(fields.count)")
        }
        guard let time = ISOTime.parse(fields[0]) else {
            throw Problem(file: file, line: number, message: "the timestamp is not ISO 8601 UTC (2018-01-10T04:55:00Z)")
        }
        var prices: [Fixed] = []
        prices.reserveCapacity(4)
        for (i, name) in ["open", "high", "low", "close"].enumerated() {
            let text = String(decoding: fields[i + 1], as: UTF8.self)
            guard let value = Fixed(parsing: text), value.units > 0 else {
                throw Problem(file: file, line: number, message: "\(name) is not a positive price with at most 8 decimal places")
            }
            prices.append(value)
        }
        let volumeText = String(decoding: fields[5], as: UTF8.self)
        guard let volume = Double(volumeText), volume >= 0, volume.isFinite else {
            throw Problem(file: file, line: number, message: "volume is not a non-negative number")
        }
        let (open, high, low, close) = (prices[0], prices[1], prices[2], prices[3])
        guard high >= low, high >= open, high >= close, low <= open, low <= close else {
            throw Problem(file: file, line: number, message: "high and low do not contain open and close")
        }
        return Candle(time: time, open: open, high: high, low: low, close: close, volume: volume)
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` ⇄ Unix seconds, without a formatter (fast and locale-free).
public enum ISOTime {
    public static func parse(_ bytes: some Collection<UInt8>) -> Int64? {
        let b = Array(bytes)
        guard b.count == 20, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b[19] == 90 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var n: Int64 = 0
            for i in range {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                n = n * 10 + Int64(b[i] - 48)
            }
            return n
        }
        guard let y = number(0..<4), let mo = number(5..<7), let d = number(8..<10), let h = number(11..<13),
            let mi = number(14..<16), let s = number(17..<19), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 60
        else { return nil }
        return daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s
    }

    public static func format(_ time: Int64) -> String {
        let days = time >= 0 ? time / 86_400 : (time - 86_399) / 86_400
        let seconds = time - days * 86_400
        let (y, m, d) = civilFromDays(days)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))T\(two(seconds / 3600)):\(two(seconds % 3600 / 60)):\(two(seconds % 60))Z"
    }

    /// Howard Hinnant's days-from-civil algorithm.
    static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
