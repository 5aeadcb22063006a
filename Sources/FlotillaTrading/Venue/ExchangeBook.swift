/// What an exchange did with one of the book's orders: executions booked exactly as the exchange
/// reported them. Several fills of one order read together arrive as one execution (their
/// quantities and notionals summed — exact, no averaged price).
public struct VenueExecution: Sendable, Codable, Equatable {
    /// The exchange's fill ids: each is booked once, whatever reports it again.
    public var fillIds: [String]
    /// The book's id for the order (the order intent's reference).
    public var clientOrderId: String
    public var side: Side
    /// Base the exchange traded.
    public var quantity: Fixed
    /// Σ quantity × price of the fills.
    public var notional: Fixed
    /// Fee charged in the quote asset.
    public var quoteFee: Fixed
    /// Fee charged in the base asset (Binance, when the fee is taken from what was bought).
    public var baseFee: Fixed
    public var liquidity: Fill.Liquidity
    /// Market time of the candle it is booked at (seconds, as candles).
    public var time: Int64

    public init(fillIds: [String], clientOrderId: String, side: Side, quantity: Fixed, notional: Fixed, quoteFee: Fixed, baseFee: Fixed,
                liquidity: Fill.Liquidity, time: Int64) {
        self.fillIds = fillIds
        self.clientOrderId = clientOrderId
        self.side = side
        self.quantity = quantity
        self.notional = notional
        self.quoteFee = quoteFee
        self.baseFee = baseFee
        self.liquidity = liquidity
        self.time = time
    }
}

/// A paper venue whose orders a real exchange fills (`matching == .exchange`): the instance's
/// book of its orders and of the exchange's executions of them, with the same accounting as
/// paper (exact cash, cost basis, realized PnL), so the trader, the risk manager and the
/// analysis read it as they read paper.
///
/// - Market orders are sent to the exchange (the instance sends `unsentMarketOrders`); nothing
///   here fills them.
/// - Protective orders (stop-loss, take-profit) stay in the book and are watched on each closed
///   candle: one the candle crossed becomes a market order, which is then sent (Freqtrade's
///   default, `stoploss_on_exchange: false`). Two resting sells of one position would lock its
///   base twice on a spot exchange.
/// - Executions are booked by the next `process`, once per exchange fill id.
extension PaperVenue {
    public var isOnExchange: Bool { matching == .exchange }

    /// Queues executions the exchange reported; one already booked or queued is dropped.
    public mutating func receive(_ executions: some Sequence<VenueExecution>) {
        var queued = Set((inbox ?? []).flatMap(\.fillIds))
        for e in executions {
            let fresh = e.fillIds.filter { booked?.contains($0) != true && !queued.contains($0) }
            guard !fresh.isEmpty else { continue }
            guard fresh.count == e.fillIds.count else { continue }  // a part of a batch already booked: the ledger's fills arrive whole
            inbox = (inbox ?? []) + [e]
            queued.formUnion(fresh)
        }
    }

    /// Whether an exchange fill was booked.
    public func hasBooked(fill id: String) -> Bool { booked?.contains(id) == true }

    /// Open market orders, oldest first: what the instance must have sent.
    public var openMarketOrders: [Order] {
        openOrderIds.compactMap { orders[$0] }.filter { if case .market = $0.type { true } else { false } }
    }

    /// The exchange finished an order without (more) fills: cancelled, expired, rejected or never
    /// placed. Its fills booked so far stand.
    public mutating func settle(clientOrderId: String, as status: OrderStatus) {
        guard let id = clientOrderIds[clientOrderId], var order = orders[id], order.status == .open else { return }
        order.status = status
        orders[id] = order
        openOrderIds.removeAll { $0 == id }
    }

    /// Books the executions received so far, at market time `time`; returns their fills.
    public mutating func bookReceived(at time: Int64) -> [Fill] {
        guard let pending = inbox, !pending.isEmpty else { return [] }
        var made: [Fill] = []
        inbox = nil
        for e in pending where !e.fillIds.contains(where: { booked?.contains($0) == true }) {
            made.append(book(e, at: time))
            booked = (booked ?? []).union(e.fillIds)
        }
        return made
    }

    mutating func processOnExchange(_ candle: Candle) -> [Fill] {
        let made = bookReceived(at: candle.time)
        for id in openOrderIds {
            guard var order = orders[id], order.submittedAt < candle.time else { continue }
            let crossed: Bool
            switch order.type {
            case .market: continue
            case .limit(let p): crossed = order.side == .sell ? candle.high >= p : candle.low <= p
            case .stop(let p): crossed = order.side == .sell ? candle.low <= p : candle.high >= p
            }
            guard crossed else { continue }
            order.type = .market
            order.submittedAt = candle.time
            orders[id] = order
        }
        return made
    }

    /// Books one execution: the base that came or went (less a base fee taken from it), the quote
    /// paid or received (less a quote fee), realized PnL against the cost basis.
    private mutating func book(_ e: VenueExecution, at time: Int64) -> Fill {
        let base = e.side == .buy ? e.quantity - e.baseFee : e.quantity + e.baseFee
        let realized = book(side: e.side, quantity: base, notional: e.notional)
        feesPaid += e.quoteFee
        cash += e.side == .buy ? -(e.notional + e.quoteFee) : e.notional - e.quoteFee
        let price = e.quantity.isZero ? Fixed.zero : e.notional.divided(by: e.quantity)
        var orderId: Int64 = 0
        if let id = clientOrderIds[e.clientOrderId], var order = orders[id] {
            orderId = id
            order.filled = (order.filled ?? .zero) + e.quantity
            order.fillPrice = price
            order.fee = (order.fee ?? .zero) + e.quoteFee
            order.filledAt = time
            if order.status == .open, order.quoteBudget == nil, order.filled! >= order.quantity {
                order.status = .filled
                openOrderIds.removeAll { $0 == id }
            }
            orders[id] = order
        }
        let fill = Fill(orderId: orderId, clientOrderId: e.clientOrderId, side: e.side, quantity: base, price: price, fee: e.quoteFee,
                        liquidity: e.liquidity, time: time, slippageBps: 0, realizedPnL: realized)
        fills.append(fill)
        return fill
    }
}
