import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A candle file on disk, in one of the formats people have: CSV with a header (`CandleCSV`) or
/// freqtrade's JSON (`[[ms, open, high, low, close, volume], …]`, `CandleJSON`), told apart by the
/// first byte. CSV is read in chunks, so memory is the candles, not the file.
public enum CandleFormat {
    /// Read a quarter of a megabyte at a time: the bytes are parsed while still in the cache.
    static let chunk = 256 << 10
    /// A longer line is not a candle.
    static let maxLine = 64 << 10

    /// Reads every candle of the file at `path`, refusing more than `maxBytes`.
    /// `noFollow`: the path is already resolved (a project file checked by `ProjectFile`), so a
    /// symlink found there now was swapped in since, and is refused.
    public static func read(path: String, allowGaps: Bool = true, maxBytes: Int = .max, noFollow: Bool = false) throws(CandleCSV.Problem) -> [Candle] {
        // Never blocks on a FIFO; what is opened is checked on its descriptor, not by its name.
        let fd = open(path, O_RDONLY | O_NONBLOCK | (noFollow ? O_NOFOLLOW : 0))
        guard fd >= 0 else { throw CandleCSV.Problem(file: path, line: 0, message: "cannot read the file") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw CandleCSV.Problem(file: path, line: 0, message: "not a regular file")
        }
        let size = Int(info.st_size)
        guard size <= maxBytes else { throw CandleCSV.Problem(file: path, line: 0, message: "the file is \(size) bytes; the limit is \(maxBytes)") }
        var buffer = [UInt8](repeating: 0, count: chunk + maxLine + 1)
        var filled = 0
        var total = 0
        var reader: CandleCSV.Reader?
        var json: [UInt8]?
        while true {
            let n = buffer.withUnsafeMutableBufferPointer { b in systemRead(fd, b.baseAddress! + filled, chunk) }
            guard n >= 0 else {
                if errno == EINTR { continue }
                throw CandleCSV.Problem(file: path, line: 0, message: "cannot read the file")
            }
            total += n
            guard total <= maxBytes else { throw CandleCSV.Problem(file: path, line: 0, message: "the file grew past the limit of \(maxBytes) bytes") }
            if reader == nil && json == nil {
                let first = buffer[filled..<(filled + n)].first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF }
                if first == UInt8(ascii: "[") {
                    json = []
                    json!.reserveCapacity(size + 1)
                } else {
                    // Reserve exactly, from the file's newlines (one memchr pass over what is already
                    // in the page cache): growing by doubling would hold the old and the new array at
                    // once, up to twice the candles at the peak, and an estimate from the first rows
                    // can fall short (shorter prices later on).
                    let lines = buffer.withUnsafeBufferPointer { b in Self.newlines(b.baseAddress! + filled, n) }
                        + Self.newlines(fd, from: total, upTo: size)
                    reader = CandleCSV.Reader(file: path, allowGaps: allowGaps, expectedRows: lines + 1)
                }
            }
            filled += n
            if json != nil {
                json!.append(contentsOf: buffer[0..<filled])
                filled = 0
                if n == 0 { break }
                continue
            }
            if n == 0 {
                // The last line may have no newline.
                if filled > 0 {
                    buffer[filled] = 0x0A
                    filled += 1
                    _ = try buffer.withUnsafeBufferPointer { b throws(CandleCSV.Problem) in try reader!.consume(UnsafeBufferPointer(rebasing: b[0..<filled])) }
                }
                break
            }
            let used = try buffer.withUnsafeBufferPointer { b throws(CandleCSV.Problem) in try reader!.consume(UnsafeBufferPointer(rebasing: b[0..<filled])) }
            let rest = filled - used
            guard rest <= maxLine else {
                throw CandleCSV.Problem(file: path, line: reader!.lineNumber + 1, message: "a line longer than \(maxLine) bytes is not a candle")
            }
            if rest > 0 { buffer.withUnsafeMutableBufferPointer { b in _ = memmove(b.baseAddress!, b.baseAddress! + used, rest) } }
            filled = rest
        }
        if let json { return try CandleJSON.parse(json, file: path, allowGaps: allowGaps) }
        guard let reader else { throw CandleCSV.Problem(file: path, line: 1, message: "the file is empty") }
        return try reader.finish()
    }
}

extension CandleFormat {
    static func newlines(_ p: UnsafePointer<UInt8>, _ count: Int) -> Int {
        var lines = 0
        var at = p
        let end = p + count
        while at < end, let found = memchr(at, 0x0A, end - at) {
            lines += 1
            at = UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) + 1
        }
        return lines
    }
}

extension CandleFormat {
    /// The newlines of the file from `offset` to `size` (or its end, if sooner), read with `pread`
    /// (the descriptor's position is left where it is).
    static func newlines(_ fd: Int32, from offset: Int, upTo size: Int) -> Int {
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 64)
        defer { scratch.deallocate() }
        var lines = 0
        var at = offset
        while at < size {
            let n = pread(fd, scratch, min(chunk, size - at), off_t(at))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            lines += newlines(UnsafePointer(scratch.assumingMemoryBound(to: UInt8.self)), n)
            at += n
        }
        return lines
    }
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        return Glibc.read(fd, buffer, count)
    #else
        return Darwin.read(fd, buffer, count)
    #endif
}

/// freqtrade's candle files: a JSON array of `[open time in ms, open, high, low, close, volume]`.
/// Read with a small parser over the bytes (numbers exact, as in CSV); errors name the line and
/// the candle's position.
public enum CandleJSON {
    public static func parse(_ bytes: [UInt8], file: String, allowGaps: Bool = true) throws(CandleCSV.Problem) -> [Candle] {
        var reader = CandleCSV.Reader(file: file, allowGaps: allowGaps, expectedRows: bytes.count / 60)
        var data = bytes
        data.append(0)
        return try data.withUnsafeBufferPointer { b throws(CandleCSV.Problem) -> [Candle] in
            let p = b.baseAddress!
            var i = 0
            var line = 1
            func skip() {
                while i < bytes.count, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 || p[i] == 0xEF || p[i] == 0xBB || p[i] == 0xBF {
                    if p[i] == 0x0A { line += 1 }
                    i += 1
                }
            }
            func fail(_ message: String) -> CandleCSV.Problem { CandleCSV.Problem(file: file, line: line, message: message) }
            func expect(_ c: UInt8, _ what: String) throws(CandleCSV.Problem) {
                skip()
                guard i < bytes.count, p[i] == c else { throw fail("expected \(what)") }
                i += 1
            }
            func number() throws(CandleCSV.Problem) -> (Int, Int) {
                skip()
                let start = i
                while i < bytes.count, (p[i] >= 48 && p[i] <= 57) || p[i] == 0x2E || p[i] == 0x2D || p[i] == 0x2B || p[i] == 0x65 || p[i] == 0x45 { i += 1 }
                guard i > start else { throw fail("expected a number") }
                return (start, i - start)
            }
            try expect(UInt8(ascii: "["), "a JSON array of candles: [[time ms, open, high, low, close, volume], …]")
            skip()
            if i < bytes.count, p[i] == UInt8(ascii: "]") { i += 1 }
            else {
                var index = 0
                while true {
                    index += 1
                    try expect(UInt8(ascii: "["), "candle \(index): a list [time ms, open, high, low, close, volume]")
                    reader.lineNumber = line
                    var fields: [(Int, Int)] = []
                    fields.reserveCapacity(6)
                    fields.append(try number())
                    for _ in 0..<5 {
                        try expect(UInt8(ascii: ","), "candle \(index): six numbers")
                        fields.append(try number())
                    }
                    skip()
                    // freqtrade writes exactly six; tolerate extra trailing numbers.
                    while i < bytes.count, p[i] == UInt8(ascii: ",") {
                        i += 1
                        _ = try number()
                        skip()
                    }
                    try expect(UInt8(ascii: "]"), "candle \(index): ] after its six numbers")
                    guard let ms = CandleText.integer(p + fields[0].0, fields[0].1) ?? CandleText.double(p + fields[0].0, fields[0].1).map({ Int64($0) }),
                        ms >= 0
                    else { throw fail("candle \(index): the time is not epoch milliseconds") }
                    var prices: [Fixed] = []
                    for (k, name) in ["open", "high", "low", "close"].enumerated() {
                        guard let v = CandleText.fixed(p + fields[k + 1].0, fields[k + 1].1), v.units > 0 else {
                            throw fail("candle \(index): \(name) is not a positive price with at most 8 decimal places")
                        }
                        prices.append(v)
                    }
                    guard let volume = CandleText.double(p + fields[5].0, fields[5].1), volume >= 0 else {
                        throw fail("candle \(index): volume is not a non-negative number")
                    }
                    let (o, h, l, c) = (prices[0], prices[1], prices[2], prices[3])
                    guard h >= l, h >= o, h >= c, l <= o, l <= c else { throw fail("candle \(index): high and low do not contain open and close") }
                    try reader.append(Candle(time: ms / 1000, open: o, high: h, low: l, close: c, volume: volume))
                    skip()
                    guard i < bytes.count else { throw fail("the array is never closed") }
                    if p[i] == UInt8(ascii: ",") { i += 1; continue }
                    if p[i] == UInt8(ascii: "]") { i += 1; break }
                    throw fail("expected , or ] after candle \(index)")
                }
            }
            skip()
            guard i == bytes.count else { throw fail("unexpected text after the array") }
            reader.columns = CandleCSV.Columns()
            return try reader.finish()
        }
    }
}
