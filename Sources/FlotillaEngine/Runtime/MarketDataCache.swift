import FlotillaSpec
import FlotillaTrading
import Foundation
import NIOConcurrencyHelpers

/// Candles for every instance, loaded once per file and shared (a thousand bots on one market
/// share one array).
final class MarketDataCache: Sendable {
    private let cache = NIOLockedValueBox<[String: [Candle]]>([:])
    let files: CandleFiles

    /// `baseDirectory` is the project's `bots.d/`: replay names are looked up there, and files must
    /// lie inside its parent, the project directory (`CandleFiles`).
    init(baseDirectory: String?) {
        let base = baseDirectory.map { URL(fileURLWithPath: $0).standardizedFileURL }
        files = CandleFiles(root: base?.deletingLastPathComponent(), base: base)
    }

    /// The candles an instance of `bot` on `symbol` replays.
    func candles(for bot: ResolvedBot, symbol: String) throws -> [Candle] {
        switch bot.market.source.feed {
        case .replay:
            let name = bot.market.source.replayFile(for: symbol) ?? ""
            if let hit = cache.withLockedValue({ $0[name] }) { return hit }
            let candles: [Candle]
            do {
                candles = try files.read(name)
            } catch {
                throw EngineError.missingData("\(bot.name) on \(symbol): \(error.message)")
            }
            cache.withLockedValue { $0[name] = candles }
            return candles
        case .synthetic(let seed, let start, let vol, let drift):
            let key = "synthetic:\(seed):\(symbol):\(bot.market.interval.milliseconds)"
            if let hit = cache.withLockedValue({ $0[key] }) { return hit }
            let candles = Array(SyntheticCandles(
                seed: UInt64(seed) &+ symbol.utf8.reduce(UInt64(0)) { $0 &* 31 &+ UInt64($1) }, start: try TradingBridge.money(start, "spec.market.source.synthetic.startPrice"),
                interval: Int64(bot.market.interval.seconds), volatilityPct: TradingBridge.double(vol), driftPct: TradingBridge.double(drift),
                tick: Fixed(units: 1)).prefix(20_000))
            cache.withLockedValue { $0[key] = candles }
            return candles
        case .live:
            // Live candles come from the fleet's feeds (`Fleet.instanceCandles`), never from a file.
            throw EngineError.missingData("\(bot.name) on \(symbol): a live source has no candle file")
        }
    }
}

public enum EngineError: Error, CustomStringConvertible {
    case missingData(String)
    case missingRevision(bot: String, revision: Int)
    /// A money amount the exact money type cannot hold (too many decimals, out of range).
    case inexactMoney(String)

    public var description: String {
        switch self {
        case .missingData(let m): return m
        case .missingRevision(let bot, let revision): return "bot \(bot) has no revision \(revision) in the state store"
        case .inexactMoney(let m): return m
        }
    }
}
