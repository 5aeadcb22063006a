import Foundation

/// Reads candles from CSV, by header:
///
///     timestamp,open,high,low,close,volume
///     2018-01-10T04:55:00Z,0.0984,0.0994766,0.09828605,0.0994766,1820.54447418
///
/// The time column may be named `timestamp`, `time`, `date`, `datetime` or `open_time`; columns may
/// come in any order, names in any case, extra columns are ignored, a UTF-8 byte-order mark is
/// skipped. Times are ISO 8601 (`Z`, an offset, a space for the `T`, fractional seconds, a bare date)
/// or epoch seconds or milliseconds (`CandleText.time`). Prices are exact (`Fixed`).
///
/// Strict otherwise: a malformed row, a duplicate or out-of-order timestamp, a high below the low,
/// or (when asked) a gap is an error naming the line. A problem never quotes the file's text (the
/// file may not be candles at all: `replay: /etc/passwd`), only where and what is wrong.
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

    /// The canonical header (what Flotilla writes and the bundled files use).
    public static let header = "timestamp,open,high,low,close,volume"
    public static let timeColumnNames = ["timestamp", "time", "date", "datetime", "open_time"]

    /// Where each needed column is in a row.
    struct Columns {
        var time = -1, open = -1, high = -1, low = -1, close = -1, volume = -1
        var needed: Int { max(time, open, high, low, close, volume) + 1 }
    }

    /// The columns a header line names, or nil with what is missing.
    static func columns(_ line: UnsafeBufferPointer<UInt8>) -> Result<Columns, Problem> {
        var columns = Columns()
        var index = 0
        var start = 0
        var bytes = Array(line)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        bytes.append(UInt8(ascii: ","))
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: ",") {
            let name = String(decoding: bytes[start..<i], as: UTF8.self)
                .trimmingCharacters(in: CharacterSet(charactersIn: " \t\r\"'")).lowercased()
            switch name {
            case _ where timeColumnNames.contains(name): if columns.time < 0 { columns.time = index }
            case "open": columns.open = index
            case "high": columns.high = index
            case "low": columns.low = index
            case "close": columns.close = index
            case "volume": columns.volume = index
            default: break
            }
            index += 1
            start = i + 1
        }
        let missing = [("time (timestamp, time, date, datetime or open_time)", columns.time), ("open", columns.open), ("high", columns.high),
                       ("low", columns.low), ("close", columns.close), ("volume", columns.volume)].filter { $0.1 < 0 }.map(\.0)
        guard missing.isEmpty else {
            return .failure(Problem(file: "", line: 1, message: "the first line is not a candle header: no \(missing.joined(separator: ", ")) column\(missing.count == 1 ? "" : "s"); write e.g. \"\(header)\""))
        }
        return .success(columns)
    }

    /// Whether a file's first line is a header this reader understands (a cheap check before
    /// reading the whole file), or what is wrong with it.
    public static func headerProblem(_ firstLine: [UInt8]) -> String? {
        firstLine.withUnsafeBufferPointer { line in
            if case .failure(let problem) = columns(line) { return problem.message }
            return nil
        }
    }

    public static func read(path: String, allowGaps: Bool = true) throws(Problem) -> [Candle] {
        try CandleFormat.read(path: path, allowGaps: allowGaps)
    }

    public static func parse(_ bytes: [UInt8], file: String, allowGaps: Bool = true) throws(Problem) -> [Candle] {
        let lines = bytes.withUnsafeBufferPointer { b in b.isEmpty ? 0 : CandleFormat.newlines(b.baseAddress!, b.count) }
        var reader = Reader(file: file, allowGaps: allowGaps, expectedRows: lines + 1)
        var data = bytes
        if data.last != 0x0A { data.append(0x0A) }
        try data.withUnsafeBufferPointer { buffer throws(Problem) in _ = try reader.consume(buffer) }
        return try reader.finish()
    }

    /// Parses complete lines as they arrive (a file is read in chunks: memory stays at the
    /// candles themselves).
    struct Reader {
        let file: String
        let allowGaps: Bool
        var candles: [Candle] = []
        var columns: Columns?
        /// The columns are `CandleCSV.header`'s, in its order (extra columns may follow): rows try
        /// `fastRow` first.
        var canonical = false
        /// Off: every row through `row` (tests compare both ways).
        var fastPath = true
        var lineNumber = 0
        var interval: Int64?
        var timeCache = CandleTimeCache()

        init(file: String, allowGaps: Bool, expectedRows: Int) {
            self.file = file
            self.allowGaps = allowGaps
            candles.reserveCapacity(max(16, expectedRows))
        }

        /// Consumes every complete line of `buffer`; returns how many bytes it used (the rest is an
        /// incomplete last line, to be given again with more bytes).
        mutating func consume(_ buffer: UnsafeBufferPointer<UInt8>) throws(Problem) -> Int {
            guard let base = buffer.baseAddress else { return 0 }
            var start = 0
            let count = buffer.count
            while start < count {
                if canonical, let used = try fastRow(base + start, count - start) {
                    start += used
                    continue
                }
                // memchr finds the newline a word (or a vector) at a time.
                guard let found = memchr(base + start, 0x0A, count - start) else { break }  // incomplete
                let end = base.distance(to: UnsafePointer(found.assumingMemoryBound(to: UInt8.self)))
                lineNumber += 1
                var lineEnd = end
                if lineEnd > start, base[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = UnsafeBufferPointer(start: base + start, count: lineEnd - start)
                start = end + 1
                if columns == nil {
                    switch CandleCSV.columns(line) {
                    case .success(let c):
                        columns = c
                        canonical = fastPath && c.time == 0 && c.open == 1 && c.high == 2 && c.low == 3 && c.close == 4 && c.volume == 5
                    case .failure(var problem):
                        problem.file = file
                        throw problem
                    }
                    continue
                }
                if line.isEmpty { continue }
                try row(line)
            }
            return start
        }

        mutating func row(_ line: UnsafeBufferPointer<UInt8>) throws(Problem) {
            let c = columns!
            // Start and length of each needed field, trimmed of spaces and quotes.
            var fields = (time: (0, 0), open: (0, 0), high: (0, 0), low: (0, 0), close: (0, 0), volume: (0, 0))
            var index = 0, start = 0
            let base = line.baseAddress!
            let count = line.count
            let needed = c.needed
            while index < needed {
                var i = start
                while i < count && base[i] != UInt8(ascii: ",") { i += 1 }
                var s = start, e = i
                while s < e, base[s] == 0x20 || base[s] == 0x22 { s += 1 }
                while e > s, base[e - 1] == 0x20 || base[e - 1] == 0x22 { e -= 1 }
                let field = (s, e - s)
                if index == c.time { fields.time = field }
                else if index == c.open { fields.open = field }
                else if index == c.high { fields.high = field }
                else if index == c.low { fields.low = field }
                else if index == c.close { fields.close = field }
                else if index == c.volume { fields.volume = field }
                index += 1
                start = i + 1
                if i >= count { break }
            }
            guard index >= needed else { throw problem("expected at least \(needed) comma-separated fields, got \(index)") }
            guard let time = timeCache.time(base + fields.time.0, fields.time.1) else {
                throw problem("the time is neither ISO 8601 (2018-01-10T04:55:00Z) nor epoch seconds or milliseconds")
            }
            guard let open = CandleText.fixed(base + fields.open.0, fields.open.1), open.units > 0 else { throw priceProblem("open") }
            guard let high = CandleText.fixed(base + fields.high.0, fields.high.1), high.units > 0 else { throw priceProblem("high") }
            guard let low = CandleText.fixed(base + fields.low.0, fields.low.1), low.units > 0 else { throw priceProblem("low") }
            guard let close = CandleText.fixed(base + fields.close.0, fields.close.1), close.units > 0 else { throw priceProblem("close") }
            guard let volume = CandleText.double(base + fields.volume.0, fields.volume.1), volume >= 0 else {
                throw problem("volume is not a non-negative number")
            }
            guard high >= low, high >= open, high >= close, low <= open, low <= close else {
                throw problem("high and low do not contain open and close")
            }
            try append(Candle(time: time, open: open, high: high, low: low, close: close, volume: volume))
        }

        func priceProblem(_ name: String) -> Problem { problem("\(name) is not a positive price with at most 8 decimal places") }

        mutating func append(_ candle: Candle) throws(Problem) {
            if let previousTime = lastTime {
                if candle.time == previousTime { throw problem("duplicate timestamp \(ISOTime.format(candle.time))") }
                if candle.time < previousTime {
                    throw problem("timestamp \(ISOTime.format(candle.time)) is before the previous row's \(ISOTime.format(previousTime))")
                }
                let step = candle.time - previousTime
                if let known = interval {
                    if !allowGaps && step != known {
                        throw problem("gap: \(step / known - 1) missing candle(s) before \(ISOTime.format(candle.time))")
                    }
                    if step < known { interval = step }
                } else {
                    interval = step
                }
            }
            candles.append(candle)
            lastTime = candle.time
        }

        var lastTime: Int64?

        func problem(_ message: String) -> Problem { Problem(file: file, line: lineNumber, message: message) }

        func finish() throws(Problem) -> [Candle] {
            if columns == nil { throw Problem(file: file, line: 1, message: "the file is empty; a candle file starts with a header such as \"\(CandleCSV.header)\"") }
            if candles.isEmpty { throw Problem(file: file, line: max(1, lineNumber), message: "no candles after the header") }
            return candles
        }
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
