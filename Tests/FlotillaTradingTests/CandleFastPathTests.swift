import FlotillaTesting
import Foundation
import Testing

@testable import FlotillaTrading

/// The fast reading of the common candle row changes the speed only: every row reads as the
/// general reader reads it (the same candle, or the same line-numbered error), wherever the file's
/// chunks happen to split it, and the candles are held in an array sized once.
@Suite("Candle reading fast path")
struct CandleFastPathTests {
    static let header = "timestamp,open,high,low,close,volume\n"
    static let t0: Int64 = 1_515_560_100  // 2018-01-10T04:55:00Z

    /// Reads `text` with the fast path on or off (every row through `CandleCSV.Reader.row`).
    static func read(_ text: String, fast: Bool) -> Result<[Candle], CandleCSV.Problem> {
        var reader = CandleCSV.Reader(file: "x.csv", allowGaps: true, expectedRows: 16)
        reader.fastPath = fast
        var bytes = Array(text.utf8)
        if bytes.last != 0x0A { bytes.append(0x0A) }
        do {
            try bytes.withUnsafeBufferPointer { b throws(CandleCSV.Problem) in _ = try reader.consume(b) }
            return .success(try reader.finish())
        } catch {
            return .failure(error)
        }
    }

    /// A row and what it reads as: its open price (nil: refused, with a message containing `refusal`).
    @Test("each row reads the same with and without the fast path", arguments: [
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5,10", "1", ""),
        ("2018-01-10T04:55:00Z,1.12345678,2,0.5,1.5,10", "1.12345678", ""),
        ("2018-01-10T04:55:00Z,1.123456789,2,0.5,1.5,10", nil, "at most 8 decimal places"),
        ("2018-01-10T04:55:00Z,1.500000000,2,0.5,1.5,10", "1.5", ""),  // a ninth place that is 0 loses nothing
        ("2018-01-10T04:55:00Z,92233720369,92233720369,92233720369,92233720369,1", nil, "positive price"),  // × 10⁸ overflows
        ("2018-01-10T04:55:00Z,922337203685477580,2,0.5,1.5,10", nil, "positive price"),  // 18 digits, × 10⁸ overflows
        ("2018-01-10T04:55:00Z,92233720368,92233720368,92233720368,92233720368,1", "92233720368", ""),
        ("2018-01-10T04:55:00Z,92233720368.54775807,92233720368.54775807,92233720368.54775807,92233720368.54775807,1", "92233720368.54775807", ""),
        ("2018-01-10T04:55:00Z,92233720368.54775808,92233720368.54775808,92233720368.54775808,92233720368.54775808,1", nil, "positive price"),
        ("2018-01-10T04:55:00Z,1234567890123456789,2,0.5,1.5,10", nil, "positive price"),
        ("2018-01-10T04:55:00Z,00000000000000000001.5,2,0.5,1.5,10", "1.5", ""),  // 21 digits, a small value
        ("2018-01-10T04:55:00Z,.5,2,0.5,1.5,10", "0.5", ""),
        ("2018-01-10T04:55:00Z,1.,2,0.5,1.5,10", "1", ""),
        ("2018-01-10T04:55:00Z,.,2,0.5,1.5,10", nil, "open is not a positive price"),
        ("2018-01-10T04:55:00Z,,2,0.5,1.5,10", nil, "open is not a positive price"),
        ("2018-01-10T04:55:00Z,1e-5,2,0.000005,1.5,10", "0.00001", ""),
        ("2018-01-10T04:55:00Z,+1,2,0.5,1.5,10", "1", ""),
        ("2018-01-10T04:55:00Z,0,2,0.5,1.5,10", nil, "open is not a positive price"),
        ("2018-01-10T04:55:00Z,-1,2,0.5,1.5,10", nil, "open is not a positive price"),
        ("2018-01-10T04:55:00Z,1.2.3,2,0.5,1.5,10", nil, "open is not a positive price"),
        ("2018-01-10T04:55:00Z, 1 ,\"2\",0.5,1.5,10", "1", ""),
        ("\"2018-01-10T04:55:00Z\",1,2,0.5,1.5,10", "1", ""),
        (" 2018-01-10T04:55:00Z,1,2,0.5,1.5,10", "1", ""),
        ("2018-01-10T04:55:00Z,1,0.5,2,1.5,10", nil, "do not contain"),
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5,10\r", "1", ""),  // CRLF
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5,10\r\r", nil, "volume"),  // one CR is a line end, two are not
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5,10,7,anything", "1", ""),  // extra columns
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5,0", "1", ""),
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5,.25", "1", ""),
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5,0.0000000000000000000001", "1", ""),
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5,12345678901234567890123", "1", ""),  // more digits than a UInt64
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5,1e3", "1", ""),
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5,-4", nil, "volume"),
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5,", nil, "volume"),
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5", nil, "comma-separated fields"),
        ("2018-01-10T04:55:00Z", nil, "comma-separated fields"),
        ("1515560100,1,2,0.5,1.5,10", "1", ""),
        ("1515560100000,1,2,0.5,1.5,10", "1", ""),
        ("1515560100.5,1,2,0.5,1.5,10", "1", ""),
        ("1515560100x,1,2,0.5,1.5,10", nil, "neither ISO 8601"),
        ("-1515560100,1,2,0.5,1.5,10", nil, "neither ISO 8601"),
        ("2018-01-10T04:55:00,1,2,0.5,1.5,10", "1", ""),
        ("2018-01-10 04:55:00,1,2,0.5,1.5,10", "1", ""),
        ("2018-01-10T05:55:00+01:00,1,2,0.5,1.5,10", "1", ""),
        ("2018-01-10T04:55:00.999Z,1,2,0.5,1.5,10", "1", ""),
        ("2018-02-30T04:55:00Z,1,2,0.5,1.5,10", "1", ""),  // as the general reader has it: days to 31
        ("2018-13-10T04:55:00Z,1,2,0.5,1.5,10", nil, "neither ISO 8601"),
        ("2018-01-10T24:55:00Z,1,2,0.5,1.5,10", nil, "neither ISO 8601"),
        ("2018-01-10T04:55:00Q,1,2,0.5,1.5,10", nil, "neither ISO 8601"),
        (",1,2,0.5,1.5,10", nil, "neither ISO 8601"),
    ] as [(String, String?, String)])
    func sameBothWays(_ row: String, _ open: String?, _ refusal: String) throws {
        let text = Self.header + row + "\n"
        let fast = Self.read(text, fast: true), slow = Self.read(text, fast: false)
        #expect(fast == slow)
        switch fast {
        case .success(let candles):
            #expect(open != nil, "must be refused")
            #expect(candles.first?.open == open.flatMap { Fixed(parsing: $0) })
            #expect(candles.first?.time == Self.t0 || !row.hasPrefix("2018-01-10T04:55:00Z"))
        case .failure(let problem):
            #expect(open == nil, "\(problem)")
            #expect(problem.line == 2 && problem.message.contains(refusal), "\(problem)")
        }
    }

    @Test("a volume reads as the general reader's Double, bit for bit", arguments: [
        "10", "0.1", "1820.54447418", "0.00000001", "123456789.123456789", "9999999999999999999", "0.1234567890123456789012", "7.",
    ])
    func volumeBits(_ volume: String) {
        let text = Self.header + "2018-01-10T04:55:00Z,1,2,0.5,1.5,\(volume)\n"
        let fast = try? Self.read(text, fast: true).get(), slow = try? Self.read(text, fast: false).get()
        #expect(fast?.first?.volume.bitPattern == slow?.first?.volume.bitPattern)
        let expected = Double(volume)!
        #expect(abs((fast?.first?.volume ?? -1) - expected) <= expected * 1e-15)
    }

    @Test("later rows' errors name their line on the fast path too", arguments: [
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5,10\n2018-01-10T04:55:00Z,1,2,0.5,1.5,10\n", 3, "duplicate timestamp"),
        ("2018-01-10T05:00:00Z,1,2,0.5,1.5,10\n2018-01-10T04:55:00Z,1,2,0.5,1.5,10\n", 3, "is before the previous row"),
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5,10\n\n\n2018-01-10T05:00:00Z,1,2,0.5,1.5,10\n2018-01-10T05:00:00Z,1,2,0.5,1.5,10\n", 6, "duplicate"),
        ("2018-01-10T04:55:00Z,1,2,0.5,1.5,10\r\n2018-01-10T05:00:00Z,1,2,0.5,1.5,x\r\n", 3, "volume"),
    ])
    func lineNumbers(_ body: String, _ line: Int, _ message: String) {
        let fast = Self.read(Self.header + body, fast: true)
        #expect(fast == Self.read(Self.header + body, fast: false))
        guard case .failure(let problem) = fast else {
            Issue.record("must fail")
            return
        }
        #expect(problem.line == line && problem.message.contains(message), "\(problem)")
    }

    /// A file whose chunk boundary falls `shift` bytes into one row (LF or CRLF ends, the last line
    /// with or without its newline) reads as the same bytes in one piece.
    @Test("a row split across chunks reads whole", arguments: Array(0..<44), [false, true])
    func splitAcrossChunks(_ shift: Int, _ crlf: Bool) throws {
        let end = crlf ? "\r\n" : "\n"
        func row(_ i: Int) -> String { "\(ISOTime.format(Self.t0 + Int64(i) * 60)),1.5,2.25,0.75,1.25,\(i % 10)" + end }
        var rows: [String] = []
        var length = ("timestamp,open,high,low,close,volume" + end).utf8.count
        while length + row(rows.count).utf8.count <= CandleFormat.chunk - shift { length += row(rows.count).utf8.count; rows.append(row(rows.count)) }
        // Leading zeros widen the last of them so that the next row starts `shift` bytes before the boundary.
        let last = rows.count - 1, pad = CandleFormat.chunk - shift - length
        rows[last] = row(last).replacingOccurrences(of: ",\(last % 10)\(end)", with: "," + String(repeating: "0", count: pad) + "\(last % 10)\(end)")
        for k in rows.count..<(rows.count + 3) { rows.append(row(k)) }
        var text = "timestamp,open,high,low,close,volume" + end + rows[...last].joined()
        #expect(text.utf8.count == CandleFormat.chunk - shift)
        text += rows[(last + 1)...].joined()
        if shift % 2 == 1 { text.removeLast() }  // the last line without its newline ("\r\n" is one Character)
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("split.csv")
        try Data(text.utf8).write(to: url)
        let candles = try CandleCSV.read(path: url.path)
        #expect(candles == (try Self.read(text, fast: false).get()))
        #expect(candles.count == rows.count)
    }

    @Test("the candles are held in an array sized once, even when later rows are shorter than the first")
    func reservedOnce() throws {
        var text = Self.header
        for i in 0..<4000 { text += "\(ISOTime.format(Self.t0 + Int64(i) * 60)),12345.12345678,12345.12345678,12345.12345678,12345.12345678,1234567.1234\n" }
        for i in 4000..<40_000 { text += "\(Self.t0 + Int64(i) * 60),1,1,1,1,1\n" }
        let url = try Fixtures.temporaryDirectory().appendingPathComponent("shrinking.csv")
        try Data(text.utf8).write(to: url)
        let candles = try CandleCSV.read(path: url.path)
        #expect(candles.count == 40_000)
        #expect(candles.capacity < 40_000 + 40_000 / 100, "no growth by doubling: capacity \(candles.capacity)")
    }
}
