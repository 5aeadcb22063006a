import FlotillaCLI
import FlotillaTesting
import Foundation
import Testing

@Suite("flotilla backtest reports gaps in the candles")
struct BacktestGapsTests {
    @Test("a file with missing candles is backtested; the summary and the JSON say how many, the longest and where")
    func gaps() async throws {
        let p = try Project()
        // ETH_BTC-5m with two holes cut out: 12 candles after 2018-01-12T00:00, 3 after 2018-01-20T12:00.
        let lines = try String(contentsOf: Fixtures.bundledCandles("ETH_BTC-5m.csv"), encoding: .utf8).split(separator: "\n")
        func start(_ time: String) -> Int { lines.firstIndex { $0.hasPrefix(time) }! }
        let a = start("2018-01-12T00:00:00Z"), b = start("2018-01-20T12:00:00Z")
        let kept = lines[..<(a + 1)] + lines[(a + 13)..<(b + 1)] + lines[(b + 4)...]
        let file = p.dir.appendingPathComponent("holes.csv")
        try (kept.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let spec = p.dir.appendingPathComponent("bots.d/eth-trend.yaml").path
        let text = await p.run("backtest", "-f", spec, "--data", file.path)
        #expect(text.code == 0, "\(text.err)")
        #expect(text.out.contains("Gaps                  2 (15 candles missing); longest 1h5m, 2018-01-12T00:00:00Z → 2018-01-12T01:05:00Z"), "\(text.out)")
        let json = await p.run("backtest", "-f", spec, "--data", file.path, "--json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        let gaps = try #require(object["gaps"] as? [String: Any])
        #expect(gaps["count"] as? Int == 2)
        #expect(gaps["missingCandles"] as? Int == 15)
        #expect(gaps["largestSeconds"] as? Int == 3900)
        #expect(gaps["largestAfter"] as? String == "2018-01-12T00:00:00Z")
    }
}
