import FlotillaLive
import FlotillaSpec
import FlotillaTrading
import FlotillaVenues
import Foundation

extension Fleet {
    /// How often each exchange account's balance is read to check the bots' books against it.
    static let balanceReadIntervalMs: Int64 = 60_000

    /// The live exchange books of the fleet, by account, and whether every one of them is at rest
    /// (reconciled, no order working, every fill booked) — only then do books and a balance read
    /// describe the same moment.
    private func exchangeBooks() async -> [String: (venue: VenueSpec, books: [AccountShortfall.Book], atRest: Bool, fills: Int)] {
        var out: [String: (venue: VenueSpec, books: [AccountShortfall.Book], atRest: Bool, fills: Int)] = [:]
        for instance in instances.values where instance.desk != nil {
            guard let seen = await instance.exchangeBook() else { continue }
            var entry = out[seen.book.account] ?? (seen.venue, [], true, 0)
            entry.books.append(seen.book)
            entry.atRest = entry.atRest && seen.atRest
            entry.fills += seen.fillsBooked
            out[seen.book.account] = entry
        }
        return out
    }

    /// Once a minute per exchange account whose books are at rest: reads its balance (off the
    /// fleet's thread, one request) and checks the books against it (`balancesRead`).
    func readAccountBalances(nowMs: Int64) async {
        guard instances.values.contains(where: { $0.desk != nil }) else { return }
        for (account, entry) in await exchangeBooks() where entry.atRest {
            guard nowMs - (balanceReadAt[account] ?? .min / 2) >= Self.balanceReadIntervalMs else { continue }
            balanceReadAt[account] = nowMs
            guard let venue = try? accounts.venue(for: entry.venue) else { continue }
            let fills = entry.fills
            Task { [weak self] in
                guard let balances = try? await Fleet.within(.seconds(10), { try await venue.balances() }) else { return }
                await self?.balancesRead(account: account, balances, fillsBefore: fills)
            }
        }
    }

    /// Compares an account's balance with its bots' books, if nothing traded while it was read,
    /// and records a change in its shortfalls as an `AccountShortfall` event (and alert).
    func balancesRead(account: String, _ balances: [VenueBalance], fillsBefore: Int) async {
        guard let entry = await exchangeBooks()[account], entry.atRest, entry.fills == fillsBefore else { return }
        let shortfalls = AccountShortfall.find(books: entry.books, balances: [account: balances])
        guard shortfalls != (reportedShortfalls[account] ?? []) else { return }
        reportedShortfalls[account] = shortfalls
        if shortfalls.isEmpty {
            writes.recordEvent(bot: nil, kind: "AccountBalanced", message: "account \(account) holds what its bots' books hold again")
        } else {
            for s in shortfalls {
                logger.warning("account shortfall", metadata: ["account": "\(account)", "message": "\(s)"])
                writes.recordEvent(bot: nil, kind: "AccountShortfall", message: s.description)
            }
        }
        try? flush()
    }
}
