import Foundation
import FlotillaAPI
import FlotillaLive
import FlotillaSpec
import FlotillaStore

extension AccountView {
    /// The project's accounts (those that validate; `problems` says why others do not) with the
    /// applied bots on each — one way for the CLI and the API.
    public static func all(layout: ProjectLayout, store: StateStore?) -> (accounts: [AccountView], problems: [Diagnostic]) {
        let (accounts, problems) = SpecLoader.readAccounts(layout)
        // A store row that cannot be read hides nothing here: its bot is just not listed.
        let applied = (try? store?.desiredState().bots) ?? []
        var bots: [String: [String]] = [:]
        var allocated: [String: [String: Decimal]] = [:]
        for bot in applied {
            guard let spec = bot.spec, let account = AllocationCheck.account(of: (spec.venue.kind, spec.venue.account), in: accounts) else { continue }
            bots[account.name, default: []].append(bot.name)
            if let asset = AllocationCheck.capitalAsset(symbols: spec.market.symbols) { allocated[account.name, default: [:]][asset, default: 0] += spec.capital.quote }
        }
        let views = accounts.values.sorted { $0.name < $1.name }.map { a in
            AccountView(
                name: a.name, venue: a.venue.rawValue, mode: a.modeName, realMoney: a.tradesRealMoney,
                endpoint: a.endpoint ?? publishedEndpoint(a), file: a.file, description: a.description,
                credentials: a.credentials.keys.sorted(), bots: (bots[a.name] ?? []).sorted(),
                balance: a.balance.mapValues(\.canonicalText), allocated: (allocated[a.name] ?? [:]).mapValues(\.canonicalText))
        }
        return (views, problems)
    }

    static func publishedEndpoint(_ a: AccountSpec) -> String {
        switch (a.venue, a.mode) {
        case (.binance, .testnet): return BinanceEnvironment.testnet.baseURL
        case (.binance, .live): return BinanceEnvironment.live.baseURL
        case (.coinbase, _): return CoinbaseAccount.productionURL
        case (.paper, _): return "-"
        }
    }
}
