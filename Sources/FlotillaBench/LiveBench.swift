import ArgumentParser
import FlotillaEngine
import FlotillaLive
import FlotillaSpec
import FlotillaStore
import FlotillaTrading
import FlotillaVenueSimulator
import Foundation
import Hummingbird
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// `flotilla-bench live`: 1,000 paper bots on 50 symbols reading live 1-minute candles from the
/// simulated Binance on loopback, simulated time running 60× (one candle a second per symbol).
/// Prints market-data requests per symbol per candle (target 1), feeds, candles taken, CPU and RSS.
/// Everything runs in this process (the simulator's HTTP server included, so CPU and RSS are upper bounds).
struct LiveBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live",
        abstract: "1,000 bots on 50 symbols on live candles from the loopback simulator, one candle a second per symbol; print requests per symbol, CPU, RSS.")

    @Option(help: "How many bots.") var bots: Int = 1000
    @Option(help: "How many symbols they share.") var symbols: Int = 50
    @Option(help: "How long to measure, seconds (one candle a second per symbol).") var seconds: Int = 20
    @Option(help: "Orders to place through an order router on the simulator, for intent → sent.") var orders: Int = 500

    func run() throws {
        let done = DispatchSemaphore(value: 0)
        let outcome = NIOLockedBox<Result<Void, any Error>>(.success(()))
        let (bots, symbols, seconds, orders) = (bots, symbols, seconds, orders)
        Task {
            do { try await LiveBench.measure(bots: bots, symbols: symbols, seconds: seconds, orders: orders) } catch { outcome.value = .failure(error) }
            done.signal()
        }
        done.wait()
        try outcome.value.get()
    }

    /// Simulated time: `speed` × real time from `start`.
    struct ScaledClock: Sendable {
        let realStart = Date()
        let simStartMs: Int64
        let speed: Int64

        var nowMs: Int64 { simStartMs + Int64(Date().timeIntervalSince(realStart) * 1000) * speed }

        var feedClock: FeedClock {
            let me = self
            return FeedClock(nowMs: { me.nowMs }, sleepUntilMs: { target in
                let wait = (target - me.nowMs) / me.speed
                if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) }
            })
        }
    }

    static func measure(bots: Int, symbols count: Int, seconds: Int, orders: Int) async throws {
        let markets = (0..<count).map { Symbol(base: "C\($0)", quote: "USDT") }
        let interval = CandleInterval.oneMinute
        let candles = try CandleFormat.read(path: try bundledPath("ETH_BTC-5m.csv"))
        // The series starts 600 candles before now: 500 to backfill, and room.
        let clock = ScaledClock(simStartMs: 1_704_067_200_000 + 600 * 60_000 + 5_000, speed: 60)
        let exchange = SimulatedBinance(
            apiKey: "bench", secretKey: "bench", now: clock.nowMs,
            markets: markets.map { SimulatedBinance.Market(symbol: $0, rules: VenueRules(lotSize: Fixed(units: 1), tickSize: Fixed(units: 1), minNotional: .zero),
                                                          minQuantity: Fixed(units: 1), price: 1) },
            balances: ["USDT": Fixed(parsing: "1000000000")!])
        for m in markets { await exchange.play(CandleSeries(candles, interval: interval, startMs: 1_704_067_200_000), on: m) }
        let port = 21_000 + Int(getpid() % 20_000)
        let app = BinanceSimulatorApp.application(exchange, port: port)
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        // The exchange's clock follows the simulated one.
        let driver = Task {
            var last = clock.nowMs
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(10))
                let now = clock.nowMs
                await exchange.advance(milliseconds: now - last)
                last = now
            }
        }
        defer { driver.cancel() }
        let baseURL = "http://127.0.0.1:\(port)"
        let transport = NetworkTransport()
        for _ in 0..<200 {
            if (try? await transport.send(VenueRequest(method: .get, baseURL: baseURL, path: "/api/v3/time", operation: "time")))?.status == 200 { break }
            try await Task.sleep(for: .milliseconds(50))
        }

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try StateStore(path: dir.appendingPathComponent("state.db").path)
        let profiles = BenchProfiles.all.map { SpecSource(name: "profiles/\($0.0).yaml", text: $0.1, kind: .profile) }
        let specs = (0..<bots).map { i in
            SpecSource(name: "bots.d/bot-\(i).yaml", text: """
                apiVersion: flotilla/v1
                kind: Bot
                metadata: { name: bot-\(i) }
                spec:
                  profile: moderate
                  venue: { kind: paper }
                  market: { symbol: \(markets[i % count]), interval: 1m, source: { live: binance } }
                  strategy: { kind: ma_crossover, params: { fast: \(5 + i % 10), slow: \(20 + i % 20) } }
                  capital: { quote: 1000 }

                """, kind: .bot)
        }
        let resolved = try SpecLoader.load(sources: profiles + specs).bots
        let lock = try store.acquireApplyLock(operation: "bench", timeout: 5)
        _ = try store.apply(resolved.map { .create($0) }, expectedSerial: try store.desiredState().serial, lock: lock)
        try store.releaseApplyLock(lock)

        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let feeds = MarketFeeds(endpoints: .all(baseURL), transport: transport, clock: clock.feedClock, logger: logger)
        let fleet = Fleet(store: store, dataDirectory: nil, logger: logger, feeds: feeds)
        print("flotilla-bench live — \(bots) paper bots on \(count) symbols, live 1m candles from the loopback simulator at 60× (one candle a second per symbol), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        let startedAt = Date()
        await fleet.adopt(resolved)
        try await fleet.reconcile(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        print(String(format: "start → %d instances, %d feeds: %.2f s (each feed backfilled 500 candles)", await fleet.instanceCount, await feeds.count,
                     Date().timeIntervalSince(startedAt)))
        func requests() async -> Int { var n = 0; for m in markets { n += await exchange.klineRequests(m) }; return n }
        func taken() throws -> Int { try store.runtimeInstances(withVenue: false).reduce(0) { $0 + $1.candlesSeen } }
        // Candles that closed while the fleet started (the clock runs at 60×) are taken first, outside the measurement.
        try await fleet.tick(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        func delivered() async -> Int { await feeds.statuses().reduce(0) { $0 + $1.delivered } }
        let r0 = await requests(), c0 = try taken(), d0 = await delivered(), cpu0 = cpuSeconds(), t0 = Date()
        var lastReconcile = Date()
        while Date().timeIntervalSince(t0) < Double(seconds) {
            try await Task.sleep(for: .milliseconds(100))
            try await fleet.tick(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
            if Date().timeIntervalSince(lastReconcile) >= 1 {
                try await fleet.reconcile(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
                lastReconcile = Date()
            }
        }
        try await fleet.tick(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
        let elapsed = Date().timeIntervalSince(t0), cpu = cpuSeconds() - cpu0
        let r = await requests() - r0, c = try taken() - c0, d = await delivered() - d0
        let statuses = await feeds.statuses()
        print(String(format: "market-data requests: %d for %d candles delivered on %d symbols (%.1f a symbol) = %.2f requests per symbol per candle (target 1); %d feeds for %d bots",
                     r, d, count, Double(d) / Double(count), Double(r) / Double(max(1, d)), statuses.count, bots))
        print(String(format: "candles taken by instances: %d (%.0f/s, %.2f per instance per delivered candle); stale feeds: %d",
                     c, Double(c) / elapsed, Double(c) * Double(count) / Double(max(1, d * bots)), statuses.filter { $0.health.isStale }.count))
        print(String(format: "CPU: %.1f %% of one core (simulator, HTTP and fleet in this process)   RSS: %.1f MB (peak %.1f MB)",
                     cpu / elapsed * 100, memoryMB("VmRSS:"), memoryMB("VmHWM:")))
        await feeds.shutdown()
        if orders > 0 { try await measureOrders(orders, exchangeAt: baseURL, store: store, symbol: markets[0], clock: clock) }
    }

    /// Order intent → sent: from `OrderRouter.place` (the intent written to SQLite, marked sent,
    /// signed) to the request handed to the HTTP client, and the whole round trip (the answer
    /// recorded, fills read), for market buys on the loopback simulator. The rate budget is left
    /// out (Binance allows 50 orders in 10 s: a budget would measure its own waits).
    static func measureOrders(_ n: Int, exchangeAt baseURL: String, store: StateStore, symbol: Symbol, clock: ScaledClock) async throws {
        let sentAt = SendStamp()
        let transport = StampingTransport(inner: NetworkTransport(), sentAt: sentAt)
        let venue = BinanceSpot(account: BinanceAccount(environment: .testnet, apiKey: Secret("bench"), secretKey: Secret("bench"), baseURL: baseURL),
                                transport: transport, clock: VenueClock { clock.nowMs })
        let router = OrderRouter(bot: "bot-0", instance: "bot-0/bench#1", account: "bench", venue: venue, ledger: StoreOrderLedger(store: store),
                                 symbols: [symbol])
        guard case .reconciled = await router.reconcile() else { throw ValidationError("the bench router did not reconcile with the simulator") }
        var toSent: [Double] = [], roundTrip: [Double] = []
        let cpu0 = cpuSeconds(), t0 = Date()
        for _ in 0..<n {
            sentAt.instant.withLock { $0 = nil }
            let start = ContinuousClock.now
            let intent = try await router.place(symbol, .buy, .market(.quote(Fixed(parsing: "10")!)))
            let end = ContinuousClock.now
            guard intent.state == .filled, let sent = sentAt.instant.withLock({ $0 }) else {
                throw ValidationError("order \(intent.clientOrderId) ended \(intent.state): \(intent.reason ?? "")")
            }
            toSent.append((sent - start).seconds * 1000)
            roundTrip.append((end - start).seconds * 1000)
        }
        let elapsed = Date().timeIntervalSince(t0), cpu = cpuSeconds() - cpu0
        func pct(_ xs: [Double], _ p: Double) -> Double { let s = xs.sorted(); return s[min(s.count - 1, Int(Double(s.count) * p))] }
        print(String(format: "orders: %d market buys through an order router (intent in SQLite, HMAC-signed, loopback HTTP): intent → sent p50 %.2f ms, p99 %.2f ms (target ≤ 5 ms); round trip p50 %.2f ms, p99 %.2f ms; %.1f %% of one core",
                     n, pct(toSent, 0.5), pct(toSent, 0.99), pct(roundTrip, 0.5), pct(roundTrip, 0.99), cpu / elapsed * 100))
    }

    static func bundledPath(_ name: String) throws -> String {
        guard let path = BundledData.directory?.appendingPathComponent(name).path, FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("cannot find the bundled candles \(name)")
        }
        return path
    }

    static func cpuSeconds() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8) else { return 0 }
        let fields = stat.split(separator: ")").last!.split(separator: " ")
        return ((Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func memoryMB(_ key: String) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return 0 }
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }
}

/// Stamps the moment an order request is handed to the HTTP client.
final class SendStamp: Sendable {
    let instant = Mutex<ContinuousClock.Instant?>(nil)
}

struct StampingTransport: HTTPTransport {
    let inner: NetworkTransport
    let sentAt: SendStamp

    func send(_ request: VenueRequest) async throws(TransportError) -> VenueResponse {
        if request.method == .post, request.path == "/api/v3/order" {
            let now = ContinuousClock.now
            sentAt.instant.withLock { $0 = now }
        }
        return try await inner.send(request)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// A value box for handing a result from a task back to a synchronous command.
final class NIOLockedBox<T>: @unchecked Sendable {
    // @unchecked: written once by the task before `signal()`, read after `wait()` — the semaphore orders them.
    var value: T
    init(_ value: T) { self.value = value }
}
