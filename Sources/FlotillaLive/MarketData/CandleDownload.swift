import FlotillaTrading
import Foundation
import FlotillaVenues

/// `flotilla data fetch`: a venue's closed candles over a time range, paged by the adapter, as the
/// CSV `flotilla backtest` reads (`CandleCSV.header`), so a strategy is tested on the market it will trade.
public enum CandleDownload {
    public struct Problem: Error, Sendable, CustomStringConvertible, Equatable {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// Closed candles whose open time is in `start..<end` (Unix seconds), oldest first, each once;
    /// throws only `Problem`.
    /// A range in the future, an empty or reversed range, or a venue that knows no such market is a
    /// `Problem` that says what to change.
    public static func fetch(from source: any CandleSource, venue: String, symbol: Symbol, interval: CandleInterval,
                             start: Int64, end: Int64, nowMs: Int64) async throws -> [Candle] {
        let schedule = CandleSchedule(interval: interval, graceMs: 0)
        let newestClosed = schedule.lastClosedOpen(atMs: nowMs)
        guard start <= newestClosed else {
            throw Problem("--start \(CandleTime.iso(start)) is in the future (the newest closed \(interval.rawValue) candle opened at \(CandleTime.iso(newestClosed)))")
        }
        guard end > start else {
            throw Problem("--end \(CandleTime.iso(end)) is not after --start \(CandleTime.iso(start)); give a range such as --start 2024-01-01 --end 2024-01-08")
        }
        let until = min(end, newestClosed + interval.seconds)
        let raw: [Candle]
        do {
            raw = try await withRetries { try await source.candles(symbol, interval: interval, start: start, end: until) }
        } catch let e as VenueError where e.kind == .unknownProduct {
            throw Problem("\(venue) has no market \(symbol) (\(e.message)); check the symbol, written BASE-QUOTE, e.g. BTC-USDT")
        } catch {
            throw Problem("\(venue) candles for \(symbol) \(interval.rawValue) could not be read: \(error)")
        }
        var ledger = CandleLedger(schedule: schedule)
        let candles = ledger.merge(raw, atMs: nowMs).fresh.filter { $0.time >= start && $0.time < end }
        guard !candles.isEmpty else {
            throw Problem("\(venue) has no \(interval.rawValue) candles for \(symbol) between \(CandleTime.iso(start)) and \(CandleTime.iso(end)); try a later --start")
        }
        return candles
    }

    /// A read the venue may answer next time (a timeout, a 5xx, a rate limit) is sent again: up to
    /// `attempts` times, 1 s then 2 s apart, or after the venue's `Retry-After` (at most a minute).
    static func withRetries<T>(attempts: Int = 3, _ read: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await read()
            } catch let e as VenueError where e.classification == .retryable && attempt < attempts {
                var wait = Int64(1) << (attempt - 1)
                if case .rateLimited(let after?) = e.kind { wait = Int64(min(60, max(1, after))) }
                try await Task.sleep(for: .seconds(wait))
                attempt += 1
            }
        }
    }

    /// The candles as CSV with the canonical header (ISO 8601 UTC open times, exact prices).
    public static func csv(_ candles: [Candle]) -> String {
        var out = CandleCSV.header + "\n"
        out.reserveCapacity(candles.count * 64)
        for c in candles {
            out += "\(CandleTime.iso(c.time)),\(c.open),\(c.high),\(c.low),\(c.close),\(volumeText(c.volume))\n"
        }
        return out
    }

    static func volumeText(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        // The shortest text that reads back as the same number, never with an exponent.
        let shortest = "\(v)"
        if !shortest.contains("e") { return shortest }
        var text = String(format: "%.12f", v)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

/// Unix seconds ↔ ISO 8601 UTC, for candle files and command-line ranges.
public enum CandleTime {
    /// `2024-01-15T10:30:00Z`
    public static func iso(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400)
        let rest = seconds - days * 86400
        // Civil date from days (Howard Hinnant's algorithm).
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(y)-\(two(m))-\(two(d))T\(two(rest / 3600)):\(two(rest % 3600 / 60)):\(two(rest % 60))Z"
    }

    /// A date (`2024-01-15`), a UTC time (`2024-01-15T10:30:00Z`, an offset allowed) or Unix seconds.
    public static func parse(_ text: String) -> Int64? {
        if let n = Int64(text), n >= 0 { return n > 100_000_000_000 ? n / 1000 : n }
        if text.count == 10, let ms = VenueTime.milliseconds(text + "T00:00:00Z") { return ms / 1000 }
        if let ms = VenueTime.milliseconds(text) { return ms / 1000 }
        if let ms = VenueTime.milliseconds(text + "Z") { return ms / 1000 }
        return nil
    }
}
