import FlotillaLive
import Testing

@Suite("Order intents: states and client order ids")
struct OrdersStateTests {
    typealias E = OrderState.Event

    static let events: [E] = [.sending, .refused, .outcomeUnknown, .notFound(pastGrace: false), .notFound(pastGrace: true), .cancelAccepted]
        + [VenueOrderStatus.open, .pending, .partiallyFilled, .filled, .cancelled, .expired, .rejected].map { E.venue($0) }

    /// Every transition the state machine allows; every (state, event) pair not listed is refused.
    static let allowed: [(OrderState, E, OrderState)] = {
        func reports(_ from: OrderState) -> [(OrderState, E, OrderState)] {
            [(from, .venue(.open), .open), (from, .venue(.pending), .open), (from, .venue(.partiallyFilled), .partiallyFilled),
             (from, .venue(.filled), .filled), (from, .venue(.cancelled), .cancelled), (from, .venue(.expired), .cancelled),
             (from, .venue(.rejected), .rejected)]
        }
        func lookups(_ from: OrderState) -> [(OrderState, E, OrderState)] {
            [(from, .outcomeUnknown, .unknown), (from, .notFound(pastGrace: false), .unknown), (from, .notFound(pastGrace: true), .notPlaced)]
        }
        return [(.pending, .sending, .sent)] + reports(.pending) + lookups(.pending)
            + [(.sent, .sending, .sent), (.sent, .refused, .rejected)] + reports(.sent) + lookups(.sent)
            + reports(.unknown) + lookups(.unknown)
            + reports(.open) + [(.open, .cancelAccepted, .cancelled)]
            + [(.partiallyFilled, .venue(.open), .partiallyFilled), (.partiallyFilled, .venue(.pending), .partiallyFilled),
               (.partiallyFilled, .venue(.partiallyFilled), .partiallyFilled), (.partiallyFilled, .venue(.filled), .filled),
               (.partiallyFilled, .venue(.cancelled), .cancelled), (.partiallyFilled, .venue(.expired), .cancelled),
               (.partiallyFilled, .venue(.rejected), .rejected), (.partiallyFilled, .cancelAccepted, .cancelled)]
            + [(.filled, .venue(.filled), .filled)]
            + [(.cancelled, .venue(.filled), .filled), (.cancelled, .venue(.cancelled), .cancelled), (.cancelled, .venue(.expired), .cancelled),
               (.cancelled, .cancelAccepted, .cancelled)]
            + [(.rejected, .venue(.rejected), .rejected)]
            + reports(.notPlaced).filter { $0.1 != .venue(.rejected) }
    }()

    @Test("every (state, event) pair: the listed transitions happen, every other one is refused",
          arguments: OrderState.allCases)
    func everyTransition(_ state: OrderState) {
        for event in Self.events {
            let expected = Self.allowed.first { $0.0 == state && $0.1 == event }?.2
            #expect(state.applying(event) == expected, "\(state) on \(event)")
        }
    }

    @Test("the table names only real states and events, each pair once")
    func tableIsWellFormed() {
        let pairs = Self.allowed.map { "\($0.0) \($0.1)" }
        #expect(Set(pairs).count == pairs.count)
        #expect(Self.allowed.allSatisfy { row in Self.events.contains(row.1) })
    }

    @Test("an UNKNOWN order is never sent again, and a final order never goes back to working")
    func safetyRules() {
        #expect(OrderState.unknown.applying(.sending) == nil)
        for final in OrderState.allCases where final.isFinal {
            #expect(final.applying(.sending) == nil)
            #expect(final.applying(.outcomeUnknown) == nil)
            if final != .notPlaced {
                #expect(final.applying(.venue(.open)) == nil, "\(final) stays final")
            }
        }
        #expect(OrderState.partiallyFilled.applying(.venue(.open)) == .partiallyFilled, "a stale report does not undo a fill")
    }

    @Test("a client order id is derived from bot, instance and sequence: the same every time, different for any other")
    func derivedIds() {
        let a = ClientOrderId.derived(bot: "btc-trend", instance: "btc-trend-7", sequence: 0)
        #expect(a == ClientOrderId.derived(bot: "btc-trend", instance: "btc-trend-7", sequence: 0))
        #expect(a.rawValue.hasSuffix("-0"))
        #expect(a != ClientOrderId.derived(bot: "btc-trend", instance: "btc-trend-7", sequence: 1))
        #expect(a != ClientOrderId.derived(bot: "btc-trend", instance: "btc-trend-8", sequence: 0))
        #expect(a != ClientOrderId.derived(bot: "btc-trend2", instance: "btc-trend-7", sequence: 0))
        // The separator keeps (ab, c) and (a, bc) apart.
        #expect(ClientOrderId.derived(bot: "ab", instance: "c", sequence: 0) != ClientOrderId.derived(bot: "a", instance: "bc", sequence: 0))
        let long = ClientOrderId.derived(bot: String(repeating: "x", count: 63), instance: String(repeating: "y", count: 200),
                                         sequence: 999_999_999_999_999_999)
        #expect(long.rawValue.count == 36)
        #expect(long.rawValue.hasSuffix("-999999999999999999"))
    }

    @Test("the id is pinned: a new build derives the ids an old one sent (a retry after an upgrade finds its order)")
    func pinnedId() {
        // FNV-1a 64 of "btc-trend\0btc-trend-7", worked out independently.
        #expect(ClientOrderId.derived(bot: "btc-trend", instance: "btc-trend-7", sequence: 42).rawValue == "f6d9fcd133b63e61b-42")
    }
}
