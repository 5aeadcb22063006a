/// How bots and `accounts/` fit together: a bot on an exchange names an account of that
/// exchange; a paper bot never names an exchange account (paper and real ledgers never mix).
enum AccountCheck {
    static func problems(_ bots: [BotSpec], accounts: [String: AccountSpec]) -> [Diagnostic] {
        var out: [Diagnostic] = []
        let names = accounts.keys.sorted()
        for bot in bots {
            // A live source may read candles through an account's endpoint: one of its own venue.
            if case .live(let venue, let name?) = bot.market.source.feed {
                let mark = bot.marks["spec.market.source.account"] ?? bot.mark
                if let account = accounts[name] {
                    if account.venue.rawValue != venue.rawValue {
                        out.append(Diagnostic(
                            file: bot.file, mark: mark, path: "spec.market.source.account",
                            message: "account \(name) is a \(account.venue.rawValue) account (\(account.file)); a live: \(venue.rawValue) source reads through a \(venue.rawValue) account"))
                    }
                } else {
                    out.append(Diagnostic(
                        file: bot.file, mark: mark, path: "spec.market.source.account",
                        message: "unknown account \"\(name.prefix(40))\"\(Suggestion.hint(for: name, among: names)); accounts: \(names.isEmpty ? "none (add a kind: Account to accounts/, or remove account: to read the venue's public endpoint)" : names.joined(separator: ", "))"))
                }
            }
            let mark = bot.marks["spec.venue.account"] ?? bot.marks["spec.venue"] ?? bot.mark
            let account = accounts[bot.venue.account]
            switch bot.venue.kind {
            case .paper:
                // Only an account the bot names itself: the implicit `main` of a paper bot is its
                // paper ledger, whatever accounts/ holds (a paper account of that name is its account).
                if let account, account.venue != .paper, bot.marks["spec.venue.account"] != nil {
                    out.append(Diagnostic(
                        file: bot.file, mark: mark, path: "spec.venue.account",
                        message: "\(account.name) is a \(account.venue.rawValue) account (\(account.file)); a paper bot's account names a paper ledger, kept apart from exchange accounts — give it another name"))
                }
            case .binance, .coinbase:
                guard bot.marks["spec.venue.account"] != nil else {
                    out.append(Diagnostic(
                        file: bot.file, mark: mark, path: "spec.venue.account",
                        message: "is required for a \(bot.venue.kind.rawValue) bot: name the kind: Account in accounts/ it trades through (accounts: \(names.isEmpty ? "none" : names.joined(separator: ", ")))"))
                    continue
                }
                guard let account else {
                    let hint = Suggestion.hint(for: bot.venue.account, among: names)
                    out.append(Diagnostic(
                        file: bot.file, mark: mark, path: "spec.venue.account",
                        message: "unknown account \"\(bot.venue.account.prefix(40))\"\(hint); a \(bot.venue.kind.rawValue) bot trades through a kind: Account in accounts/ (accounts: \(names.isEmpty ? "none" : names.joined(separator: ", ")))"))
                    continue
                }
                if account.venue != bot.venue.kind {
                    out.append(Diagnostic(
                        file: bot.file, mark: bot.marks["spec.venue.kind"] ?? mark, path: "spec.venue.kind",
                        message: "account \(account.name) is a \(account.venue.rawValue) account (\(account.file)), not \(bot.venue.kind.rawValue); set spec.venue.kind: \(account.venue.rawValue) or name a \(bot.venue.kind.rawValue) account"))
                }
                // Real orders follow the exchange's own prices: a replayed or synthetic series would
                // decide on candles that are not the market (a simulator on loopback may play any).
                if case .live(let venue, _) = bot.market.source.feed, venue.rawValue == bot.venue.kind.rawValue {
                } else if !account.isLoopback {
                    out.append(Diagnostic(
                        file: bot.file, mark: Self.sourceMark(bot), path: "spec.market.source",
                        message: "a \(bot.venue.kind.rawValue) bot places real orders, so it trades on \(bot.venue.kind.rawValue)'s own candles: set market.source: { live: \(bot.venue.kind.rawValue) } (replayed or synthetic candles are for paper bots, or for an account whose endpoint is a simulator on loopback)"))
                }
            }
        }
        return out
    }

    /// Where a bot's market source is written (a bot without one: its document).
    static func sourceMark(_ bot: BotSpec) -> SourceMark {
        bot.marks["spec.market.source.replay"] ?? bot.marks["spec.market.source.synthetic"] ?? bot.marks["spec.market.source.live"]
            ?? bot.marks["spec.market.source"] ?? bot.mark
    }
}
