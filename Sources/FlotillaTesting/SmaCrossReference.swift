import Foundation

/// One backtesting.py 0.6.6 run of its SmaCross strategy, as tools/reference/backtesting_reference.py
/// wrote it into Tests/Fixtures/reference/backtesting-sma-cross.json: what the engine-only and the
/// spec-path cross-checks compare against.
public struct SmaCrossReference: Decodable, Sendable {
    public struct Trade: Decodable, Sendable {
        public var size: String
        public var entryTime: String
        public var exitTime: String
        public var entryPrice: Double
        public var exitPrice: Double
        public var pnl: Double
    }
    public var file: String
    /// The bot of Tests/Fixtures/backtest/sma-cross.yaml that runs it through the spec path.
    public var bot: String
    public var fast: Int
    public var slow: Int
    public var cash: Double
    public var commission: Double
    /// "1": backtesting.py's `Backtest` (whole units); "0.00000001": `FractionalBacktest`.
    public var lot: String
    public var finalEquity: Double
    public var trades: [Trade]

    /// How a test names the run.
    public var testDescription: String { "\(file) SMA(\(fast)/\(slow)), lot \(lot), commission \(commission * 100)%" }

    public static func all() -> [SmaCrossReference] {
        struct File: Decodable { var runs: [SmaCrossReference] }
        let data = try! Data(contentsOf: Fixtures.url("reference/backtesting-sma-cross.json"))
        return try! JSONDecoder().decode(File.self, from: data).runs
    }
}
