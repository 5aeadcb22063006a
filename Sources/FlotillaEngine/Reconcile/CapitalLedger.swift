import FlotillaTrading
import Foundation

/// A bot's capital accounting, as a value: the reserve (the bot's capital not held by any live
/// instance) and the PnL that came back to it from instances that left live for shadow.
///
/// A live instance draws on the reserve when it starts, goes live or its share rises; it returns
/// cash to the reserve when its share falls, when it stops and when it leaves live for shadow.
/// Shadow instances trade notional capital that is never the bot's money. Positions move between
/// instances directly (a handover, at cost, no trade and no fee) and never through the ledger. So no
/// transition creates or destroys money: Σ live equity + reserve moves only by trading, and
/// `accounted(contributions:)` — every live contribution plus the reserve less the returned
/// PnL — equals the bot's capital exactly.
struct CapitalLedger: Sendable, Equatable {
    var reserve: Fixed
    var returnedPnL: Fixed = .zero

    /// A live instance as the ledger sees it when it rebalances.
    struct Account: Sendable, Equatable {
        var id: String
        /// Its share of the bot's equity, percent.
        var share: Decimal
        var equity: Fixed
        /// What it can give: an instance never gives more cash than it holds.
        var cash: Fixed
    }

    /// The bot's capital changed in place (`capital: { quote: … }` edited): the difference goes
    /// into (or comes out of) the reserve.
    mutating func capitalChanged(from old: Fixed, to new: Fixed) { reserve += new - old }

    /// A live instance stopped and its `cash` came back.
    mutating func stopped(returning cash: Fixed) { reserve += cash }

    /// A live instance left live for shadow: its `cash` came back, and what it earned on its
    /// `contribution` is remembered (its stored account is the shadow one from now on).
    mutating func leftLive(returning cash: Fixed, contribution: Fixed) {
        reserve += cash
        returnedPnL += cash - contribution
    }

    /// The cash moves (instance id → amount; positive: into the instance) that bring each live
    /// account to its share of the total (reserve + every account's equity), applied to the
    /// reserve: accounts above their share give their excess (as far as their cash goes) to the
    /// reserve, then the reserve goes to those below theirs, in proportion to what each lacks, as far
    /// as it goes. Shares are rounded down, so the reserve never goes negative.
    mutating func rebalance(_ accounts: [Account]) -> [(id: String, amount: Fixed)] {
        guard !accounts.isEmpty else { return [] }
        let total = accounts.reduce(reserve) { $0 + $1.equity }
        var moves: [(id: String, amount: Fixed)] = []
        var deficits: [(id: String, lacks: Fixed)] = []
        for account in accounts {
            let target = total.scaled(by: Int64(NSDecimalNumber(decimal: account.share * 1_000_000).int64Value), over: 100_000_000, rounding: .down)
            if account.equity > target {
                let give = min(account.equity - target, max(.zero, account.cash))
                reserve += give
                if !give.isZero { moves.append((account.id, -give)) }
            } else if target > account.equity {
                deficits.append((account.id, target - account.equity))
            }
        }
        let need = deficits.reduce(Fixed.zero) { $0 + $1.lacks }
        if need.units > 0, reserve.units > 0 {
            let available = min(reserve, need)
            for (id, lacks) in deficits {
                let share = available.multiplied(by: lacks.divided(by: need, rounding: .down), rounding: .down)
                reserve -= share
                if !share.isZero { moves.append((id, share)) }
            }
        }
        return moves
    }

    /// What the ledger accounts for, given the capital put into every live instance the bot ever
    /// ran (each account's starting cash): equal to the bot's capital when no money was made or lost
    /// by anything but trading.
    func accounted(contributions: [Fixed]) -> Fixed {
        contributions.reduce(reserve - returnedPnL, +)
    }
}

extension RolloutEnvelope {
    /// The envelope's capital accounting (persisted as its `reserve` and `returnedPnL`).
    var ledger: CapitalLedger {
        get { CapitalLedger(reserve: reserve, returnedPnL: returnedPnL ?? .zero) }
        set {
            reserve = newValue.reserve
            returnedPnL = newValue.returnedPnL.isZero && returnedPnL == nil ? nil : newValue.returnedPnL
        }
    }
}
