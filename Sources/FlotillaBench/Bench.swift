import ArgumentParser
import FlotillaCLI
import FlotillaSpec
import FlotillaStore
import FlotillaTrading
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Benchmarks that print figures. Build in release: `swift build -c release`, then
/// `.build/release/flotilla-bench plan --specs 10000`.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flotilla-bench", abstract: "Flotilla benchmarks (print figures; run on a release build).",
        subcommands: [PlanBench.self, BacktestBench.self, CandlesBench.self, FleetBench.self, LiveBench.self, GitOpsBench.self, PolicyBench.self, GenerateSpecs.self])
}

struct PlanBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Generate N bot specs and time validate, plan (all new), apply and a no-change plan through the real CLI.")

    @Option(help: "How many bot specs to generate; repeat for several sizes.") var specs: [Int] = [1000, 10_000]
    @Option(help: "Runs per measurement; the best is reported with the median.") var runs: Int = 3
    @Option(help: "The flotilla executable (default: next to this benchmark).") var flotilla: String?

    func run() throws {
        let executable = flotilla ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("flotilla").path
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw ValidationError("no flotilla executable at \(executable); build it (swift build -c release) or pass --flotilla")
        }
        print("flotilla-bench plan — \(ProcessInfo.processInfo.activeProcessorCount) cores, executable \(executable)")
        print("step                      specs    best ms  median ms   peak RSS MB")
        for count in specs {
            let dir = try generateProject(count: count)
            defer { try? FileManager.default.removeItem(at: dir) }
            let state = dir.appendingPathComponent("bench-state.db").path
            let common = ["--dir", dir.path, "--state", state]
            report("validate", count, try measure(executable, ["validate", "--dir", dir.path], runs: runs))
            report("plan (all new)", count, try measure(executable, ["plan"] + common, runs: runs))
            report("apply", count, try measure(executable, ["apply", "--auto-approve"] + common, runs: 1, expectExit: [0]))
            report("plan (no change)", count, try measure(executable, ["plan", "--detailed-exitcode"] + common, runs: runs, expectExit: [0]))
        }
    }

    struct Sample {
        var seconds: Double
        var peakRSSKB: Int
    }

    func report(_ step: String, _ count: Int, _ samples: [Sample]) {
        let times = samples.map(\.seconds).sorted()
        let median = times[times.count / 2]
        let rss = samples.map(\.peakRSSKB).max() ?? 0
        print(
            step.padding(toLength: 24, withPad: " ", startingAt: 0)
                + String(format: "%7d %10.1f %10.1f %13.1f", count, times[0] * 1000, median * 1000, Double(rss) / 1024))
    }

    /// Runs the executable as a child, timing it and reading its peak RSS from wait4.
    ///
    /// posix_spawn starts the child on this process's memory (vfork) and Linux carries that memory's
    /// peak into the child's `ru_maxrss` at exec: without care every child would report at least this
    /// benchmark's own peak (its CSV text, its candles). So the peak of this process is reset to its
    /// current size first (`/proc/self/clear_refs`); what is reported is then the larger of the
    /// child's own peak and this process's size now, which `currentRSSKB` shows.
    func measure(_ executable: String, _ arguments: [String], runs: Int, expectExit: Set<Int32> = [0, 2]) throws -> [Sample] {
        var samples: [Sample] = []
        for _ in 0..<runs {
            Self.resetPeakRSS()
            var pid: pid_t = 0
            var actions = posix_spawn_file_actions_t()
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
            defer { argv.forEach { free($0) } }
            let start = DispatchTime.now().uptimeNanoseconds
            guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else {
                throw ValidationError("could not start \(executable)")
            }
            var status: Int32 = 0
            var usage = rusage()
            wait4(pid, &status, 0, &usage)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let code = (status >> 8) & 0xFF
            guard expectExit.contains(code) else {
                throw ValidationError("flotilla \(arguments.joined(separator: " ")) exited \(code)")
            }
            samples.append(Sample(seconds: elapsed, peakRSSKB: usage.ru_maxrss))
        }
        return samples
    }

    /// Sets this process's peak resident size (`VmHWM`) back to its current size.
    static func resetPeakRSS() {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return }
        _ = write(fd, "5", 1)
        close(fd)
    }

    /// A line of /proc/self/status, in KB (`VmRSS:`, `VmHWM:`).
    static func statusKB(_ key: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    func generateProject(count: Int) throws -> URL {
        try SpecGenerator.generateProject(count: count, at: FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-bench-\(UUID().uuidString)"))
    }
}

struct GenerateSpecs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Write a project of N generated bot specs, for profiling and trying things at scale.")

    @Option(help: "How many bot specs.") var specs: Int = 1000
    @Option(help: "Directory to create.") var dir: String

    func run() throws {
        _ = try SpecGenerator.generateProject(count: specs, at: URL(fileURLWithPath: dir))
        print("wrote \(specs) bot specs to \(dir)/bots.d")
    }
}

enum SpecGenerator {
    /// A project with the shipped profiles and `count` realistic bot specs (~30 lines each).
    static func generateProject(count: Int, at dir: URL) throws -> URL {
        let bots = dir.appendingPathComponent("bots.d"), profiles = dir.appendingPathComponent("profiles")
        try FileManager.default.createDirectory(at: bots, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: profiles, withIntermediateDirectories: true)
        for (name, text) in BenchProfiles.all {
            try text.write(to: profiles.appendingPathComponent("\(name).yaml"), atomically: false, encoding: .utf8)
        }
        let symbols = ["ETH-BTC", "LTC-BTC", "ADA-BTC", "XLM-BTC", "TRX-BTC", "DASH-BTC", "ETC-BTC", "NXT-BTC"]
        let strategies = [
            "{ kind: ma_crossover, params: { fast: %d, slow: %d } }", "{ kind: rsi, params: { period: %d, oversold: 30, overbought: %d } }",
            "{ kind: grid, params: { levels: %d, spacingPct: 0.5, orderSizePct: 4 } }", "{ kind: momentum, params: { period: %d, thresholdPct: 1.5 } }",
            "{ kind: macd_bb, params: { fast: %d, slow: %d, signal: 9 } }",
        ]
        let deploys = [
            "    strategy: canary\n    canary:\n      steps:\n        - setCapital: 10%\n        - pause: 30m\n        - analysis: default\n        - setCapital: 50%\n        - pause: {}\n",
            "    strategy: staged\n    staged:\n      stages:\n        - { name: shadow, duration: 1h, analysis: default }\n        - { name: live }\n",
            "    strategy: blue-green\n    blueGreen:\n      previewDuration: 45m\n      scaleDownDelay: 10m\n",
            "    strategy: rolling\n    rolling: { maxUnavailable: 1, maxSurge: 1, minHealthyTime: 5m }\n",
            "    strategy: immediate\n",
        ]
        let profileNames = ["conservative", "moderate", "aggressive"]
        for i in 0..<count {
            let symbol = symbols[i % symbols.count]
            let file = symbol.replacingOccurrences(of: "-", with: "_") + "-5m.csv"
            let strategy: String
            switch i % strategies.count {
            case 0, 4: strategy = String(format: strategies[i % 5], 5 + i % 10, 30 + i % 20)
            case 1: strategy = String(format: strategies[1], 10 + i % 10, 70 + i % 10)
            default: strategy = String(format: strategies[i % 5], 5 + i % 20)
            }
            let text = """
                # yaml-language-server: $schema=../schemas/bot.schema.json
                apiVersion: flotilla/v1
                kind: Bot
                metadata:
                  name: bot-\(i)
                  labels:
                    team: team-\(i % 7)
                    tier: t\(i % 3)
                spec:
                  profile: \(profileNames[i % 3])
                  venue: { kind: paper, account: main }
                  market:
                    symbol: \(symbol)
                    interval: 5m
                    source: { replay: \(file), speed: 600 }
                  strategy: \(strategy)
                  capital: { quote: \(500 + i % 1000) }
                  risk:
                    maxPositionPct: \(10 + i % 30)
                    stopLossPct: 2.5
                  runtime:
                    strategyInterval: \(30 + i % 60)s
                  deploy:
                \(deploys[i % deploys.count])    progressDeadline: 2h
                    autoRollback: true

                """
            try text.write(to: bots.appendingPathComponent("bot-\(i).yaml"), atomically: false, encoding: .utf8)
        }
        return dir
    }
}

enum BenchProfiles {
    static let all: [(String, String)] = ["conservative", "moderate", "aggressive"].map { name in
        (name, """
            apiVersion: flotilla/v1
            kind: Profile
            metadata: { name: \(name) }
            spec:
              risk: { maxPositionPct: 20, dailyLossLimitPct: 5, weeklyLossLimitPct: 15, monthlyLossLimitPct: 30 }
              runtime: { strategyInterval: 60s }

            """)
    }
}

struct BacktestBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Backtest ma_crossover(10, 30) over N seeded synthetic candles and print candles per second.")

    @Option(help: "How many candles.") var candles: Int = 1_000_000
    @Option(help: "Runs; the best and the median are printed.") var runs: Int = 5

    func run() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        let data = Array(SyntheticCandles(seed: 7, start: 100, interval: 60, volatilityPct: 0.2, tick: Fixed(parsing: "0.01")!).prefix(candles))
        let generated = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        print("flotilla-bench backtest — ma_crossover(10, 30), \(candles) synthetic candles (generated in \(String(format: "%.2f", generated)) s)")
        var rates: [Double] = []
        var report: BacktestReport?
        for _ in 0..<runs {
            let venue = PaperVenue(cash: 100_000, rules: VenueRules(lotSize: Fixed(parsing: "0.001")!, tickSize: Fixed(parsing: "0.01")!,
                                                                  makerFee: Fixed(parsing: "0.001")!, takerFee: Fixed(parsing: "0.001")!))
            let t0 = DispatchTime.now().uptimeNanoseconds
            report = Backtest.run(strategy: LongOnly(MACrossover(fast: 10, slow: 30, sizePct: 100)), candles: data, risk: .unlimited, venue: venue,
                                  periodsPerYear: 525_600)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            rates.append(Double(candles) / seconds)
        }
        rates.sort()
        print(String(format: "candles/s: best %.0f, median %.0f (%d runs)", rates.last!, rates[rates.count / 2], runs))
        if let report {
            print("trades \(report.tradeCount), final equity \(report.finalEquity), return \(String(format: "%.2f", report.returnPct)) %")
        }
    }
}

struct CandlesBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "candles",
        abstract: "Write N seeded 1-minute candles as CSV, time reading them in this process, then time `flotilla backtest --data` on them (with its peak memory).")

    @Option(help: "How many rows.") var rows: Int = 1_000_000
    @Option(help: "Runs; the best and the median are printed.") var runs: Int = 5
    @Option(help: "The flotilla executable (default: next to this benchmark).") var flotilla: String?

    func run() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-bench-candles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let project = dir.appendingPathComponent("project")
        for sub in ["bots.d", "profiles"] { try FileManager.default.createDirectory(at: project.appendingPathComponent(sub), withIntermediateDirectories: true) }
        let csv = project.appendingPathComponent("candles.csv")
        try Self.writeCSV(rows: rows, to: csv)
        let size = (try FileManager.default.attributesOfItem(atPath: csv.path)[.size] as? Int) ?? 0
        print("flotilla-bench candles — \(rows) rows, \(size / 1_000_000) MB of CSV")
        var times: [Double] = []
        var extraKB = 0
        for _ in 0..<runs {
            PlanBench.resetPeakRSS()
            let before = PlanBench.statusKB("VmRSS:")
            let t0 = DispatchTime.now().uptimeNanoseconds
            let candles = try CandleCSV.read(path: csv.path)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            precondition(candles.count == rows)
            // What reading held at its peak beyond the candles it returns.
            extraKB = max(extraKB, PlanBench.statusKB("VmHWM:") - before - candles.count * MemoryLayout<Candle>.stride / 1024)
        }
        times.sort()
        print(String(format: "read in process: best %.3f s, median %.3f s (%.1f M rows/s); peak memory: the candles (%d MB) + %d MB",
                     times[0], times[times.count / 2], Double(rows) / times[0] / 1e6, rows * MemoryLayout<Candle>.stride / 1_000_000, extraKB / 1024))
        let executable = flotilla ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("flotilla").path
        guard FileManager.default.isExecutableFile(atPath: executable) else { return }
        let spec = project.appendingPathComponent("bots.d/bench.yaml")
        try """
            apiVersion: flotilla/v1
            kind: Bot
            metadata: { name: bench }
            spec:
              profile: bench
              market: { symbol: BTC-USD, interval: 1m, source: { replay: ../candles.csv } }
              strategy: { kind: ma_crossover, params: { fast: 10, slow: 30 } }
              capital: { quote: 100000 }
            """.write(to: spec, atomically: true, encoding: .utf8)
        try """
            apiVersion: flotilla/v1
            kind: Profile
            metadata: { name: bench }
            spec: {}
            """.write(to: project.appendingPathComponent("profiles/bench.yaml"), atomically: true, encoding: .utf8)
        let common = ["backtest", "-f", spec.path, "--data", csv.path, "--dir", project.path]
        // Reading dominates a run that keeps only the first hour of candles: the file is read and
        // checked whole, then cut (in place) before the backtest.
        let first = ISOTime.format(SyntheticCandles(seed: 7, start: 100, interval: 60, volatilityPct: 0.2, tick: Fixed(parsing: "0.01")!)
            .prefix(60).map(\.time).last!)
        print("(this benchmark's own RSS: \(PlanBench.statusKB("VmRSS:") / 1024) MB; a child's peak RSS below reads at least that)")
        for (label, arguments) in [("flotilla backtest --data (read: --to the first hour)", common + ["--to", first]),
                                   ("flotilla backtest --data (read and backtest)", common)] {
            let samples = try PlanBench().measure(executable, arguments, runs: runs, expectExit: [0])
            let seconds = samples.map(\.seconds).sorted()
            print("\(label): " + String(format: "best %.3f s, median %.3f s, peak RSS %d MB", seconds[0], seconds[seconds.count / 2],
                                             (samples.map(\.peakRSSKB).max() ?? 0) / 1024))
        }
    }

    /// The seeded candles as CSV, written a few thousand rows at a time (this process stays small,
    /// so the children's peak RSS is theirs).
    static func writeCSV(rows: Int, to url: URL) throws {
        _ = FileManager.default.createFile(atPath: url.path, contents: nil)
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var text = CandleCSV.header + "\n"
        for c in SyntheticCandles(seed: 7, start: 100, interval: 60, volatilityPct: 0.2, tick: Fixed(parsing: "0.01")!).prefix(rows) {
            text += "\(ISOTime.format(c.time)),\(c.open),\(c.high),\(c.low),\(c.close),\(String(format: "%.4f", c.volume))\n"
            if text.utf8.count >= 1 << 20 {
                try handle.write(contentsOf: Data(text.utf8))
                text.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: Data(text.utf8))
    }
}

struct FleetBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Run `flotilla up` with N paper bots ticking once a second; print ticks/s, CPU %, RSS, start and restart times.")

    @Option(help: "How many bots.") var bots: Int = 1000
    @Option(help: "How long to measure while they run, seconds.") var seconds: Int = 20
    @Option(help: "The flotilla executable (default: next to this benchmark).") var flotilla: String?
    @Flag(help: "Also drive GET /api/v1/bots/{name} and /metrics with wrk (Debian's) while the bots tick.") var http = false

    var port: Int { 20_000 + Int(getpid() % 20_000) }

    func run() throws {
        let executable = flotilla ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("flotilla").path
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-fleet-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("bots.d"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("profiles"), withIntermediateDirectories: true)
        for (name, text) in BenchProfiles.all {
            try text.write(to: dir.appendingPathComponent("profiles/\(name).yaml"), atomically: false, encoding: .utf8)
        }
        let markets = ["ETH-BTC", "LTC-BTC", "ADA-BTC", "XLM-BTC", "TRX-BTC", "DASH-BTC", "NXT-BTC"]
        for i in 0..<bots {
            let symbol = markets[i % markets.count]
            // speed 300: a 5-minute candle every second, so each bot ticks once a second.
            try """
                apiVersion: flotilla/v1
                kind: Bot
                metadata: { name: bot-\(i) }
                spec:
                  profile: moderate
                  market: { symbol: \(symbol), interval: 5m, source: { replay: \(symbol.replacingOccurrences(of: "-", with: "_"))-5m.csv, speed: 300 } }
                  strategy: { kind: ma_crossover, params: { fast: \(5 + i % 10), slow: \(20 + i % 20) } }
                  capital: { quote: 1000 }

                """.write(to: dir.appendingPathComponent("bots.d/bot-\(i).yaml"), atomically: false, encoding: .utf8)
        }
        let statePath = dir.appendingPathComponent(".flotilla/state.db").path
        print("flotilla-bench fleet — \(bots) paper bots, one candle per bot per second, \(ProcessInfo.processInfo.activeProcessorCount) cores")

        var (pid, startSeconds) = try launch(executable, dir: dir, statePath: statePath)
        print(String(format: "start → all %d running: %.2f s", bots, startSeconds))
        let sample = try measure(pid: pid, statePath: statePath, seconds: seconds)
        print(String(format: "ticks/s: %.0f   CPU: %.1f %% of one core   RSS: %.1f MB (peak %.1f MB)", sample.ticksPerSecond, sample.cpuPercent, sample.rssMB, sample.peakMB))
        if http { try driveHTTP(executable: executable, dir: dir) }

        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        (pid, startSeconds) = try launch(executable, dir: dir, statePath: statePath, restart: true)
        print(String(format: "restart after kill -9 → all %d running again: %.2f s", bots, startSeconds))
        kill(pid, SIGTERM)
        let stopStart = Date()
        waitpid(pid, &status, 0)
        print(String(format: "SIGTERM → exit %d in %.2f s", (status >> 8) & 0xFF, Date().timeIntervalSince(stopStart)))
    }

    /// Starts `flotilla up`, returns when every bot's instance has processed a candle since the start.
    func launch(_ executable: String, dir: URL, statePath: String, restart: Bool = false) throws -> (pid_t, Double) {
        var pid: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let dirPath: String = dir.path
        let words: [String] = [executable, "up", "--dir", dirPath, "--listen", "127.0.0.1:\(port)"]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let launchedMs = Int64(Date().timeIntervalSince1970 * 1000)
        let start = Date()
        guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else { throw ValidationError("could not start \(executable)") }
        // One connection for the whole wait, counting in SQL: at ten thousand bots a fresh store
        // and every venue's JSON ten times a second took a core from the fleet it measures, and
        // reading every row (metrics JSON included) still took a share of one.
        var opened: StateStore?
        while Date().timeIntervalSince(start) < 120 {
            Thread.sleep(forTimeInterval: 0.1)
            if opened == nil, FileManager.default.fileExists(atPath: statePath) { opened = try? StateStore(path: statePath) }
            guard let store = opened, let running = try? store.botsRunning(heartbeatSince: launchedMs) else { continue }
            if running >= bots { return (pid, Date().timeIntervalSince(start)) }
        }
        throw ValidationError("the fleet did not come up within 120 s")
    }

    /// wrk on one bot's route, and timed scrapes of /metrics, while the fleet runs.
    func driveHTTP(executable: String, dir: URL) throws {
        func shell(_ command: String) -> String {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", command]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = out
            try? p.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }
        // With a token, as a real deployment runs: every API request is authenticated.
        let token = shell("\(executable) token create --role viewer --dir \(dir.path) 2>/dev/null").trimmingCharacters(in: .whitespacesAndNewlines)
        guard token.hasPrefix("flt_") else { throw ValidationError("could not create a token: \(token)") }
        Thread.sleep(forTimeInterval: 1.2)  // the server re-reads its token table every second
        /// Runs wrk and prints requests/s and the 50/90/99th latency percentiles.
        func drive(_ path: String, threads: Int, connections: Int, seconds: Int, script: String? = nil) {
            let auth = path.hasPrefix("/api/") ? "-H 'Authorization: Bearer \(token)' " : ""
            let out = shell("wrk -t\(threads) -c\(connections) -d\(seconds)s --latency \(auth)\(script.map { "-s \($0) " } ?? "")http://127.0.0.1:\(port)\(path)")
            let rps = out.split(separator: "\n").first { $0.hasPrefix("Requests/sec") }.map(String.init) ?? "Requests/sec: ?"
            let percentiles = out.split(separator: "\n").filter { line in ["50%", "90%", "99%"].contains { line.trimmingCharacters(in: .whitespaces).hasPrefix($0) } }
                .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
            let errors = out.split(separator: "\n").filter { $0.contains("Non-2xx") || $0.contains("Socket errors") }.joined(separator: "; ")
            print("GET \(path) (wrk -t\(threads) -c\(connections) \(seconds)s\(script == nil ? "" : ", paced ~5,000 req/s")): \(rps.replacingOccurrences(of: "Requests/sec:", with: "").trimmingCharacters(in: .whitespaces)) req/s; latency \(percentiles)\(errors.isEmpty ? "" : "; " + errors)")
        }
        // wrk waits `delay()` ms between a connection's requests: 60 connections × (10 ms + the response time) offer
        // about 5,000 requests/s, the target load, and the percentiles are measured there; the
        // unpaced run shows the most the server answers on this machine (with wrk on the same cores).
        let paced = FileManager.default.temporaryDirectory.appendingPathComponent("flotilla-bench-pace.lua")
        try "function delay() return 10 end\n".write(to: paced, atomically: true, encoding: .utf8)
        drive("/api/v1/bots/bot-7", threads: 2, connections: 60, seconds: 10, script: paced.path)
        drive("/api/v1/bots/bot-7", threads: 2, connections: 32, seconds: 10)
        drive("/api/v1/bots", threads: 1, connections: 4, seconds: 10)
        drive("/metrics", threads: 1, connections: 1, seconds: 10)
        var times: [Double] = []
        for _ in 0..<20 {
            let t = shell("curl -s -o /dev/null -w '%{time_total}' http://127.0.0.1:\(port)/metrics")
            if let v = Double(t) { times.append(v * 1000) }
        }
        times.sort()
        let lines = shell("curl -s http://127.0.0.1:\(port)/metrics | wc -l").trimmingCharacters(in: .whitespacesAndNewlines)
        if !times.isEmpty {
            print(String(format: "GET /metrics (%@ lines): median %.1f ms, max %.1f ms over %d scrapes", lines, times[times.count / 2], times.last!, times.count))
        }
    }

    struct Sample {
        var ticksPerSecond: Double
        var cpuPercent: Double
        var rssMB: Double
        var peakMB: Double
    }

    func measure(pid: pid_t, statePath: String, seconds: Int) throws -> Sample {
        let store = try StateStore(path: statePath)
        func candles() throws -> Int { try store.runtimeInstances(withVenue: false).reduce(0) { $0 + $1.candlesSeen } }
        func cpuTicks() -> Double {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return 0 }
            let fields = stat.split(separator: ")").last!.split(separator: " ")
            return (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)  // utime + stime, clock ticks
        }
        func memory(_ key: String) -> Double {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return 0 }
            return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
        }
        let c0 = try candles(), t0 = cpuTicks(), start = Date()
        Thread.sleep(forTimeInterval: Double(seconds))
        let elapsed = Date().timeIntervalSince(start)
        let c1 = try candles(), t1 = cpuTicks()
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        return Sample(ticksPerSecond: Double(c1 - c0) / elapsed, cpuPercent: (t1 - t0) / hz / elapsed * 100,
                      rssMB: memory("VmRSS:"), peakMB: memory("VmHWM:"))
    }
}
