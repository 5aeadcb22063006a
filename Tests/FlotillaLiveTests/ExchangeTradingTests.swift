import FlotillaAPI
import FlotillaEngine
import FlotillaLive
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Logging
import Testing

/// A bot on an exchange account (`venue: { kind: binance, account: … }`) run by the fleet against
/// the simulated Binance over loopback HTTP: signed requests, real orders, fills read back.
@Suite("Trading on an exchange account", .serialized)
struct ExchangeTradingTests {
    static let environment = ["SIM_API_KEY": "sim-api-key-0001", "SIM_SECRET_KEY": "sim-secret-key-0001"]

    /// The live-paper example moved onto a test-network account reached at the simulator.
    static func bot(baseURL: String, _ replacements: [String: String] = [:]) throws -> ResolvedBot {
        var text = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("examples/bots.d/live-paper.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "venue: { kind: paper }", with: "venue: { kind: binance, account: sim }")
        for (a, b) in replacements { text = text.replacingOccurrences(of: a, with: b) }
        let account = SpecSource(name: "accounts/sim.yaml", text: """
            apiVersion: flotilla/v1
            kind: Account
            metadata: { name: sim }
            spec:
              venue: binance
              mode: testnet
              endpoint: \(baseURL)
              credentials: { apiKey: env:SIM_API_KEY, secretKey: env:SIM_SECRET_KEY }
            """, kind: .account)
        let sources = try Fixtures.shippedProfiles() + [account, SpecSource(name: "bots.d/live-paper.yaml", text: text, kind: .bot)]
        return try #require(try SpecLoader.load(sources: sources).bots.first)
    }

    static func fleet(_ store: StateStore, _ market: SimulatedMarket, _ baseURL: String) -> Fleet {
        let clock = market.clock
        let accounts = AccountConnections(environment: environment, transport: NetworkTransport(timeout: .seconds(30)),
                                          clock: VenueClock { clock.nowMs })
        return Fleet(store: store, dataDirectory: nil, logger: Logger(label: "test"), feeds: market.feeds(baseURL), accounts: accounts)
    }

    /// Waits (real time) until `condition` holds: the exchange desk works beside the fleet.
    static func eventually(_ seconds: Double = 20, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds * 4)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return try await condition()
    }

    @Test("it reconciles, then each decision is a real order: the position is the sum of the exchange's fills and the money matches the account")
    func tradesOnTheAccount() async throws {
        let market = try await SimulatedMarket.make(interval: .oneMinute, played: 600, balances: ["USDT": 10_000])
        try await market.live { baseURL in
            let dir = try Fixtures.temporaryDirectory()
            let store = try StateStore(path: dir.appendingPathComponent("state.db").path)
            let fleet = Self.fleet(store, market, baseURL)
            try FeedPaperTradingTests.apply(try Self.bot(baseURL: baseURL), to: store)
            try await fleet.reconcile(nowMs: market.clock.nowMs)
            #expect(try FeedPaperTradingTests.running(store).count == 1)
            // Reconciled before it trades: Degraded ("reconciling") until then, then not.
            let reconciled = try await Self.eventually {
                try await fleet.tick(nowMs: market.clock.nowMs)
                return try FeedPaperTradingTests.metrics(try #require(FeedPaperTradingTests.running(store).first)).exchange == nil
            }
            #expect(reconciled, "the instance reports it trades once reconciled")
            for _ in 0..<200 {
                await market.advance(by: 60_000)
                await fleet.feeds.pollAll()
                try await fleet.tick(nowMs: market.clock.nowMs)
                try? await Task.sleep(for: .milliseconds(15))
            }
            await fleet.feeds.pollAll()
            // Let the last orders and fills come back and be booked.
            let settled = try await Self.eventually {
                try await fleet.tick(nowMs: market.clock.nowMs)
                let intents = try store.orderIntents(bot: "live-paper")
                return intents.allSatisfy { ["filled", "cancelled", "rejected", "notPlaced"].contains($0.state) }
            }
            #expect(settled, "every order finished")
            try await fleet.tick(nowMs: market.clock.nowMs + 1)
            let instance = try #require(FeedPaperTradingTests.running(store).first)
            let m = try FeedPaperTradingTests.metrics(instance)
            let intents = try store.orderIntents(bot: "live-paper")
            let fills = try store.orderFills(bot: "live-paper")
            #expect(m.buys > 0 && m.sells > 0, "it traded: \(m.buys) buys, \(m.sells) sells")
            #expect(try store.events(limit: 1000).allSatisfy { $0.kind != "AccountShortfall" }, "a funded account is no shortfall")
            #expect(!intents.isEmpty && intents.count == Set(intents.map(\.clientOrderId)).count)
            // Every order at the exchange is one of the bot's intents, each once.
            let sent = await market.exchange.clientOrderIds()
            #expect(sent.count == Set(sent).count, "no order doubled")
            #expect(Set(sent).isSubset(of: Set(intents.map(\.clientOrderId))))
            // Position = Σ fills (base bought, less the base fees, less base sold) = what the account holds.
            var base = Fixed.zero, quote = Fixed.zero
            for f in fills {
                let q = try #require(Fixed(parsing: f.quantity)), p = try #require(Fixed(parsing: f.price)), fee = try #require(Fixed(parsing: f.fee))
                let n = q.multiplied(by: p)
                if f.side == "buy" { base += q; quote -= n } else { base -= q; quote += n }
                if f.feeAsset == "BTC" { base -= fee } else { quote -= fee }
            }
            #expect(m.position == base, "the book's position is the sum of the exchange's fills")
            #expect(await market.exchange.balance("BTC").free + (await market.exchange.balance("BTC").locked) == base)
            let usdt = await market.exchange.balance("USDT")
            #expect(usdt.free + usdt.locked - 10_000 == quote, "the account's cash moved exactly as the fills say")
            let venue = try JSONDecoder().decode(PaperVenue.self, from: Data(try #require(instance.venueJSON).utf8))
            #expect(venue.cash - venue.startingCash == quote, "and so did the bot's book")
            #expect(venue.isOnExchange)
            // The account's key and secret are references in the store, never values.
            let events = try store.events(bot: "live-paper", limit: 500).map(\.message).joined(separator: "\n")
            for secret in Self.environment.values {
                #expect(!events.contains(secret))
                for suffix in ["", "-wal"] {
                    let bytes = (try? Data(contentsOf: dir.appendingPathComponent("state.db" + suffix))) ?? Data()
                    #expect(bytes.range(of: Data(secret.utf8)) == nil, "a credential is in state.db\(suffix)")
                }
            }
        }
    }

    @Test("an account holding less than its bots' books is a shortfall, reported with the account, asset and amounts — and balanced again once funded")
    func shortfall() async throws {
        let market = try await SimulatedMarket.make(interval: .oneMinute, played: 600, balances: ["USDT": 400])
        try await market.live { baseURL in
            let dir = try Fixtures.temporaryDirectory()
            let store = try StateStore(path: dir.appendingPathComponent("state.db").path)
            let fleet = Self.fleet(store, market, baseURL)
            try FeedPaperTradingTests.apply(try Self.bot(baseURL: baseURL), to: store)  // capital 1000 USDT
            try await fleet.reconcile(nowMs: market.clock.nowMs)
            _ = try await Self.eventually {
                try await fleet.tick(nowMs: market.clock.nowMs)
                return try FeedPaperTradingTests.metrics(try #require(FeedPaperTradingTests.running(store).first)).exchange == nil
            }
            func said(_ kind: String) async throws -> String? {
                var message: String?
                _ = try await Self.eventually {
                    try await fleet.reconcile(nowMs: market.clock.nowMs)
                    message = try store.events(limit: 1000).last(where: { $0.kind == kind })?.message
                    return message != nil
                }
                return message
            }
            let short = try await said("AccountShortfall")
            #expect(short == "account sim holds 400 USDT, but its bots' books hold 1000 USDT: 600 USDT short — fund the account or lower the bots' capital (money moved outside flotilla is not taken from any bot's book)")
            // The book is not shrunk to fit.
            let venue = try JSONDecoder().decode(PaperVenue.self, from: Data(try #require(try FeedPaperTradingTests.running(store).first?.venueJSON).utf8))
            #expect(venue.cash == Fixed(units: 1000 * Fixed.scale))

            await market.exchange.deposit("USDT", Fixed(units: 1000 * Fixed.scale))
            await market.advance(by: 60_000)
            let balanced = try await said("AccountBalanced")
            #expect(balanced == "account sim holds what its bots' books hold again")
        }
    }

    @Test("an account it cannot reconcile with (a wrong key): the bot does not trade and says why")
    func refusedKey() async throws {
        let market = try await SimulatedMarket.make(interval: .oneMinute, played: 600, balances: ["USDT": 10_000])
        try await market.live { baseURL in
            let dir = try Fixtures.temporaryDirectory()
            let store = try StateStore(path: dir.appendingPathComponent("state.db").path)
            let clock = market.clock
            let accounts = AccountConnections(environment: ["SIM_API_KEY": "wrong-key", "SIM_SECRET_KEY": "sim-secret-key-0001"],
                                              transport: NetworkTransport(timeout: .seconds(30)), clock: VenueClock { clock.nowMs })
            let fleet = Fleet(store: store, dataDirectory: nil, logger: Logger(label: "test"), feeds: market.feeds(baseURL), accounts: accounts)
            try FeedPaperTradingTests.apply(try Self.bot(baseURL: baseURL), to: store)
            try await fleet.reconcile(nowMs: market.clock.nowMs)
            var why: String?
            _ = await Self.eventually {
                try? await fleet.tick(nowMs: market.clock.nowMs)
                why = (try? FeedPaperTradingTests.running(store).first.flatMap { try FeedPaperTradingTests.metrics($0).exchange }) ?? nil
                return why?.contains("failed") == true
            }
            #expect(why?.contains("reconciliation with the exchange failed") == true, "\(why ?? "nil")")
            #expect(why?.contains("API-key") == true, "the exchange's words: \(why ?? "nil")")
            for _ in 0..<50 {
                await market.advance(by: 60_000)
                await fleet.feeds.pollAll()
                try await fleet.tick(nowMs: market.clock.nowMs)
            }
            #expect(await market.exchange.clientOrderIds().isEmpty, "nothing placed")
            #expect(try store.orderIntents(bot: "live-paper").isEmpty)
            let health = BotHealth.of([BotHealth.Instance(id: "i", phase: .running, heartbeatAgeSeconds: 0,
                                                          metrics: try FeedPaperTradingTests.metrics(try #require(FeedPaperTradingTests.running(store).first)))])
            #expect(health.status == .degraded)
        }
    }
}

@Suite("The testnet example")
struct TestnetExampleTests {
    @Test("examples/bots.d/testnet-trend.yaml validates against the shipped test-network account: play money, binance's own candles")
    func validates() throws {
        let root = Fixtures.repositoryRoot
        let bot = try String(contentsOf: root.appendingPathComponent("examples/bots.d/testnet-trend.yaml"), encoding: .utf8)
        let account = try String(contentsOf: root.appendingPathComponent("accounts/binance-testnet.yaml"), encoding: .utf8)
        let specs = try SpecLoader.load(sources: try Fixtures.shippedProfiles() + [
            SpecSource(name: "accounts/binance-testnet.yaml", text: account, kind: .account),
            SpecSource(name: "bots.d/testnet-trend.yaml", text: bot, kind: .bot),
        ])
        let resolved = try #require(specs.bots.first)
        #expect(resolved.venue.kind == .binance && resolved.venue.mode == .testnet && !resolved.venue.tradesRealMoney)
        #expect(resolved.market.source.feed == .live(venue: .binance, account: nil))
    }
}
