import FlotillaSpec
import FlotillaTesting
import Testing

/// `market.source: { live: binance | coinbase }`: candles from a real venue, validated like every field.
@Suite("live market sources")
struct LiveSourceTests {
    static let replay = "source: { replay: ETH_BTC-5m.csv, speed: 600 }"

    static func bot(source: String, interval: String = "5m") -> String {
        Fixtures.botYAML([replay: source, "interval: 5m": "interval: \(interval)"])
    }

    @Test("a live source decodes, with or without an account, and shows in the resolved fields", arguments: [
        ("source: { live: binance }", MarketSource.Feed.live(venue: .binance, account: nil)),
        ("source: { live: coinbase, account: cb-main }", MarketSource.Feed.live(venue: .coinbase, account: "cb-main")),
    ])
    func decodes(source: String, feed: MarketSource.Feed) throws {
        // The account a live source names is a kind: Account of its venue.
        let account = SpecSource(name: "accounts/cb-main.yaml", text: """
            apiVersion: flotilla/v1
            kind: Account
            metadata: { name: cb-main }
            spec: { venue: coinbase, mode: live, liveEnabled: true, credentials: { keyName: env:N, privateKey: env:P } }
            """, kind: .account)
        let sources = try Fixtures.shippedProfiles() + [account, SpecSource(name: "bots.d/test.yaml", text: Self.bot(source: source), kind: .bot)]
        let bot = try #require(try SpecLoader.load(sources: sources).bots.first)
        #expect(bot.market.source.feed == feed)
        #expect(bot.market.source.isLive)
        #expect(bot.market.source.replayFile(for: "ETH-BTC") == nil)
    }

    @Test("a live source changes the bot's hash (a new revision), as any market field does")
    func hashes() throws {
        let a = try #require(try Fixtures.resolve(Self.bot(source: "source: { live: binance }")).first)
        let b = try #require(try Fixtures.resolve(Self.bot(source: "source: { live: coinbase }")).first)
        let c = try #require(try Fixtures.resolve(Fixtures.botYAML()).first)
        #expect(Set([a.specHash, b.specHash, c.specHash]).count == 3)
    }

    struct Bad: Sendable, CustomStringConvertible {
        var source: String
        var interval = "5m"
        var path: String
        var message: String
        /// Where the diagnostic points on line 9 (`market: …`): the first occurrence of this text.
        var at: String
        var description: String { source }
    }

    @Test("a wrong live source is an error at its place that says what to write", arguments: [
        Bad(source: "source: { live: binanse }", path: "spec.market.source.live", message: "did you mean \"binance\"", at: "binanse"),
        Bad(source: "source: { live: kraken }", path: "spec.market.source.live", message: "binance or coinbase", at: "kraken"),
        Bad(source: "source: { live: binance }", interval: "7m", path: "spec.market.interval", message: "1m, 5m, 15m", at: "7m"),
        Bad(source: "source: { live: binance, speed: 10 }", path: "spec.market.source.speed", message: "remove speed", at: "10"),
        Bad(source: "source: { replay: x.csv, account: main }", path: "spec.market.source.account", message: "live: binance", at: "main"),
        Bad(source: "source: { replay: x.csv, live: binance }", path: "spec.market.source", message: "not several", at: "binance"),
        Bad(source: "source: { live: binance, account: \"no such!\" }", path: "spec.market.source.account", message: "is not a valid name", at: "\"no such!\""),
        Bad(source: "source: { live: binance, acount: main }", path: "spec.market.source.acount", message: "did you mean \"account\"", at: "acount"),
    ])
    func refused(_ c: Bad) throws {
        let text = Self.bot(source: c.source, interval: c.interval)
        let diagnostics = SpecLoader.diagnose(bytes: Array(text.utf8), file: "bots.d/x.yaml", kind: .bot)
        let d = try #require(diagnostics.first { $0.path == c.path }, "\(diagnostics)")
        #expect(d.message.contains(c.message), "\(d)")
        let line = text.components(separatedBy: "\n")[8]
        let column = try #require(line.range(of: c.at)).lowerBound.utf16Offset(in: line) + 1
        #expect(d.mark.line == 9 && d.mark.column == column, "\(d)")
        #expect(d.description.hasPrefix("bots.d/x.yaml:9:\(column): \(c.path): "), "\(d)")
    }

    @Test("the JSON schema knows live sources")
    func schema() {
        let schema = JSONSchemas.bot()
        #expect(schema.contains("\"live\""))
        #expect(schema.contains("\"coinbase\""))
    }
}
