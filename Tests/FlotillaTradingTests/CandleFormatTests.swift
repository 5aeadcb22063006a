import FlotillaTesting
import Foundation
import Testing

@testable import FlotillaTrading

/// Candles in the formats people have: CSV by header (any order, any case, extra columns, a BOM,
/// several time notations) and freqtrade's JSON; everything else a line-numbered error.
@Suite("Candle formats")
struct CandleFormatTests {
    static let t0: Int64 = 1_515_560_100  // 2018-01-10T04:55:00Z

    static func write(_ text: String, _ name: String = "c.csv") throws -> String {
        let url = try Fixtures.temporaryDirectory().appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test("accepted CSV headers and times", arguments: [
        ("timestamp,open,high,low,close,volume\n2018-01-10T04:55:00Z,1,2,0.5,1.5,10\n", t0),
        ("\u{FEFF}Date,Open,High,Low,Close,Volume\n2018-01-10 04:55:00,1,2,0.5,1.5,10\n", t0),
        ("open_time,volume,close,low,high,open,trades\n1515560100000,10,1.5,0.5,2,1,7\n", t0),
        ("time,open,high,low,close,volume\n1515560100,1,2,0.5,1.5,10\n", t0),
        ("datetime,open,high,low,close,volume\n2018-01-10T05:55:00+01:00,1,2,0.5,1.5,10\n", t0),
        ("datetime,open,high,low,close,volume\n2018-01-10T04:55:00.250Z,1,2,0.5,1.5,10\n", t0),
        ("date,open,high,low,close,volume\r\n2018-01-10,1,2,0.5,1.5,1e3\r\n", t0 - 17_700),
        ("timestamp,open,high,low,close,volume\n\"2018-01-10T04:55:00Z\",1e-05,2e-05,5e-06,1.5e-05,10", t0),
    ])
    func accepted(_ text: String, _ time: Int64) throws {
        let candles = try CandleCSV.read(path: try Self.write(text))
        #expect(candles.count == 1)
        #expect(candles.first?.time == time)
        #expect(try CandleCSV.parse(Array(text.utf8), file: "x.csv").first == candles.first, "bytes and files read the same")
    }

    @Test("refused CSV, each with its line", arguments: [
        ("when,open,high,low,close,volume\n2018-01-10T04:55:00Z,1,2,0.5,1.5,10\n", 1, "no time (timestamp"),
        ("timestamp,open,high,low,close\n2018-01-10T04:55:00Z,1,2,0.5,1.5\n", 1, "no volume column"),
        ("timestamp,open,high,low,close,volume\n2018-01-10T04:55:00Z,1,2,0.5,1.5,10\n2018-13-10T04:55:00Z,1,2,0.5,1.5,10\n", 3, "neither ISO 8601"),
        ("timestamp,open,high,low,close,volume\n2018-01-10T04:55:00+25:00,1,2,0.5,1.5,10\n", 2, "neither ISO 8601"),
        ("timestamp,open,high,low,close,volume\n2018-01-10T04:55:00Z,1.123456789,2,0.5,1.5,10\n", 2, "at most 8 decimal places"),
        ("timestamp,open,high,low,close,volume\n2018-01-10T04:55:00Z,1,2,0.5\n", 2, "comma-separated fields"),
        ("", 1, "empty"),
    ])
    func refused(_ text: String, _ line: Int, _ message: String) throws {
        do {
            _ = try CandleCSV.read(path: try Self.write(text))
            Issue.record("must fail")
        } catch let error as CandleCSV.Problem {
            #expect(error.line == line, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("freqtrade's JSON candle files read like CSV")
    func freqtradeJSON() throws {
        let text = "[[1515560100000,0.0984,0.0994766,0.09828605,0.0994766,1820.54447418],\n [1515560400000,0.0994766,0.1,0.099,0.0999,12.5]]"
        let candles = try CandleCSV.read(path: try Self.write(text, "ETH_BTC-5m.json"))
        #expect(candles.count == 2)
        #expect(candles[0].time == Self.t0 && candles[1].time == Self.t0 + 300)
        #expect(candles[0].high == Fixed(parsing: "0.0994766"))
        #expect(candles[1].volume == 12.5)
    }

    @Test("broken freqtrade JSON is refused with its line", arguments: [
        ("[[1515560100000,1,2,0.5,1.5]]", 1, "six numbers"),
        ("[[1515560100000,1,2,0.5,1.5,10],\n[1515560100000,1,2,0.5,1.5,10]]", 2, "duplicate timestamp"),
        ("[[1515560100000,1,2,0.5,1.5,10]", 1, "never closed"),
        ("[[1515560100000,1,0.4,0.5,1.5,10]]", 1, "do not contain"),
    ])
    func brokenJSON(_ text: String, _ line: Int, _ message: String) throws {
        do {
            _ = try CandleCSV.read(path: try Self.write(text, "x.json"))
            Issue.record("must fail")
        } catch let error as CandleCSV.Problem {
            #expect(error.line == line && error.message.contains(message), "\(error)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test("a file larger than the chunk size reads the same as in one piece")
    func chunked() throws {
        var text = "timestamp,open,high,low,close,volume\n"
        for i in 0..<120_000 { text += "\(ISOTime.format(Self.t0 + Int64(i) * 60)),1.00000001,2,0.5,1.5,\(i)\n" }
        let path = try Self.write(text)
        let candles = try CandleCSV.read(path: path)
        #expect(candles.count == 120_000)
        #expect(candles == (try CandleCSV.parse(Array(text.utf8), file: path)))
        #expect(candles.last?.volume == 119_999)
    }
}
