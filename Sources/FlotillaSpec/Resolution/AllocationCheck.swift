import Foundation

/// Accounts hold the money; bots hold allocations. The capital of the bots on one account (their
/// canaries come out of it) may not exceed what the account holds, asset by asset.
///
/// A bot is on an account when its `spec.venue.account` names a `kind: Account` of its own venue:
/// an exchange bot's account always; a paper bot's when `accounts/` declares a paper account of
/// that name — `main`, the account of every paper bot that names none, included.
public enum AllocationCheck {
    /// The account a bot's capital is allocated from, when `accounts/` declares it.
    public static func account(of bot: (kind: VenueSpec.Kind, account: String), in accounts: [String: AccountSpec]) -> AccountSpec? {
        guard let account = accounts[bot.account], account.venue == bot.kind else { return nil }
        return account
    }

    /// The asset a bot's capital is in: its symbols' quote (`BTC-USDT` → `USDT`); nil when its
    /// symbols quote in more than one.
    public static func capitalAsset(symbols: [String]) -> String? {
        let quotes = Set(symbols.compactMap { $0.split(separator: "-").last.map(String.init) })
        return quotes.count == 1 ? quotes.first : nil
    }

    static func problems(_ bots: [BotSpec], accounts: [String: AccountSpec]) -> [Diagnostic] {
        var out: [Diagnostic] = []
        // account → asset → bots with their capital
        var allocated: [String: [String: [(name: String, capital: Decimal)]]] = [:]
        for bot in bots {
            guard let account = account(of: (bot.venue.kind, bot.venue.account), in: accounts), !account.balance.isEmpty else { continue }
            guard let asset = capitalAsset(symbols: bot.market.symbols) else {
                out.append(Diagnostic(
                    file: bot.file, mark: bot.marks["spec.market.symbols"] ?? bot.marks["spec.market.symbol"] ?? bot.mark, path: "spec.market",
                    message: "its capital is allocated from account \(account.name) in one asset, but its symbols quote in several (\(bot.market.symbols.joined(separator: ", "))); give each quote currency its own bot"))
                continue
            }
            allocated[account.name, default: [:]][asset, default: []].append((bot.name, bot.capital.quote))
        }
        for (name, assets) in allocated.sorted(by: { $0.key < $1.key }) {
            let account = accounts[name]!
            for (asset, holders) in assets.sorted(by: { $0.key < $1.key }) {
                let total = holders.reduce(Decimal(0)) { $0 + $1.capital }
                let held = account.balance[asset] ?? 0
                guard total > held else { continue }
                let ranked = holders.sorted { ($0.capital, $1.name) > ($1.capital, $0.name) }
                var list = ranked.prefix(10).map { "\($0.name) \($0.capital.canonicalText)" }.joined(separator: ", ")
                if ranked.count > 10 { list += " and \(ranked.count - 10) more" }
                let holds = account.balance[asset] == nil ? "holds no \(asset)" : "holds \(held.canonicalText) \(asset)"
                out.append(Diagnostic(
                    file: account.file, mark: account.balanceMarks[asset] ?? account.balanceMarks[""] ?? account.mark, path: "spec.balance.\(asset)",
                    message: "account \(name) \(holds), but its bots are allocated \(total.canonicalText) \(asset) (\(list)): lower their spec.capital.quote or raise spec.balance.\(asset)"))
            }
        }
        return out
    }
}
