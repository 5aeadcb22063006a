import Foundation

/// The candle files shipped inside Flotilla, so the example bots run anywhere (credits: freqtrade's
/// test data for the crypto markets, backtesting.py's sample data for GOOG and BTCUSD).
public enum BundledData {
    /// Names of the bundled files, e.g. `ETH_BTC-5m.csv`.
    public static var names: [String] {
        guard let dir = directory else { return [] }
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasSuffix(".csv") }.sorted()
    }

    public static var directory: URL? { Bundle.module.resourceURL?.appendingPathComponent("Bundled") }

    /// The path of a bundled file, or nil.
    public static func path(_ name: String) -> String? {
        guard let dir = directory else { return nil }
        let path = dir.appendingPathComponent(name).path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

}
