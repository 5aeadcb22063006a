/// A simulated exchange account for one market, filled against candles.
///
/// Fill model (stated, so backtests mean something): orders submitted while candle *t* closes are
/// matched against candle *t+1* — market orders at its open (plus slippage), limit and stop orders
/// when its range reaches their price. Fees: maker for limits, taker otherwise, rounded to the nearest 10⁻⁸ (as a float-keeping tool would charge them, on average).
///
/// Accounting is exact (`Fixed`): the cost basis of the open position is the sum of the notionals
/// paid for it, reduced proportionally on partial closes, so at every moment
/// `cash + costBasis == startingCash + realizedPnL − feesPaid`, and equity at a mark is
/// `cash + position × mark`. A value type: the state saves and restores as JSON.
public struct PaperVenue: Sendable, Codable, Equatable {
    public let rules: VenueRules
    /// Cash put in: the starting cash plus transfers in, minus transfers out.
    public internal(set) var startingCash: Fixed
    public internal(set) var cash: Fixed
    /// Base quantity held: positive long, negative short.
    public internal(set) var position: Fixed = .zero
    /// Signed sum of the notionals of the open position (negative for a short).
    public internal(set) var costBasis: Fixed = .zero
    public internal(set) var realizedPnL: Fixed = .zero
    public internal(set) var feesPaid: Fixed = .zero
    public internal(set) var orders: [Int64: Order] = [:]
    public internal(set) var openOrderIds: [Int64] = []
    public internal(set) var fills: [Fill] = []
    var clientOrderIds: [String: Int64] = [:]
    var nextOrderId: Int64 = 1
    /// Who fills the orders: nil (the candles, as a paper venue) or `.exchange` (see `ExchangeBook`).
    public internal(set) var matching: Matching?
    /// Executions an exchange reported, not yet booked (booked by the next `process`).
    var inbox: [VenueExecution]?
    /// Every execution booked, by the exchange's fill id: one booked twice would double money.
    var booked: Set<String>?

    public enum Matching: String, Sendable, Codable {
        /// A real exchange fills the orders; this venue is the instance's book of them.
        case exchange
    }

    public init(cash: Fixed, rules: VenueRules = VenueRules(), matching: Matching? = nil) {
        self.rules = rules
        self.startingCash = cash
        self.cash = cash
        self.matching = matching
    }

    public enum Submission: Sendable, Equatable {
        case accepted(Order)
        /// The client order id was used before: the first order, unchanged.
        case duplicate(Order)
        case rejected(Order)

        public var order: Order {
            switch self {
            case .accepted(let o), .duplicate(let o), .rejected(let o): return o
            }
        }
    }

    /// Submits an order. The same `clientOrderId` twice returns the first order (idempotent
    /// retries after a timeout never double an order).
    @discardableResult
    public mutating func submit(clientOrderId: String, side: Side, type: OrderType = .market, quantity: Fixed,
                                quoteBudget: Fixed? = nil, time: Int64) -> Submission {
        if let existing = clientOrderIds[clientOrderId], let order = orders[existing] { return .duplicate(order) }
        var order = Order(
            id: nextOrderId, clientOrderId: clientOrderId, side: side, type: type, quantity: quantity, quoteBudget: quoteBudget,
            status: .open, submittedAt: time, filledAt: nil, fillPrice: nil, fee: nil)
        nextOrderId += 1
        clientOrderIds[clientOrderId] = order.id
        if let problem = validate(order) {
            order.status = .rejected(problem)
            orders[order.id] = order
            return .rejected(order)
        }
        orders[order.id] = order
        openOrderIds.append(order.id)
        return .accepted(order)
    }

    private func validate(_ order: Order) -> String? {
        if let budget = order.quoteBudget {
            guard case .market = order.type, order.side == .buy else { return "a quote budget is only for market buys" }
            return budget.units > 0 ? nil : "the quote budget must be positive"
        }
        guard order.quantity.units > 0 else { return "quantity must be positive" }
        if order.quantity.rounded(toMultipleOf: rules.lotSize, .down) != order.quantity {
            return "quantity \(order.quantity) is not a multiple of the lot size \(rules.lotSize)"
        }
        switch order.type {
        case .market: break
        case .limit(let p), .stop(let p):
            guard p.units > 0 else { return "price must be positive" }
            if p.rounded(toMultipleOf: rules.tickSize, .down) != p { return "price \(p) is not a multiple of the tick size \(rules.tickSize)" }
            if p.multiplied(by: order.quantity) < rules.minNotional { return "order value is below the minimum notional \(rules.minNotional)" }
        }
        return nil
    }

    public mutating func cancel(clientOrderId: String) -> Bool {
        guard let id = clientOrderIds[clientOrderId], var order = orders[id], order.status == .open else { return false }
        order.status = .cancelled
        orders[id] = order
        openOrderIds.removeAll { $0 == id }
        return true
    }

    public mutating func cancelAll() {
        for id in openOrderIds {
            orders[id]?.status = .cancelled
        }
        openOrderIds.removeAll()
    }

    public func order(clientOrderId: String) -> Order? { clientOrderIds[clientOrderId].flatMap { orders[$0] } }

    /// Matches open orders against one candle; returns the fills, in order. On an exchange's book
    /// (`matching == .exchange`): books the executions the exchange reported instead, and turns
    /// the protective orders the candle crossed into market orders to send (`ExchangeBook`).
    public mutating func process(_ candle: Candle) -> [Fill] {
        if matching == .exchange { return processOnExchange(candle) }
        guard !openOrderIds.isEmpty else { return [] }
        var made: [Fill] = []
        var remaining: [Int64] = []
        for id in openOrderIds {
            guard var order = orders[id] else { continue }
            guard order.submittedAt < candle.time else {
                remaining.append(id)
                continue
            }
            let match: (price: Fixed, reference: Fixed, liquidity: Fill.Liquidity)?
            switch order.type {
            case .market:
                match = (slipped(candle.open, order.side), candle.open, .taker)
            case .limit(let p):
                if order.side == .buy, candle.low <= p { match = (min(candle.open, p), min(candle.open, p), .maker) }
                else if order.side == .sell, candle.high >= p { match = (max(candle.open, p), max(candle.open, p), .maker) }
                else { match = nil }
            case .stop(let p):
                if order.side == .buy, candle.high >= p { let ref = max(candle.open, p); match = (slipped(ref, .buy), ref, .taker) }
                else if order.side == .sell, candle.low <= p { let ref = min(candle.open, p); match = (slipped(ref, .sell), ref, .taker) }
                else { match = nil }
            }
            guard let match else {
                remaining.append(id)
                continue
            }
            switch execute(&order, price: match.price, reference: match.reference, liquidity: match.liquidity, time: candle.time) {
            case .success(let fill): made.append(fill)
            case .failure(let failure): order.status = .rejected(failure.reason)
            }
            orders[id] = order
        }
        openOrderIds = remaining
        return made
    }

    private func slipped(_ price: Fixed, _ side: Side) -> Fixed {
        guard rules.slippageBps > 0 else { return price }
        let moved = price.scaled(by: 10_000 + (side == .buy ? rules.slippageBps : -rules.slippageBps), over: 10_000)
        return moved.rounded(toMultipleOf: rules.tickSize, side == .buy ? .up : .down)
    }

    private struct Failure: Error { var reason: String }

    private mutating func execute(_ order: inout Order, price: Fixed, reference: Fixed, liquidity: Fill.Liquidity, time: Int64) -> Result<Fill, Failure> {
        let feeRate = liquidity == .maker ? rules.makerFee : rules.takerFee
        var quantity = order.quantity
        if let budget = order.quoteBudget {
            // All-in: the most whole lots the budget buys at this price, fees included — exactly
            // budget / (price × (1 + fee)), not over a per-unit fee rounded to 10⁻⁸ (which, for a
            // price of 0.00005, would be a 20 % fee). Then fewer lots while the fee
            // would overdraw the cash by a unit.
            let spend = min(budget, cash)
            let s = Int128(Fixed.scale)
            let denominator = Int128(price.units) * (s + Int128(feeRate.units))
            guard price.units > 0, denominator > 0 else { return .failure(Failure(reason: "no price to buy at")) }
            quantity = Fixed(units: Int64(clamping: Int128(spend.units) * s * s / denominator)).rounded(toMultipleOf: rules.lotSize, .down)
            while quantity.units > 0 {
                let n = quantity.multiplied(by: price)
                if n + n.multiplied(by: feeRate, rounding: .nearest) <= spend { break }
                quantity -= rules.lotSize
            }
            guard quantity.units > 0 else { return .failure(Failure(reason: "the budget buys less than one lot at \(price)")) }
            order.quantity = quantity
        }
        let notional = quantity.multiplied(by: price)
        if notional < rules.minNotional { return .failure(Failure(reason: "order value \(notional) is below the minimum notional \(rules.minNotional)")) }
        let fee = notional.multiplied(by: feeRate, rounding: .nearest)
        if order.side == .buy && !rules.allowShort && cash < notional + fee && position.units >= 0 {
            return .failure(Failure(reason: "insufficient funds: \(notional + fee) needed, \(cash) available"))
        }
        if order.side == .sell && !rules.allowShort && quantity > position {
            return .failure(Failure(reason: "insufficient position: selling \(quantity), holding \(position)"))
        }
        let realized = book(side: order.side, quantity: quantity, notional: notional)
        feesPaid += fee
        cash += order.side == .buy ? -(notional + fee) : notional - fee
        order.status = .filled
        order.filledAt = time
        order.fillPrice = price
        order.fee = fee
        let slippage = reference.units > 0 ? abs(price.double - reference.double) / reference.double * 10_000 : 0
        let fill = Fill(
            orderId: order.id, clientOrderId: order.clientOrderId, side: order.side, quantity: quantity, price: price, fee: fee,
            liquidity: liquidity, time: time, slippageBps: slippage, realizedPnL: realized)
        fills.append(fill)
        return .success(fill)
    }

    /// Updates position, cost basis and realized PnL for a trade; returns the PnL it realized.
    mutating func book(side: Side, quantity: Fixed, notional: Fixed) -> Fixed {
        let signedQuantity = side == .buy ? quantity : -quantity
        let signedNotional = side == .buy ? notional : -notional
        // Opening or adding in the same direction.
        if position.isZero || (position.units > 0) == (signedQuantity.units > 0) {
            position += signedQuantity
            costBasis += signedNotional
            return .zero
        }
        // Reducing (and maybe flipping).
        let closing = min(quantity, position.magnitude)
        let closingNotional = closing == quantity ? signedNotional : signedNotional.scaled(by: closing.units, over: quantity.units)
        let costRemoved = closing == position.magnitude ? costBasis : costBasis.scaled(by: closing.units, over: position.magnitude.units)
        let realized = -(costRemoved + closingNotional)
        realizedPnL += realized
        costBasis -= costRemoved
        position += side == .buy ? closing : -closing
        let rest = quantity - closing
        if rest.units > 0 {
            position += side == .buy ? rest : -rest
            costBasis += signedNotional - closingNotional
        }
        return realized
    }

    /// Forgets closed orders and fills beyond the newest `keep` (the store keeps every fill), so a
    /// long-running instance's saved state stays small. Open orders are always kept.
    public mutating func compact(keep: Int = 200) {
        if fills.count > keep { fills.removeFirst(fills.count - keep) }
        let closed = orders.values.filter { $0.status != .open }.sorted { $0.id < $1.id }
        guard closed.count > keep else { return }
        for order in closed.prefix(closed.count - keep) {
            orders[order.id] = nil
            clientOrderIds[order.clientOrderId] = nil
        }
    }

    // MARK: Transfers between instances (capital splits and position handovers)

    /// Moves cash in (positive) or out (negative), as a capital reallocation. Not a trade: no fee,
    /// no PnL; the contribution moves with it so the accounting identity holds.
    public mutating func transfer(cash amount: Fixed) {
        cash += amount
        startingCash += amount
    }

    /// Hands the whole open position, with its cost basis, to another instance at the current mark:
    /// no round-trip trade, no fees. Working orders are cancelled. The cost basis leaves with the
    /// position, so the contribution leaves with it too.
    public mutating func handOverPosition() -> (quantity: Fixed, costBasis: Fixed) {
        cancelAll()
        let out = (position, costBasis)
        position = .zero
        startingCash -= costBasis
        costBasis = .zero
        return out
    }

    /// Takes over a position handed over by another instance.
    public mutating func receivePosition(quantity: Fixed, costBasis: Fixed) {
        position += quantity
        self.costBasis += costBasis
        startingCash += costBasis
    }

    // MARK: Marks

    public func equity(at mark: Fixed) -> Fixed { cash + position.multiplied(by: mark) }
    public func unrealizedPnL(at mark: Fixed) -> Fixed { position.multiplied(by: mark) - costBasis }

    /// Average entry price of the open position (nil when flat).
    public var averageEntryPrice: Fixed? {
        position.isZero ? nil : costBasis.magnitude.divided(by: position.magnitude)
    }
}
