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
        for bot in applied {
            guard let venue = bot.spec?.venue, venue.kind.isExchange else { continue }
            bots[venue.account, default: []].append(bot.name)
        }
        let views = accounts.values.sorted { $0.name < $1.name }.map { a in
            AccountView(
                name: a.name, venue: a.venue.rawValue, mode: a.mode.rawValue, realMoney: a.tradesRealMoney,
                endpoint: a.endpoint ?? publishedEndpoint(a), file: a.file, description: a.description,
                credentials: a.credentials.keys.sorted(), bots: (bots[a.name] ?? []).sorted())
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
