import FlotillaTesting
import Foundation
import Testing

/// Accounts from the command line: validate and plan read accounts/, plans mark real money,
/// `get accounts` lists them, and the other commands work with them present.
@Suite("accounts from the command line")
struct AccountCommandTests {
    static let testnet = """
        apiVersion: flotilla/v1
        kind: Account
        metadata: { name: bn-test }
        spec:
          venue: binance
          mode: testnet
          credentials: { apiKey: env:FLOTILLA_TEST_BN_KEY, secretKey: file:/nonexistent/bn-secret }
        """

    static func project(mode: String = "testnet") throws -> Project {
        let p = try Project()
        try FileManager.default.createDirectory(at: p.dir.appendingPathComponent("accounts"), withIntermediateDirectories: true)
        let account = mode == "live" ? testnet.replacingOccurrences(of: "mode: testnet", with: "mode: live\n  liveEnabled: true") : testnet
        try account.write(to: p.dir.appendingPathComponent("accounts/bn-test.yaml"), atomically: true, encoding: .utf8)
        let bot = try String(contentsOf: p.dir.appendingPathComponent("bots.d/eth-trend.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "name: eth-trend", with: "name: bn-trend")
        let onExchange = bot.contains("venue:")
            ? bot.replacingOccurrences(of: "venue: { kind: paper, account: main }", with: "venue: { kind: binance, account: bn-test }")
            : bot.replacingOccurrences(of: "  profile:", with: "  venue: { kind: binance, account: bn-test }\n  profile:")
        // On the exchange's own candles: a replay is for paper bots (or a simulator on loopback).
        try onExchange.replacingOccurrences(of: Fixtures.replayMarket, with: "market: { symbol: BTC-USDT, interval: 5m, source: { live: binance } }")
            .write(to: p.dir.appendingPathComponent("bots.d/bn-trend.yaml"), atomically: true, encoding: .utf8)
        return p
    }

    @Test("validate counts accounts; plan marks play and real money; get accounts lists the bots on each")
    func planAndList() async throws {
        let p = try Self.project()
        let v = await p.run("validate")
        #expect(v.code == 0 && v.out == "Success! 7 bots, 3 profiles and 1 account are valid.\n", "\(v.err)")
        let plan = await p.run("plan")
        #expect(plan.out.contains("# play money: orders go to binance account bn-test (mode testnet)\n  + bot \"bn-trend\""), "\(plan.out)")
        #expect(!plan.out.contains("REAL MONEY"))
        #expect(await p.run("apply", "--auto-approve").code == 0)
        let list = await p.run("get", "accounts")
        #expect(list.code == 0)
        #expect(list.out.contains("bn-test") && list.out.contains("testnet") && list.out.contains("play")
                && list.out.contains("https://testnet.binance.vision") && list.out.contains("bn-trend"), "\(list.out)")
        let json = await p.run("get", "accounts", "-o", "json")
        #expect(json.out.contains("\"realMoney\" : false") && !json.out.contains("FLOTILLA_TEST_BN_KEY") && !json.out.contains("nonexistent"), "\(json.out)")
    }

    @Test("turning the account live is planned as a new revision marked REAL MONEY")
    func goingLive() async throws {
        let p = try Self.project()
        #expect(await p.run("apply", "--auto-approve").code == 0)
        let live = Self.testnet.replacingOccurrences(of: "mode: testnet", with: "mode: live\n  liveEnabled: true")
        try live.write(to: p.dir.appendingPathComponent("accounts/bn-test.yaml"), atomically: true, encoding: .utf8)
        let plan = await p.run("plan")
        #expect(plan.out.contains("~ spec.venue.mode: testnet → live"), "\(plan.out)")
        #expect(plan.out.contains("REAL MONEY: 1 bot in this plan will trade real money on a live exchange account: bn-trend."))
        #expect(plan.out.contains("Plan: 0 to add, 0 to change, 1 to replace, 0 to delete."))
    }

    @Test("profile switch plans with accounts/ present")
    func profileSwitch() async throws {
        let p = try Self.project()
        #expect(await p.run("apply", "--auto-approve").code == 0)
        let r = await p.run("profile", "switch", "aggressive", "--target", "bn-trend", "--dry-run")
        #expect(r.code == 0 && r.out.contains("spec.profile: moderate → aggressive"), "\(r.out)\(r.err)")
    }
}
