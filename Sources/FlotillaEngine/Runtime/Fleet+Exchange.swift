import FlotillaLive
import FlotillaSpec
import FlotillaTrading
import Foundation

/// A live instance of a bot on an exchange: its own `OrderRouter` on the bot's account (the
/// client and rate budget shared with every bot on it, `AccountConnections`), driven by an
/// `ExchangeDesk`, and its book's rules from the exchange's market.
struct ExchangeSeat {
    var desk: ExchangeDesk
    var rules: VenueRules
}

extension Fleet {
    /// How long the start of an exchange instance waits for the market's rules before that bot is
    /// Degraded (the fleet's other bots start meanwhile on the next pass).
    static let marketRulesTimeout: Duration = .seconds(10)

    /// The seat of an exchange bot's instance; nil for a paper bot. Throws (the bot's start fails,
    /// Degraded with the reason) when its account can't be reached or doesn't trade the symbol.
    func exchangeSeat(for spec: ResolvedBot, instance: String, symbol text: String) async throws -> ExchangeSeat? {
        guard spec.venue.kind.isExchange else { return nil }
        guard let symbol = Symbol(text) else {
            throw EngineError.missingData("\(spec.name): \(text) is not a BASE-QUOTE symbol an exchange trades")
        }
        let venue: any FlotillaVenues.Venue
        do { venue = try accounts.venue(for: spec.venue) } catch {
            throw EngineError.missingData("\(spec.name): \(error)")
        }
        let key = "\(spec.venue.kind.rawValue)/\(spec.venue.account)/\(symbol)"
        let market: VenueMarket
        if let known = exchangeMarkets[key] {
            market = known
        } else {
            let markets: [VenueMarket]
            do {
                markets = try await Self.within(Self.marketRulesTimeout) { try await venue.markets([symbol]) }
            } catch {
                throw EngineError.missingData("\(spec.name): the rules of \(symbol) on \(venue.name) (account \(spec.venue.account)) could not be read: \(error)")
            }
            guard let listed = markets.first(where: { $0.symbol == symbol }) else {
                throw EngineError.missingData("\(spec.name): \(venue.name) (account \(spec.venue.account)) does not list \(symbol)")
            }
            market = listed
            // Kept for the process's life (a halted market is asked again at the next start).
            if listed.trading { exchangeMarkets[key] = listed }
        }
        guard market.trading else {
            throw EngineError.missingData("\(spec.name): \(venue.name) has halted trading in \(symbol)")
        }
        var rules = market.rules
        rules.makerFee = TradingBridge.defaultFee
        rules.takerFee = TradingBridge.defaultFee
        rules.allowShort = false  // spot: no selling what isn't held
        let ledger = StoreOrderLedger(store: store)
        let router = OrderRouter(bot: spec.name, instance: instance, account: spec.venue.account, venue: venue, ledger: ledger, symbols: [symbol])
        return ExchangeSeat(desk: ExchangeDesk(router: router, symbol: symbol, ledger: ledger), rules: rules)
    }

    static func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw EngineError.missingData("no answer within \(limit)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
