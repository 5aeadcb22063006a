import FlotillaTrading

/// What an instance's health is read from besides its venue guard: each trading metric against
/// its own recent baseline (`AnomalyDetector`), venue errors per tick, the share of a core the
/// instance uses, how long its venue interactions take, and the memory it holds. The instance
/// feeds it as it trades; its metrics read it.
struct InstanceProbes: Sendable {
    private(set) var detector = AnomalyDetector()
    private var venueErrorsThisTick = 0
    /// Share of one core spent advancing the instance, smoothed over ticks.
    private(set) var cpuShare: Double = 0
    private var lastAdvance: ContinuousClock.Instant?
    /// How long a venue interaction (a candle's orders) took, smoothed, seconds.
    private(set) var venueLatency: Double = 0

    /// Anything to persist: a failed venue call changes the error count without a candle.
    var venueErroredThisTick: Bool { venueErrorsThisTick > 0 }

    mutating func venueFailed() { venueErrorsThisTick += 1 }

    /// One venue interaction took `seconds`.
    mutating func venueAnswered(in seconds: Double) { venueLatency += 0.2 * (seconds - venueLatency) }

    /// Feeds the detector one candle's return, rejects and slippage (`before`: the account before
    /// the candle; `fresh`: the fills it made).
    mutating func observe(candle: Candle, equityBefore: Double, equity: Double, rejects: Int, fresh: ArraySlice<Fill>) {
        let at = candle.time * 1000
        if equityBefore > 0 { detector.observe("returnPct", (equity - equityBefore) / equityBefore * 100, at: at) }
        detector.observe("rejects", Double(rejects), at: at)
        if !fresh.isEmpty { detector.observe("slippageBps", fresh.map(\.slippageBps).reduce(0, +) / Double(fresh.count), at: at) }
    }

    /// The end of a tick that started at `started`: venue errors per tick against their baseline
    /// (while the instance trades), and the share of a core it used since the last tick.
    mutating func endTick(started: ContinuousClock.Instant, trading: Bool, nowMs: Int64) {
        let now = ContinuousClock.now
        if trading { detector.observe("venueErrors", Double(venueErrorsThisTick), at: nowMs) }
        venueErrorsThisTick = 0
        if let last = lastAdvance {
            let wall = (now - last).seconds, busy = (now - started).seconds
            if wall > 0 { cpuShare += 0.1 * (min(1, busy / wall) - cpuShare) }
        }
        lastAdvance = now
    }

    /// Bytes an instance holds: its candles (shared with other instances replaying the same
    /// file), its account's orders and fills, the strategy's indicator windows (estimated).
    static func memoryEstimate(candles: Int, orders: Int, fills: Int) -> Int {
        candles * MemoryLayout<Candle>.stride + orders * (MemoryLayout<Order>.stride + 16) + fills * MemoryLayout<Fill>.stride + 500 * 8 * 8
    }
}
