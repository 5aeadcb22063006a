import FlotillaEngine
import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Testing

/// The exchange simulator as a process of its own (`flotilla-venue-simulator`), so its orders,
/// trades and balances outlive every `flotilla up` killed while trading against it.
final class SimulatorProcess {
    static let apiKey = "trial-api-key-0001"
    static let secretKey = "trial-secret-key-0001"
    let process = Process()
    let port: Int

    init() async throws {
        let dir = try Fixtures.temporaryDirectory()
        let portFile = dir.appendingPathComponent("port")
        let executable = try flotillaExecutable().deletingLastPathComponent().appendingPathComponent("flotilla-venue-simulator")
        process.executableURL = executable
        process.arguments = ["--port-file", portFile.path, "--balance", "USDT=100000"]
        process.environment = ["FLOTILLA_SIM_API_KEY": Self.apiKey, "FLOTILLA_SIM_SECRET_KEY": Self.secretKey]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var port: Int?
        let end = Date().addingTimeInterval(30 * testPatience)
        while port == nil, Date() < end {
            port = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if port == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        self.port = try #require(port, "the simulator did not start")
    }

    struct State: Decodable {
        struct Trade: Decodable {
            var clientOrderId: String
            var side: String
            var price: String
            var quantity: String
            var commission: String
            var commissionAsset: String
        }
        var clientOrderIds: [String]
        var trades: [Trade]
        var balances: [String: String]
    }

    func state() async throws -> State {
        let answer = try await RawHTTP.fetch(port: port, ["GET /simulator/state HTTP/1.1", "Host: 127.0.0.1:\(port)"])
        return try JSONDecoder().decode(State.self, from: Data(answer.body.utf8))
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// Three bots on one Binance test-network account, their candles replayed fast (a 5-minute candle
/// every 50 ms), so a kill lands while orders are on their way.
func exchangeCrashProject(port: Int) throws -> URL {
    let dir = try Fixtures.temporaryDirectory()
    try FileManager.default.copyItem(at: Fixtures.repositoryRoot.appendingPathComponent("profiles"), to: dir.appendingPathComponent("profiles"))
    for sub in ["bots.d", "accounts"] {
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
    }
    try """
        apiVersion: flotilla/v1
        kind: Account
        metadata: { name: trial }
        spec:
          venue: binance
          mode: testnet
          endpoint: http://127.0.0.1:\(port)
          credentials: { apiKey: env:TRIAL_API_KEY, secretKey: env:TRIAL_SECRET_KEY }
        """.write(to: dir.appendingPathComponent("accounts/trial.yaml"), atomically: true, encoding: .utf8)
    for (i, fast) in [4, 5, 6].enumerated() {
        try """
            apiVersion: flotilla/v1
            kind: Bot
            metadata: { name: trial-\(i) }
            spec:
              profile: aggressive
              venue: { kind: binance, account: trial }
              market: { symbol: BTC-USDT, interval: 5m, source: { replay: ETH_BTC-5m.csv, speed: 6000 } }
              strategy: { kind: ma_crossover, params: { fast: \(fast), slow: 15 } }
              capital: { quote: 1000 }
              risk: { dailyLossLimitPct: 90, weeklyLossLimitPct: 90, monthlyLossLimitPct: 90, emergencyStopLossPct: 90, minBalance: 0 }
              deploy: { strategy: immediate }
            """.write(to: dir.appendingPathComponent("bots.d/trial-\(i).yaml"), atomically: true, encoding: .utf8)
    }
    return dir
}

@Suite("Crash recovery on an exchange", .serialized, .heavy)
struct ExchangeCrashTests {
    static let environment: [String: String] = {
        var env = ProcessInfo.processInfo.environment
        env["TRIAL_API_KEY"] = SimulatorProcess.apiKey
        env["TRIAL_SECRET_KEY"] = SimulatorProcess.secretKey
        return env
    }()

    static func up(_ dir: URL) throws -> Process {
        let process = Process()
        process.executableURL = try flotillaExecutable()
        process.arguments = ["up", "--dir", dir.path, "--interval", "50ms", "--listen", "127.0.0.1:0"]
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test("kill -9 while trading on the exchange, 20 times: after each restart it reconciles; no order is doubled or unknown to the store, and positions and money are the exchange's fills")
    func killNine() async throws {
        let seed = ProcessInfo.processInfo.environment["FLOTILLA_CRASH_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        var rng = TrialGenerator(state: seed)
        let simulator = try await SimulatorProcess()
        defer { simulator.stop() }
        let dir = try exchangeCrashProject(port: simulator.port)
        let statePath = dir.appendingPathComponent(".flotilla/state.db").path
        let bots = ["trial-0", "trial-1", "trial-2"]
        func intents() throws -> [StoredOrderIntent] {
            let store = try StateStore(path: statePath)
            return try bots.flatMap { try store.orderIntents(bot: $0) }
        }
        for trial in 0..<20 {
            let process = try Self.up(dir)
            try await Task.sleep(for: .milliseconds(Int.random(in: 800...2500, using: &rng)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            let exchange = try await simulator.state()
            let known = Set(try intents().map(\.clientOrderId))
            #expect(exchange.clientOrderIds.count == Set(exchange.clientOrderIds).count, "seed \(seed) trial \(trial): an order was doubled")
            #expect(Set(exchange.clientOrderIds).isSubset(of: known), "seed \(seed) trial \(trial): the exchange holds an order the store does not know")
        }
        let placed = try intents().count
        #expect(placed > 20, "seed \(seed): the bots traded (\(placed) orders)")

        // A last run settles every order (an order sent just before a kill and never seen is
        // "not placed" once its 30 s grace has passed) and books every fill in its bot's book,
        // then stops gracefully.
        let last = try Self.up(dir)
        let settled = await eventually(120) {
            try intents().allSatisfy { ["filled", "cancelled", "rejected", "notPlaced"].contains($0.state) }
                && (try Self.bookGaps(bots: bots, store: StateStore(path: statePath))).isEmpty
        }
        last.terminate()
        last.waitUntilExit()
        let open = try intents().filter { !["filled", "cancelled", "rejected", "notPlaced"].contains($0.state) }.map { "\($0.clientOrderId) \($0.state)" }
        #expect(settled, "seed \(seed): orders still unresolved: \(open)")

        let exchange = try await simulator.state()
        let store = try StateStore(path: statePath)
        let fills = try bots.flatMap { try store.orderFills(bot: $0) }
        #expect(exchange.clientOrderIds.count == Set(exchange.clientOrderIds).count, "seed \(seed): an order was doubled")
        print("exchange trials: seed \(seed), \(placed) orders, \(fills.count) fills, states \(Dictionary(grouping: try intents(), by: \.state).mapValues(\.count)), balances \(exchange.balances)")
        #expect(fills.count == exchange.trades.count, "seed \(seed): every trade at the exchange is a recorded fill, once")
        // The account moved exactly as the recorded fills say.
        var base = Fixed.zero, quote = Fixed.zero
        for f in fills {
            let q = try #require(Fixed(parsing: f.quantity)), p = try #require(Fixed(parsing: f.price)), fee = try #require(Fixed(parsing: f.fee))
            let n = q.multiplied(by: p)
            if f.side == "buy" { base += q; quote -= n } else { base -= q; quote += n }
            if f.feeAsset == "BTC" { base -= fee } else { quote -= fee }
        }
        #expect(Fixed(parsing: exchange.balances["BTC"] ?? "0") == base, "seed \(seed): BTC held = Σ fills")
        #expect(Fixed(parsing: exchange.balances["USDT"] ?? "0") == Fixed(parsing: "100000")! + quote, "seed \(seed): USDT = start + Σ fills")
        // Each bot's books hold what its fills say, after the graceful stop too.
        let gaps = try Self.bookGaps(bots: bots, store: store)
        #expect(gaps.isEmpty, "seed \(seed): books without their fills:\n\(gaps.joined(separator: "\n"))")
    }

    /// Each bot whose books (Σ of its instances' positions) differ from its recorded fills, with
    /// every fill no book booked and its intent — empty when every book holds what its fills say.
    static func bookGaps(bots: [String], store: StateStore) throws -> [String] {
        var gaps: [String] = []
        for bot in bots {
            let books = try store.runtimeInstances(bot: bot).compactMap { i in
                try i.venueJSON.map { (id: i.id, venue: try JSONDecoder().decode(PaperVenue.self, from: Data($0.utf8))) }
            }
            let position = books.reduce(Fixed.zero) { $0 + $1.venue.position }
            let fills = try store.orderFills(bot: bot)
            var held = Fixed.zero
            for f in fills {
                let q = try #require(Fixed(parsing: f.quantity)), fee = try #require(Fixed(parsing: f.fee))
                held += f.side == "buy" ? q : -q
                if f.feeAsset == "BTC" { held -= fee }
            }
            guard position != held else { continue }
            let intents = Dictionary(try store.orderIntents(bot: bot).map { ($0.clientOrderId, $0) }, uniquingKeysWith: { a, _ in a })
            var lines = ["\(bot): books hold \(position), its fills \(held)"]
            for b in books { lines.append("  \(b.id): position \(b.venue.position), \(b.venue.fills.count) fills booked") }
            for f in fills where !books.contains(where: { $0.venue.hasBooked(fill: f.fillId) }) {
                let i = intents[f.clientOrderId]
                lines.append("  not booked: \(f.fillId) \(f.side) \(f.quantity) of \(f.clientOrderId) (intent of \(i?.instance ?? "?"), reference \(i?.reference ?? "none"), \(i?.state ?? "?"))")
            }
            gaps.append(lines.joined(separator: "\n"))
        }
        return gaps
    }
}

/// SplitMix64: a trial's kill moments replay from its seed (`FLOTILLA_CRASH_SEED`).
struct TrialGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
