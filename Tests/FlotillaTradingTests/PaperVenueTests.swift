import FlotillaTesting
import FlotillaTrading
import Foundation
import Testing

func candle(_ time: Int64, _ open: Fixed, _ high: Fixed, _ low: Fixed, _ close: Fixed) -> Candle {
    Candle(time: time, open: open, high: high, low: low, close: close, volume: 1)
}

@Suite("Paper venue")
struct PaperVenueTests {
    let rules = VenueRules(lotSize: Fixed(units: 1_000_000), tickSize: Fixed(units: 1_000_000), minNotional: 1,
                           makerFee: Fixed(parsing: "0.001")!, takerFee: Fixed(parsing: "0.002")!, slippageBps: 10)

    @Test("a market order fills at the next candle's open plus slippage, paying the taker fee")
    func marketFill() throws {
        var venue = PaperVenue(cash: 1000, rules: rules)
        venue.submit(clientOrderId: "a", side: .buy, quantity: 2, time: 0)
        #expect(venue.process(candle(0, 100, 101, 99, 100)).isEmpty, "not on the candle it was placed on")
        let fills = venue.process(candle(60, 50, 55, 45, 52))
        let fill = try #require(fills.first)
        #expect(fill.price == Fixed(parsing: "50.05")!)  // 50 + 10 bps, on the 0.01 tick
        #expect(fill.fee == Fixed(parsing: "0.2002")!)  // 100.1 × 0.2 %
        #expect(fill.liquidity == .taker)
        #expect(venue.cash == 1000 - Fixed(parsing: "100.1")! - Fixed(parsing: "0.2002")!)
        #expect(venue.position == 2)
        #expect(abs(fill.slippageBps - 10) < 1e-9)
    }

    struct LimitCase: Sendable, CustomTestStringConvertible {
        var label: String
        var side: Side
        var type: OrderType
        var candle: Candle
        var price: Fixed?
        var testDescription: String { label }
    }

    static let cases: [LimitCase] = [
        .init(label: "buy limit inside the range fills at the limit", side: .buy, type: .limit(95), candle: candle(60, 100, 101, 94, 96), price: 95),
        .init(label: "buy limit fills at a lower open", side: .buy, type: .limit(95), candle: candle(60, 90, 97, 89, 96), price: 90),
        .init(label: "buy limit above the range does not fill", side: .buy, type: .limit(95), candle: candle(60, 100, 101, 96, 97), price: nil),
        .init(label: "sell limit inside the range fills at the limit", side: .sell, type: .limit(105), candle: candle(60, 100, 106, 99, 104), price: 105),
        .init(label: "sell stop triggers at the stop minus slippage", side: .sell, type: .stop(95), candle: candle(60, 100, 101, 90, 92), price: Fixed(parsing: "94.9")!),
        .init(label: "sell stop gapped through fills at the open minus slippage", side: .sell, type: .stop(95), candle: candle(60, 90, 91, 85, 88), price: Fixed(parsing: "89.91")!),
        .init(label: "buy stop triggers at the stop plus slippage", side: .buy, type: .stop(105), candle: candle(60, 100, 106, 99, 104), price: Fixed(parsing: "105.11")!),
        .init(label: "sell stop not reached stays open", side: .sell, type: .stop(95), candle: candle(60, 100, 101, 96, 97), price: nil),
    ]

    @Test("limit and stop orders fill inside the candle's range", arguments: cases)
    func limitsAndStops(_ c: LimitCase) {
        var venue = PaperVenue(cash: 10_000, rules: rules)
        if c.side == .sell {  // something to sell
            venue.submit(clientOrderId: "seed", side: .buy, quantity: 1, time: -120)
            _ = venue.process(candle(-60, 100, 100, 100, 100))
        }
        venue.submit(clientOrderId: "x", side: c.side, type: c.type, quantity: 1, time: 0)
        let fills = venue.process(c.candle)
        #expect(fills.first?.price == c.price)
        if let fill = fills.first {
            if case .limit = c.type { #expect(fill.liquidity == .maker) } else { #expect(fill.liquidity == .taker) }
        } else {
            #expect(venue.order(clientOrderId: "x")?.status == .open)
        }
    }

    @Test("the same client order id twice returns the first order and places nothing new")
    func idempotentClientIds() {
        var venue = PaperVenue(cash: 1000, rules: rules)
        let first = venue.submit(clientOrderId: "retry-1", side: .buy, quantity: 1, time: 0)
        let second = venue.submit(clientOrderId: "retry-1", side: .buy, quantity: 5, time: 0)
        #expect(second == .duplicate(first.order))
        #expect(venue.openOrderIds.count == 1)
        _ = venue.process(candle(60, 10, 10, 10, 10))
        #expect(venue.position == 1)
        #expect(venue.submit(clientOrderId: "retry-1", side: .buy, quantity: 1, time: 60).order.status == .filled)
    }

    @Test("orders off the lot or tick size, or below the minimum notional, are rejected with the reason", arguments: [
        (Fixed(parsing: "1.0000001")!, OrderType.market, "not a multiple of the lot size"),
        (Fixed(1), OrderType.limit(Fixed(parsing: "10.001")!), "not a multiple of the tick size"),
        (Fixed(parsing: "0.01")!, OrderType.limit(10), "below the minimum notional"),
        (Fixed(0), OrderType.market, "quantity must be positive"),
    ])
    func rejections(_ quantity: Fixed, _ type: OrderType, _ reason: String) {
        var venue = PaperVenue(cash: 1000, rules: rules)
        guard case .rejected(let order) = venue.submit(clientOrderId: "r", side: .buy, type: type, quantity: quantity, time: 0) else {
            Issue.record("expected a rejection")
            return
        }
        guard case .rejected(let text) = order.status else { Issue.record("status"); return }
        #expect(text.contains(reason))
    }

    @Test("spot accounts cannot spend cash they lack or sell what they don't hold")
    func spotLimits() {
        var venue = PaperVenue(cash: 100, rules: rules)
        venue.submit(clientOrderId: "big", side: .buy, quantity: 10, time: 0)
        venue.submit(clientOrderId: "naked", side: .sell, quantity: 1, time: 0)
        #expect(venue.process(candle(60, 50, 50, 50, 50)).isEmpty)
        guard case .rejected(let a) = venue.order(clientOrderId: "big")?.status, case .rejected(let b) = venue.order(clientOrderId: "naked")?.status else {
            Issue.record("both must be rejected")
            return
        }
        #expect(a.contains("insufficient funds"))
        #expect(b.contains("insufficient position"))
        #expect(venue.cash == 100 && venue.position == 0)
    }

    @Test("an all-in buy spends the budget on whole lots at the fill price, fees included")
    func quoteBudget() {
        var venue = PaperVenue(cash: 1000, rules: VenueRules(lotSize: 1, takerFee: Fixed(parsing: "0.001")!))
        venue.submit(clientOrderId: "all", side: .buy, quantity: .zero, quoteBudget: 1000, time: 0)
        _ = venue.process(candle(60, 99, 99, 99, 99))
        #expect(venue.position == 10)  // 11 × 99.099 > 1000
        #expect(venue.cash == 1000 - 990 - Fixed(parsing: "0.99")!)
    }

    @Test("realized PnL, fees and the cost basis are exact through partial closes and a flip")
    func accounting() {
        var venue = PaperVenue(cash: 10_000, rules: VenueRules(lotSize: Fixed(units: 1), tickSize: Fixed(units: 1), allowShort: true))
        venue.submit(clientOrderId: "1", side: .buy, quantity: 3, time: 0)
        _ = venue.process(candle(60, 10, 10, 10, 10))
        venue.submit(clientOrderId: "2", side: .sell, quantity: 1, time: 60)
        _ = venue.process(candle(120, 13, 13, 13, 13))
        #expect(venue.realizedPnL == 3)
        #expect(venue.costBasis == 20)
        venue.submit(clientOrderId: "3", side: .sell, quantity: 4, time: 120)
        _ = venue.process(candle(180, 7, 7, 7, 7))
        #expect(venue.realizedPnL.units == Fixed(-3).units, "\(venue.realizedPnL.units)")  // 2 units bought at 10, sold at 7
        #expect(venue.position == -2)
        #expect(venue.costBasis == -14)
        #expect(venue.unrealizedPnL(at: 5) == 4)
        #expect(venue.equity(at: 5) == Fixed(10_001))  // start − 3 realized + 4 unrealized
    }

    @Test("cash + cost basis == start + realized − fees, exactly, through thousands of random orders")
    func moneyInvariant() {
        var rng = SystemRandomNumberGenerator()
        var seed = UInt64.random(in: 0...UInt64.max, using: &rng)
        let initialSeed = seed
        func next() -> UInt64 {
            seed &+= 0x9E37_79B9_7F4A_7C15
            var z = seed
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let rules = VenueRules(lotSize: Fixed(parsing: "0.001")!, tickSize: Fixed(parsing: "0.01")!, makerFee: Fixed(parsing: "0.00075")!,
                               takerFee: Fixed(parsing: "0.00125")!, slippageBps: 7, allowShort: true)
        var venue = PaperVenue(cash: 100_000, rules: rules)
        var price: Int64 = 10_000 * 1_000_000  // 100.00 in 1e-8 units
        var filled = 0
        for step in 0..<5000 {
            let time = Int64(step) * 60
            let move = Int64(next() % 400) - 200
            price = max(1_000_000_000, price + move * 1_000_000)
            let open = Fixed(units: price)
            let high = Fixed(units: price + Int64(next() % 100) * 1_000_000), low = Fixed(units: price - Int64(next() % 100) * 1_000_000)
            filled += venue.process(Candle(time: time, open: open, high: high, low: low, close: open, volume: 1)).count
            let quantity = Fixed(units: Int64(1 + next() % 5000) * 100_000)  // 0.001 … 5.000
            let side: Side = next() % 2 == 0 ? .buy : .sell
            let offset = Int64(next() % 300) * 1_000_000
            let type: OrderType
            switch next() % 3 {
            case 0: type = .market
            case 1: type = .limit(Fixed(units: side == .buy ? price - offset : price + offset))
            default: type = .stop(Fixed(units: side == .buy ? price + offset : price - offset))
            }
            venue.submit(clientOrderId: "o\(step)", side: side, type: type, quantity: quantity, time: time)
            if next() % 10 == 0, let victim = venue.openOrderIds.first, let order = venue.orders[victim] {
                _ = venue.cancel(clientOrderId: order.clientOrderId)
            }
            let mark = Fixed(units: price)
            #expect(venue.cash + venue.costBasis == venue.startingCash + venue.realizedPnL - venue.feesPaid, "seed \(initialSeed), step \(step)")
            #expect(venue.equity(at: mark) == venue.startingCash + venue.realizedPnL + venue.unrealizedPnL(at: mark) - venue.feesPaid)
        }
        #expect(filled > 1000, "the run exercised many fills (seed \(initialSeed))")
    }

    @Test("a venue's state saves and restores: a restarted bot finds its orders and fills")
    func saveRestore() throws {
        var venue = PaperVenue(cash: 1000, rules: rules)
        venue.submit(clientOrderId: "a", side: .buy, quantity: 2, time: 0)
        _ = venue.process(candle(60, 50, 55, 45, 52))
        venue.submit(clientOrderId: "b", side: .sell, type: .limit(60), quantity: 1, time: 60)
        let data = try JSONEncoder().encode(venue)
        var restored = try JSONDecoder().decode(PaperVenue.self, from: data)
        #expect(restored == venue)
        #expect(restored.submit(clientOrderId: "a", side: .buy, quantity: 2, time: 120) == .duplicate(venue.order(clientOrderId: "a")!))
        let fills = restored.process(candle(120, 58, 61, 57, 60))
        #expect(fills.map(\.clientOrderId) == ["b"])
    }
}

@Suite("Capital and position handover")
struct HandoverTests {
    @Test("handing a position to another instance moves quantity and cost at no fee, and both ledgers still balance")
    func handover() {
        var stable = PaperVenue(cash: 1000, rules: VenueRules(lotSize: 1, takerFee: Fixed(parsing: "0.001")!))
        stable.submit(clientOrderId: "a", side: .buy, quantity: 5, time: 0)
        _ = stable.process(candle(60, 100, 100, 100, 100))
        var canary = PaperVenue(cash: 0, rules: stable.rules)
        let moved = stable.handOverPosition()
        canary.receivePosition(quantity: moved.quantity, costBasis: moved.costBasis)
        let cashMoved = stable.cash
        stable.transfer(cash: -cashMoved)
        canary.transfer(cash: cashMoved)
        for v in [stable, canary] {
            #expect(v.cash + v.costBasis == v.startingCash + v.realizedPnL - v.feesPaid)
        }
        #expect(canary.position == 5 && stable.position == 0)
        #expect(canary.equity(at: 110) + stable.equity(at: 110) == Fixed(1000) - Fixed(parsing: "0.5")! + Fixed(50))
        #expect(canary.averageEntryPrice == 100, "the entry price survives the handover")
    }
}
