import FlotillaTrading
import FlotillaVenues

/// Bots on one exchange account keep their own books (sub-ledgers) over the one balance the
/// venue holds. The account must hold at least what the books say is theirs — the quote cash
/// not yet spent and the base bought — asset by asset. What it holds beyond is the user's; what
/// it lacks is a shortfall, reported (an event, and an alert) and never absorbed: a book is not
/// shrunk to fit.
public struct AccountShortfall: Sendable, Equatable, CustomStringConvertible {
    public var account: String
    public var asset: String
    /// Σ of the books' claims on the asset.
    public var claimed: Fixed
    /// What the venue reported (available + held by open orders).
    public var held: Fixed

    /// One live book on an exchange account.
    public struct Book: Sendable {
        public var account: String
        public var symbol: Symbol
        public var cash: Fixed
        public var position: Fixed

        public init(account: String, symbol: Symbol, cash: Fixed, position: Fixed) {
            self.account = account
            self.symbol = symbol
            self.cash = cash
            self.position = position
        }
    }

    public var description: String {
        "account \(account) holds \(held) \(asset), but its bots' books hold \(claimed) \(asset): \(claimed - held) \(asset) short — fund the account or lower the bots' capital (money moved outside flotilla is not taken from any bot's book)"
    }

    /// The shortfalls of every account whose balances were read (`balances`), sorted.
    public static func find(books: [Book], balances: [String: [VenueBalance]]) -> [AccountShortfall] {
        var claims: [String: [String: Fixed]] = [:]
        for book in books where balances[book.account] != nil {
            claims[book.account, default: [:]][book.symbol.quote, default: .zero] += book.cash
            claims[book.account, default: [:]][book.symbol.base, default: .zero] += book.position
        }
        var out: [AccountShortfall] = []
        for (account, assets) in claims.sorted(by: { $0.key < $1.key }) {
            let venue = balances[account] ?? []
            for (asset, claimed) in assets.sorted(by: { $0.key < $1.key }) where claimed > .zero {
                let held = venue.filter { $0.asset == asset }.reduce(Fixed.zero) { $0 + $1.available + $1.held }
                if claimed > held { out.append(AccountShortfall(account: account, asset: asset, claimed: claimed, held: held)) }
            }
        }
        return out
    }
}
