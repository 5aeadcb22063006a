import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

/// Exchange accounts are declared once in `accounts/`; bots trade through them by name, and what
/// an account is (test network or real money) is part of every bot on it.
@Suite("Accounts: bots on exchanges trade through declared accounts")
struct AccountTests {
    static func account(_ name: String = "bn-test", venue: String = "binance", mode: String = "testnet", extra: String = "") -> SpecSource {
        let credentials = venue == "coinbase"
            ? "{ keyName: env:CDP_KEY_NAME, privateKey: file:/secure/cdp.pem }"
            : "{ apiKey: env:BINANCE_API_KEY, secretKey: env:BINANCE_SECRET_KEY }"
        return SpecSource(name: "accounts/\(name).yaml", text: """
            apiVersion: flotilla/v1
            kind: Account
            metadata: { name: \(name) }
            spec:
              venue: \(venue)
              mode: \(mode)
              credentials: \(credentials)
            \(extra)
            """, kind: .account)
    }

    static func bot(venue: String) -> SpecSource {
        // An exchange bot trades on its exchange's candles (a replay is for paper, or a simulator on loopback).
        let market = venue.contains("binance") ? [Fixtures.replayMarket: "market: { symbol: BTC-USDT, interval: 5m, source: { live: binance } }"] : [:]
        return SpecSource(name: "bots.d/test-bot.yaml", text: Fixtures.botYAML(["venue: { kind: paper, account: main }": "venue: \(venue)"].merging(market) { a, _ in a }), kind: .bot)
    }

    static func load(_ sources: [SpecSource]) throws -> SpecSet { try SpecLoader.load(sources: try Fixtures.shippedProfiles() + sources) }

    struct Mismatch: Sendable, CustomTestStringConvertible {
        var venue: String
        var accounts: [SpecSource]
        var expected: String
        var source: String? = nil
        var testDescription: String { expected }
    }

    static let mismatches: [Mismatch] = [
        Mismatch(venue: "{ kind: binance, account: nowhere }", accounts: [account()],
                 expected: "bots.d/test-bot.yaml:8:36: spec.venue.account: unknown account \"nowhere\""),
        Mismatch(venue: "{ kind: binance, account: bn-tset }", accounts: [account()],
                 expected: "unknown account \"bn-tset\" (did you mean \"bn-test\"?)"),
        Mismatch(venue: "{ kind: coinbase, account: bn-test }", accounts: [account()],
                 expected: "spec.venue.kind: account bn-test is a binance account (accounts/bn-test.yaml), not coinbase"),
        Mismatch(venue: "{ kind: paper, account: bn-test }", accounts: [account()],
                 expected: "spec.venue.account: bn-test is a binance account (accounts/bn-test.yaml); a paper bot's account names a paper ledger"),
        Mismatch(venue: "{ kind: binance, account: main }", accounts: [],
                 expected: "(accounts: none)"),
        Mismatch(venue: "{ kind: paper }", accounts: [account()],
                 expected: "spec.market.source.account: account bn-test is a binance account (accounts/bn-test.yaml); a live: coinbase source reads through a coinbase account",
                 source: "source: { live: coinbase, account: bn-test }"),
        Mismatch(venue: "{ kind: paper }", accounts: [],
                 expected: "spec.market.source.account: unknown account \"nope\"", source: "source: { live: binance, account: nope }"),
        Mismatch(venue: "{ kind: binance }", accounts: [account()],
                 expected: "spec.venue.account: is required for a binance bot: name the kind: Account in accounts/ it trades through (accounts: bn-test)"),
    ]

    @Test("a paper bot on the implicit account is a paper ledger, whatever accounts/ holds")
    func implicitMainIsPaper() throws {
        let live = Self.account("main", venue: "coinbase", mode: "live", extra: "  liveEnabled: true")
        let bot = SpecSource(name: "bots.d/test-bot.yaml", text: Fixtures.botYAML(["  venue: { kind: paper, account: main }\n": ""]), kind: .bot)
        let specs = try Self.load([live, bot])
        #expect(specs.bots[0].venue.kind == .paper && specs.bots[0].venue.mode == nil)
    }

    struct Endpoint: Sendable, CustomTestStringConvertible {
        var venue: VenueSpec.Kind
        var mode: AccountMode
        var url: String
        var accepted: Bool
        var testDescription: String { "\(venue.rawValue) \(mode.rawValue) \(url) → \(accepted ? "accepted" : "refused")" }
    }

    /// Credentials are sent to the endpoint: only the venue's own hosts for the account's mode,
    /// or loopback; never a look-alike.
    static let endpoints: [Endpoint] = [
        Endpoint(venue: .binance, mode: .testnet, url: "https://testnet.binance.vision", accepted: true),
        Endpoint(venue: .binance, mode: .testnet, url: "https://testnet.binance.vision/", accepted: true),
        Endpoint(venue: .binance, mode: .testnet, url: "http://127.0.0.1:9000", accepted: true),
        Endpoint(venue: .binance, mode: .testnet, url: "http://localhost:9000", accepted: true),
        Endpoint(venue: .binance, mode: .testnet, url: "http://[::1]:9000", accepted: true),
        Endpoint(venue: .binance, mode: .live, url: "https://api.binance.com", accepted: true),
        Endpoint(venue: .binance, mode: .live, url: "https://api3.binance.com:443", accepted: true),
        Endpoint(venue: .coinbase, mode: .live, url: "https://api.coinbase.com", accepted: true),
        Endpoint(venue: .binance, mode: .testnet, url: "https://api.binance.com", accepted: false),
        Endpoint(venue: .binance, mode: .live, url: "https://testnet.binance.vision", accepted: false),
        Endpoint(venue: .coinbase, mode: .live, url: "https://api-sandbox.coinbase.com", accepted: false),
        Endpoint(venue: .binance, mode: .live, url: "https://api.binance.com.evil.com", accepted: false),
        Endpoint(venue: .binance, mode: .live, url: "https://evil.com#api.binance.com", accepted: false),
        Endpoint(venue: .binance, mode: .live, url: "https://user@api.binance.com", accepted: false),
        Endpoint(venue: .binance, mode: .live, url: "https://api.binance.com/api", accepted: false),
        Endpoint(venue: .binance, mode: .live, url: "https://API.BINANCE.COM", accepted: false),
        Endpoint(venue: .binance, mode: .live, url: "https://api.binance.com.", accepted: false),
        Endpoint(venue: .binance, mode: .live, url: "https://ａpi.binance.com", accepted: false),
        Endpoint(venue: .binance, mode: .testnet, url: "http://①②⑦.0.0.1:9000", accepted: false),
        Endpoint(venue: .binance, mode: .testnet, url: "http://2130706433", accepted: false),
        Endpoint(venue: .binance, mode: .testnet, url: "http://127.0.0.1:0", accepted: false),
        Endpoint(venue: .binance, mode: .testnet, url: "http://127.0.0.1:99999", accepted: false),
        Endpoint(venue: .binance, mode: .testnet, url: "http://0.0.0.0:9000", accepted: false),
        Endpoint(venue: .binance, mode: .testnet, url: "http://testnet.binance.vision", accepted: false),
        Endpoint(venue: .binance, mode: .testnet, url: "ws://127.0.0.1:9000", accepted: false),
        Endpoint(venue: .binance, mode: .testnet, url: " http://127.0.0.1:9000", accepted: false),
    ]

    @Test("an endpoint is the venue's own host for the account's mode over https, or loopback", arguments: endpoints)
    func endpoint(_ e: Endpoint) {
        #expect((AccountSpec.endpointProblem(e.url, venue: e.venue, mode: e.mode) == nil) == e.accepted)
    }

    @Test("a bot names an account of its own venue, and a paper bot never names an exchange account", arguments: mismatches)
    func mismatched(_ c: Mismatch) throws {
        do {
            var bot = Self.bot(venue: c.venue)
            if let source = c.source {
                bot.text = bot.text.replacingOccurrences(of: "source: { replay: ETH_BTC-5m.csv, speed: 600 }", with: source)
            }
            _ = try Self.load(c.accounts + [bot])
            Issue.record("loaded")
        } catch let failure as ValidationFailure {
            let lines = failure.diagnostics.map(\.description)
            #expect(lines.contains { $0.contains(c.expected) }, "\(lines)")
        }
    }

    @Test("two accounts with one name are refused, naming the first")
    func duplicateName() throws {
        let twice = SpecSource(name: "accounts/other.yaml", text: Self.account().text, kind: .account)
        #expect(throws: ValidationFailure.self) { try Self.load([Self.account(), twice]) }
    }

    @Test("an exchange bot carries its account's mode and endpoint; a paper bot's content is untouched")
    func resolvedFromAccount() throws {
        let paperBefore = try Self.load([Self.bot(venue: "{ kind: paper, account: main }")]).bots[0]
        let withAccounts = try Self.load([Self.account(), Self.bot(venue: "{ kind: paper, account: main }")]).bots[0]
        #expect(withAccounts.specHash == paperBefore.specHash, "accounts/ does not change paper bots")
        #expect(!paperBefore.fields.contains { $0.path.hasPrefix("spec.venue.mode") })

        let specs = try Self.load([Self.account(extra: "  endpoint: http://127.0.0.1:9000/"), Self.bot(venue: "{ kind: binance, account: bn-test }")])
        let bot = specs.bots[0]
        #expect(bot.venue.mode == .testnet && bot.venue.endpoint == "http://127.0.0.1:9000" && !bot.venue.tradesRealMoney)
        #expect(bot.fields.contains { $0.path == "spec.venue.mode" && $0.value == "testnet" })
        #expect(specs.accounts["bn-test"]?.credentials["apiKey"] == .environment("BINANCE_API_KEY"))
    }

    struct SourceCase: Sendable, CustomTestStringConvertible {
        var market: String
        var endpoint: String?
        var refused: Bool
        var testDescription: String { "\(market) on \(endpoint ?? "binance's own host") → \(refused ? "refused" : "valid")" }
    }

    @Test("an exchange bot trades on its exchange's own candles; a replay or synthetic series only against a simulator on loopback",
          arguments: [
              SourceCase(market: "market: { symbol: BTC-USDT, interval: 5m, source: { live: binance } }", endpoint: nil, refused: false),
              SourceCase(market: Fixtures.replayMarket, endpoint: nil, refused: true),
              SourceCase(market: "market: { symbol: BTC-USDT, interval: 5m, source: { live: coinbase } }", endpoint: nil, refused: true),
              SourceCase(market: "market: { symbol: ETH-BTC, interval: 5m, source: { synthetic: { seed: 7 } } }", endpoint: "https://testnet.binance.vision", refused: true),
              SourceCase(market: Fixtures.replayMarket, endpoint: "http://127.0.0.1:9000", refused: false),
              SourceCase(market: Fixtures.replayMarket, endpoint: "http://localhost:9000/", refused: false),
          ])
    func exchangeCandles(_ c: SourceCase) throws {
        let bot = SpecSource(name: "bots.d/test-bot.yaml", text: Fixtures.botYAML([
            "venue: { kind: paper, account: main }": "venue: { kind: binance, account: bn-test }", Fixtures.replayMarket: c.market,
        ]), kind: .bot)
        let account = Self.account(extra: c.endpoint.map { "  endpoint: \($0)" } ?? "")
        do {
            _ = try Self.load([account, bot])
            #expect(!c.refused, "loaded")
        } catch {
            #expect(c.refused, "\(error)")
            #expect("\(error)".contains("bots.d/test-bot.yaml:9:") && "\(error)".contains("spec.market.source") && "\(error)".contains("live: binance"), "\(error)")
        }
    }

    @Test("turning an account live changes every bot on it, so the plan shows it")
    func goingLiveIsAChange() throws {
        let test = try Self.load([Self.account(), Self.bot(venue: "{ kind: binance, account: bn-test }")]).bots[0]
        let live = try Self.load([Self.account(mode: "live", extra: "  liveEnabled: true"), Self.bot(venue: "{ kind: binance, account: bn-test }")]).bots[0]
        #expect(test.specHash != live.specHash && test.revisionHash != live.revisionHash)
        #expect(live.venue.tradesRealMoney)
    }

    @Test("no accounts/ directory is fine for a paper fleet; a file there is read with the project")
    func accountsDirectory() throws {
        let root = try Fixtures.projectCopy()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try SpecLoader.load(ProjectLayout(root: root)).accounts.isEmpty)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("accounts"), withIntermediateDirectories: true)
        try Self.account().text.write(to: root.appendingPathComponent("accounts/bn-test.yaml"), atomically: true, encoding: .utf8)
        #expect(try SpecLoader.load(ProjectLayout(root: root)).accounts.keys.sorted() == ["bn-test"])
        try "kind: Bot\n".write(to: root.appendingPathComponent("accounts/stray.yaml"), atomically: true, encoding: .utf8)
        do {
            _ = try SpecLoader.load(ProjectLayout(root: root))
            Issue.record("loaded")
        } catch {
            #expect(error.diagnostics.contains { $0.file == "accounts/stray.yaml" })
        }
    }

    @Test("an accounts file where the directory belongs says so")
    func accountsIsAFile() throws {
        let root = try Fixtures.projectCopy()
        defer { try? FileManager.default.removeItem(at: root) }
        try "x".write(to: root.appendingPathComponent("accounts"), atomically: true, encoding: .utf8)
        do {
            _ = try SpecLoader.load(ProjectLayout(root: root))
            Issue.record("loaded")
        } catch {
            #expect(error.diagnostics.map(\.description) == ["accounts:1:1: is a file, not a directory; accounts/ is a directory of kind: Account files"])
        }
    }

    @Test("a credential is never echoed: a pasted secret is refused by its length only")
    func pastedSecretNotEchoed() throws {
        let secret = "sk-live-0123456789abcdefPLANTED"
        let source = SpecSource(name: "accounts/a.yaml", text: Self.account().text.replacingOccurrences(of: "env:BINANCE_SECRET_KEY", with: secret), kind: .account)
        do {
            _ = try Self.load([source])
            Issue.record("loaded")
        } catch let failure as ValidationFailure {
            let text = failure.diagnostics.map(\.description).joined(separator: "\n")
            #expect(text.contains("not the secret itself") && !text.contains(secret) && !text.contains("PLANTED"))
        }
    }
}
