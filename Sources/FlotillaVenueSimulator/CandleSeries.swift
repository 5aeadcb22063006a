import FlotillaTrading
import FlotillaVenues

/// A market's candles as the simulator serves them: a series (a bundled CSV, a synthetic run)
/// laid end to end onto the exchange's clock, one per interval, the first opening at `startMs`
/// (so any file plays at any interval). As the simulated time advances, closed candles appear in `GET /api/v3/klines`
/// and the candle in progress is served as Binance serves it (open, so far, close time in the
/// future); the market's price follows the close of the candle in progress.
public struct CandleSeries: Sendable {
    /// The candles, re-timed onto the exchange's clock (Unix seconds), oldest first.
    public let candles: [Candle]
    public let interval: CandleInterval

    /// - Parameter startMs: when the first candle opens on the exchange's clock (aligned down to the interval).
    public init(_ candles: [Candle], interval: CandleInterval, startMs: Int64) {
        let start = startMs / 1000 / interval.seconds * interval.seconds
        self.candles = candles.enumerated().map { i, c in
            var c = c
            c.time = start + Int64(i) * interval.seconds
            return c
        }
        self.interval = interval
    }

    /// The candles whose open time is in `startMs...endMs` and has come by `nowMs`, at most `limit`.
    func klines(startMs: Int64, endMs: Int64, nowMs: Int64, limit: Int) -> [Candle] {
        var lo = 0, hi = candles.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if candles[mid].time * 1000 < startMs { lo = mid + 1 } else { hi = mid }
        }
        var out: [Candle] = []
        var i = lo
        while i < candles.count, out.count < limit, candles[i].time * 1000 <= endMs, candles[i].time * 1000 <= nowMs {
            out.append(candles[i])
            i += 1
        }
        return out
    }

    /// The candle in progress (or the last one) at `nowMs`: its close is the market's price.
    func current(atMs nowMs: Int64) -> Candle? {
        var lo = 0, hi = candles.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if candles[mid].time * 1000 <= nowMs { lo = mid + 1 } else { hi = mid }
        }
        return lo > 0 ? candles[lo - 1] : nil
    }
}

extension SimulatedBinance {
    /// Serves `series` as the market's klines from now on, and moves its price with it.
    public func play(_ series: CandleSeries, on symbol: Symbol) {
        seriesByMarket[BinanceRequests.venueSymbol(symbol)] = series
        followSeries()
    }

    /// Market-data requests served (`GET /api/v3/klines`), per venue symbol.
    public func klineRequests(_ symbol: Symbol) -> Int { klineRequestCount[BinanceRequests.venueSymbol(symbol), default: 0] }

    /// Every market playing a series takes the price of its candle in progress (filling what that crosses).
    func followSeries() {
        for (name, series) in seriesByMarket {
            guard let candle = series.current(atMs: now), let symbol = marketSymbol(name), price(of: name) != candle.close else { continue }
            setPrice(symbol, candle.close)
        }
    }

    /// Binance's kline rows for a series: open time, OHLC, volume, close time, quote volume, trades…
    func seriesKlines(_ series: CandleSeries, market name: String, _ params: [String: String]) throws(Refusal) -> [[Any]] {
        klineRequestCount[name, default: 0] += 1
        guard params["interval"] == series.interval.binance else {
            throw Refusal(status: 400, code: -1120, msg: "Invalid interval.")
        }
        let start = params["startTime"].flatMap { Int64($0) } ?? 0
        let end = params["endTime"].flatMap { Int64($0) } ?? now
        let limit = min(1000, max(1, params["limit"].flatMap { Int($0) } ?? 500))
        let ms = series.interval.seconds * 1000
        return series.klines(startMs: start, endMs: end, nowMs: now, limit: limit).map { c in
            let open = c.time * 1000
            // The candle in progress shows what has traded so far: its close is the price now.
            return [open, text(c.open), text(c.high), text(c.low), text(c.close), String(c.volume), open + ms - 1,
                    "0.00000000", 1, "0.00000000", "0.00000000", "0"]
        }
    }
}
