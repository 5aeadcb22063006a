import FlotillaSpec
import Foundation

/// Paths and builders shared by the test targets.
public enum Fixtures {
    /// The repository's top directory (this file is Sources/FlotillaTesting/Fixtures.swift).
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var directory: URL { repositoryRoot.appendingPathComponent("Tests/Fixtures") }

    public static func url(_ relative: String) -> URL { directory.appendingPathComponent(relative) }

    public static func text(_ relative: String) throws -> String {
        try String(contentsOf: url(relative), encoding: .utf8)
    }

    /// The YAML files in a fixtures folder, sorted.
    public static func files(in relative: String) -> [URL] {
        let folder = url(relative)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// A fresh temporary directory holding a copy of the shipped bots.d/ and profiles/.
    public static func projectCopy() throws -> URL {
        let dir = try temporaryDirectory()
        for folder in ["bots.d", "profiles"] {
            try FileManager.default.copyItem(
                at: repositoryRoot.appendingPathComponent(folder), to: dir.appendingPathComponent(folder))
        }
        return dir
    }

    public static func temporaryDirectory() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// The shipped profiles, as text sources.
    public static func shippedProfiles() throws -> [SpecSource] {
        try ["conservative", "moderate", "aggressive"].map { name in
            SpecSource(
                name: "profiles/\(name).yaml",
                text: try String(contentsOf: repositoryRoot.appendingPathComponent("profiles/\(name).yaml"), encoding: .utf8),
                kind: .profile)
        }
    }

    /// A candle file shipped with Flotilla (`Sources/FlotillaTrading/MarketData/Bundled`).
    public static func bundledCandles(_ name: String) -> URL {
        repositoryRoot.appendingPathComponent("Sources/FlotillaTrading/MarketData/Bundled").appendingPathComponent(name)
    }

    /// Resolves bot documents given as YAML text against the shipped profiles.
    public static func resolve(_ yaml: String..., file: String = "bots.d/test.yaml") throws -> [ResolvedBot] {
        let sources = try shippedProfiles() + yaml.enumerated().map { i, text in
            SpecSource(name: yaml.count == 1 ? file : "bots.d/test-\(i).yaml", text: text, kind: .bot)
        }
        return try SpecLoader.load(sources: sources).bots
    }

    /// The market line of `botYAML` and the shipped eth-trend bot: a replay of bundled candles.
    public static let replayMarket = "market: { symbol: ETH-BTC, interval: 5m, source: { replay: ETH_BTC-5m.csv, speed: 600 } }"

    /// A complete, valid bot spec; `replace` swaps text in it to make variants.
    public static func botYAML(name: String = "test-bot", _ replacements: [String: String] = [:]) -> String {
        var text = """
            apiVersion: flotilla/v1
            kind: Bot
            metadata:
              name: \(name)
              labels: { team: alpha }
            spec:
              profile: moderate
              venue: { kind: paper, account: main }
              market: { symbol: ETH-BTC, interval: 5m, source: { replay: ETH_BTC-5m.csv, speed: 600 } }
              strategy: { kind: ma_crossover, params: { fast: 10, slow: 30 } }
              capital: { quote: 1000 }
              risk: { maxPositionPct: 25 }
              deploy:
                strategy: canary
                canary:
                  steps: [ { setCapital: 10% }, { pause: 30m }, { analysis: default } ]

            """
        for (old, new) in replacements {
            precondition(text.contains(old), "botYAML has no \(old)")
            text = text.replacingOccurrences(of: old, with: new)
        }
        return text
    }
}
