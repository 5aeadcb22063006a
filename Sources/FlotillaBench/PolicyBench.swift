import ArgumentParser
import FlotillaEngine
import FlotillaSpec
import FlotillaTrading
import Foundation

/// `flotilla-bench policy`: the cost of the rules across bots per order. N live instances on 50
/// symbols and 3 accounts in one `FleetExposure` with a rule per symbol, an asset rule per base,
/// conflicts blocked and a concentration cap; then entries checked (each against every rule that
/// applies) and holdings updated (what each instance does after a candle). Prints µs per check
/// and per update (median of runs).
struct PolicyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "The cross-bot checks' cost per order (fleet-policy.yaml rules) at N bots.")

    @Option(help: "How many bot instances in the book.") var bots: Int = 1000
    @Option(help: "Entries checked per run.") var checks: Int = 200_000
    @Option(help: "Runs (the median is printed).") var runs: Int = 5

    func run() throws {
        let symbols = (0..<50).map { i in Symbol(base: "C\(i % 25)X", quote: i < 25 ? "USDT" : "USDC") }
        var rules: [FleetPolicySpec.ExposureRule] = symbols.enumerated().map { i, s in
            .init(path: "spec.exposure[\(i)]", subject: .symbol(s.description), maxNotional: 1_000_000_000, maxPctOfEquity: 100)
        }
        for b in 0..<25 {
            rules.append(.init(path: "spec.exposure[\(rules.count)]", subject: .asset("C\(b)X"), account: "acct\(b % 3)", maxNotional: 1_000_000_000,
                               maxQuantity: 1_000_000_000))
        }
        let policy = FleetPolicySpec(exposure: rules, conflicts: .block, maxSymbolPctOfEquity: 100)
        var book = try FleetExposure(policy: policy)
        func holding(_ i: Int, mark: Fixed) -> FleetExposure.Holding {
            FleetExposure.Holding(bot: "bot-\(i)", account: "paper/acct\(i % 3)", symbol: symbols[i % symbols.count],
                                  position: Fixed(units: Int64(1 + i % 7) * 10_000_000), mark: mark, equity: Fixed(10_000))
        }
        for i in 0..<bots { book.update("i\(i)", holding(i, mark: Fixed(100))) }
        var checkTimes: [Double] = [], updateTimes: [Double] = []
        var allowed = 0
        for _ in 0..<runs {
            let entries = (0..<1024).map { k in FleetExposure.Entry(instance: "i\(k % bots)", side: .buy, notional: Fixed(50), quantity: Fixed(units: 50_000_000)) }
            var start = DispatchTime.now().uptimeNanoseconds
            for k in 0..<checks where book.check(entries[k & 1023]).refusal == nil { allowed += 1 }
            checkTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / Double(checks) / 1000)
            let updates = min(checks, 100_000)
            start = DispatchTime.now().uptimeNanoseconds
            for k in 0..<updates { book.update("i\(k % bots)", holding(k % bots, mark: Fixed(100 + k % 5))) }
            updateTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / Double(updates) / 1000)
        }
        func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
        print("policy: \(bots) instances, \(symbols.count) symbols, 3 accounts, \(rules.count) exposure rules, conflicts block, concentration")
        print(String(format: "  check per entry: %.2f µs median (%@)  [target ≤ 20 µs]", median(checkTimes), checkTimes.map { String(format: "%.2f", $0) }.joined(separator: ", ")))
        print(String(format: "  update per candle: %.2f µs median (%@)", median(updateTimes), updateTimes.map { String(format: "%.2f", $0) }.joined(separator: ", ")))
        print("  (\(allowed) of \(checks * runs) entries allowed)")
    }
}
