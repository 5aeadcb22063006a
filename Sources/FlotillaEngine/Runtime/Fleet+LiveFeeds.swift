import FlotillaLive
import FlotillaSpec
import FlotillaTrading

/// Where an instance's candles come from when it starts: the replay or synthetic series
/// (`MarketDataCache`), or, for a live source, a subscription to the fleet's one feed of its
/// (venue, symbol, interval) — backfilled history to warm up on, then each closed candle.
struct InstanceCandles {
    var candles: [Candle]
    var live: FeedSubscription?
}

extension Fleet {
    /// Candles a bot's strategy is warmed up on when it starts on a live feed.
    static let liveWarmUp = 500

    func instanceCandles(for spec: ResolvedBot, symbol: String) async throws -> InstanceCandles {
        guard spec.market.source.isLive else { return InstanceCandles(candles: try data.candles(for: spec, symbol: symbol), live: nil) }
        let seconds = spec.market.interval.milliseconds / 1000
        guard let key = FeedKey(source: spec.market.source, symbol: symbol, intervalSeconds: seconds) else {
            throw EngineError.missingData("\(spec.name) on \(symbol): live candles need a BASE-QUOTE symbol and an interval of 1m, 5m, 15m, 30m, 1h, 2h, 6h or 1d")
        }
        let subscription: FeedSubscription
        do {
            subscription = try await feeds.subscribe(key, warmUp: Self.liveWarmUp)
        } catch {
            throw EngineError.missingData("\(spec.name) on \(symbol): \(error)")
        }
        return InstanceCandles(candles: subscription.history, live: subscription)
    }
}
