import FlotillaEngine
import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Testing

/// Three fast bots (a 5-minute candle every 5 ms) whose edits roll out with canary, immediate and
/// blue-green, so kills land in the middle of trading, capital moves and handovers.
func crashProject() throws -> URL {
    let dir = try Fixtures.temporaryDirectory()
    try FileManager.default.copyItem(at: Fixtures.repositoryRoot.appendingPathComponent("profiles"), to: dir.appendingPathComponent("profiles"))
    let bots = dir.appendingPathComponent("bots.d")
    try FileManager.default.createDirectory(at: bots, withIntermediateDirectories: true)
    let deploys = [
        "canary": "    strategy: canary\n    canary: { steps: [ { setCapital: 20% }, { pause: 1s }, { setCapital: 50% }, { pause: 1s } ] }\n",
        "immediate": "    strategy: immediate\n",
        "blue": "    strategy: blue-green\n    blueGreen: { previewDuration: 1s, autoPromote: true, scaleDownDelay: 1s }\n",
    ]
    for (i, (name, deploy)) in deploys.sorted(by: { $0.key < $1.key }).enumerated() {
        let symbol = ["ETH-BTC", "LTC-BTC", "DASH-BTC"][i]
        let file = symbol.replacingOccurrences(of: "-", with: "_") + "-5m.csv"
        try """
            apiVersion: flotilla/v1
            kind: Bot
            metadata: { name: crash-\(name) }
            spec:
              profile: aggressive
              market: { symbol: \(symbol), interval: 5m, source: { replay: \(file), speed: 60000 } }
              strategy: { kind: ma_crossover, params: { fast: 5, slow: 20 } }
              capital: { quote: 1000 }
              risk: { dailyLossLimitPct: 90, weeklyLossLimitPct: 90, monthlyLossLimitPct: 90, emergencyStopLossPct: 90, minBalance: 0 }
              deploy:
            \(deploy)
            """.write(to: bots.appendingPathComponent("crash-\(name).yaml"), atomically: true, encoding: .utf8)
    }
    return dir
}

@Suite("Crash recovery", .serialized, .heavy)
struct CrashRecoveryTests {
    @Test("SIGKILL at random moments, 20 times: after every restart no order or fill is lost or doubled, and the money adds up")
    func killNine() async throws {
        let dir = try crashProject()
        let statePath = dir.appendingPathComponent(".flotilla/state.db").path
        var rng = SystemRandomNumberGenerator()
        var totalFills = 0
        for trial in 0..<20 {
            let process = Process()
            process.executableURL = try flotillaExecutable()
            process.arguments = ["up", "--dir", dir.path, "--interval", "50ms", "--listen", "127.0.0.1:0"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if trial % 4 == 1 {
                // Edits mid-run start rollouts that the kill will interrupt.
                try await Task.sleep(for: .milliseconds(400))
                for name in ["canary", "immediate", "blue"] {
                    let url = dir.appendingPathComponent("bots.d/crash-\(name).yaml")
                    let text = try String(contentsOf: url, encoding: .utf8)
                    let fast = 5 + (trial % 3) + 1
                    try text.replacingOccurrences(of: #"fast: \d+"#, with: "fast: \(fast)", options: .regularExpression)
                        .write(to: url, atomically: true, encoding: .utf8)
                }
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...1500, using: &rng)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)

            let store = try StateStore(path: statePath)
            for instance in try store.runtimeInstances() {
                guard let json = instance.venueJSON else { continue }
                let venue = try JSONDecoder().decode(PaperVenue.self, from: Data(json.utf8))
                #expect(venue.cash + venue.costBasis == venue.startingCash + venue.realizedPnL - venue.feesPaid, "trial \(trial): \(instance.id) ledger")
                let recorded = Set(try store.fills(instance: instance.id).map { try JSONDecoder().decode(Fill.self, from: Data($0.utf8)).clientOrderId })
                for fill in venue.fills {
                    #expect(recorded.contains(fill.clientOrderId), "trial \(trial): fill \(fill.clientOrderId) of \(instance.id) was lost")
                }
                let orderIds = venue.orders.values.map(\.clientOrderId)
                #expect(Set(orderIds).count == orderIds.count, "trial \(trial): an order was doubled")
            }
            for bot in ["crash-canary", "crash-immediate", "crash-blue"] {
                if let ledger = try Fleet.capitalLedger(bot: bot, store: store) {
                    #expect(ledger.accounted == ledger.capital, "trial \(trial): \(bot) accounts for \(ledger.accounted) of \(ledger.capital)")
                }
            }
            totalFills = try store.fillCount()
        }
        #expect(totalFills > 20, "the bots traded between the kills")
        // And a clean restart converges: every bot runs.
        let recoveredBefore = try StateStore(path: statePath).events(limit: 1000).filter { $0.kind == "Recovered" }.count
        let process = Process()
        process.executableURL = try flotillaExecutable()
        process.arguments = ["up", "--dir", dir.path, "--listen", "127.0.0.1:0"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let store = try StateStore(path: statePath)
        #expect(try await waitUntil(20) { try store.events(limit: 1000).filter { $0.kind == "Recovered" }.count > recoveredBefore })
        #expect(try await waitUntil(20) { Set(try store.runtimeInstances().filter { $0.phase == .running }.map(\.bot)).count == 3 })
        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }
}
