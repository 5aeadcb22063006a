import FlotillaSpec
import FlotillaStore
import Foundation

/// Records each bot's live equity (the sum over its live instances, exact) into the store's
/// equity history, so the dashboard draws a bot's curve from its past on open. At a bounded rate:
/// a bot is sampled at most once per `intervalMs`, and only when its equity moved or
/// `keepAliveMs` passed; the store thins each bot's history past its bound (`EquityHistory`).
/// One write per recording pass, whatever the fleet's size.
public struct EquityRecorder: Sendable {
    public var intervalMs: Int64
    public var keepAliveMs: Int64
    private var lastPassAt: Int64?
    private var last: [String: (time: Int64, equity: Decimal)] = [:]
    private var passes = 0

    public init(intervalMs: Int64 = 2_000, keepAliveMs: Int64 = 10_000) {
        self.intervalMs = intervalMs
        self.keepAliveMs = keepAliveMs
    }

    /// The samples due at `nowMs` for these instances (pure; remembers what it returned).
    public mutating func due(_ instances: [LiveInstance], nowMs: Int64) -> [(bot: String, sample: EquitySample)] {
        if let lastPassAt, nowMs - lastPassAt < intervalMs { return [] }
        lastPassAt = nowMs
        var equity: [String: Decimal] = [:]
        var unknown: Set<String> = []
        for instance in instances where instance.state.mode == .live && instance.state.phase != .stopped {
            let bot = instance.state.bot
            guard let value = instance.metrics?.equity else { continue }  // nothing traded yet
            guard let exact = Decimal.parseExactPublic(value.description) else { unknown.insert(bot); continue }
            equity[bot, default: 0] += exact
        }
        var out: [(bot: String, sample: EquitySample)] = []
        for (bot, value) in equity.sorted(by: { $0.key < $1.key }) where !unknown.contains(bot) {
            if let previous = last[bot], previous.equity == value, nowMs - previous.time < keepAliveMs { continue }
            last[bot] = (nowMs, value)
            out.append((bot, EquitySample(time: nowMs, equity: value.canonicalText)))
        }
        return out
    }

    /// Records what is due; every 300th pass also forgets deleted bots' history.
    public mutating func record(_ instances: [LiveInstance]?, nowMs: Int64, store: StateStore) throws {
        guard let instances else { return }
        let samples = due(instances, nowMs: nowMs)
        guard !samples.isEmpty else { return }
        try store.recordEquity(samples)
        passes += 1
        if passes % 300 == 1 { try store.forgetEquityOfDeletedBots() }
    }
}
