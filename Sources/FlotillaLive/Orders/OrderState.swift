/// Where one order intent stands, as we know it. A pure value: `applying(_:)` is the whole state
/// machine, and a transition it does not list is refused (nil), never guessed.
///
/// ```
/// pending ─sending→ sent ─venue(status)→ open / partiallyFilled / filled / cancelled / rejected
///                    │ ─refused→ rejected
///                    └ ─outcomeUnknown→ unknown ─venue(status)→ (as above)
///                                               └ ─notFound(past grace)→ notPlaced
/// ```
///
/// `filled`, `cancelled`, `rejected` and `notPlaced` are final: nothing moves an order out of
/// them except the venue itself showing a cancelled or not-placed order filled (a fill that
/// landed before the cancel did).
public enum OrderState: String, Sendable, Equatable, CaseIterable, Codable {
    /// Written to the store; not yet sent.
    case pending
    /// Sent (or being sent); no answer yet.
    case sent
    /// The send may have reached the venue and been acted on: nothing more is placed for the bot
    /// until a query by client order id says what happened.
    case unknown
    /// Working at the venue, nothing filled.
    case open
    case partiallyFilled
    case filled
    /// Cancelled by us or the venue (expired too); may hold a partial fill.
    case cancelled
    /// Refused by the venue, with the reason kept on the intent.
    case rejected
    /// The venue never saw it: a query found nothing for the whole grace period.
    case notPlaced

    public var isFinal: Bool { self == .filled || self == .cancelled || self == .rejected || self == .notPlaced }
    /// Working at the venue: may still fill, may be cancelled.
    public var isWorking: Bool { self == .open || self == .partiallyFilled }
    /// Not yet known to be at the venue or not: pending, sent and unknown are resolved by query.
    public var isUnresolved: Bool { self == .pending || self == .sent || self == .unknown }

    /// What can happen to an intent.
    public enum Event: Sendable, Equatable {
        /// About to be written to the venue (again, for a retry of the same client id).
        case sending
        /// The venue reported the order in this status (a place answer, a query, the open orders).
        case venue(VenueOrderStatus)
        /// The venue refused the order for a reason retrying will not change.
        case refused
        /// The answer was lost after the request may have been acted on.
        case outcomeUnknown
        /// A query by client order id found nothing; `pastGrace` once the grace period has run out.
        case notFound(pastGrace: Bool)
        /// Our cancel was accepted.
        case cancelAccepted
    }

    /// The state after `event`, or nil when the event cannot happen in this state.
    public func applying(_ event: Event) -> OrderState? {
        switch (self, event) {
        case (.pending, .sending), (.sent, .sending): return .sent
        case (.sent, .refused): return .rejected
        case (.pending, .outcomeUnknown), (.sent, .outcomeUnknown), (.unknown, .outcomeUnknown): return .unknown
        case (.pending, .notFound(let past)), (.sent, .notFound(let past)), (.unknown, .notFound(let past)):
            return past ? .notPlaced : .unknown
        case (.pending, .venue(let s)), (.sent, .venue(let s)), (.unknown, .venue(let s)): return OrderState(s)
        case (.open, .venue(let s)):
            return OrderState(s)
        case (.partiallyFilled, .venue(let s)):
            // Filled quantity never goes back: a report of a working order with nothing filled is stale.
            return s == .open || s == .pending ? .partiallyFilled : OrderState(s)
        case (.open, .cancelAccepted), (.partiallyFilled, .cancelAccepted): return .cancelled
        // A fill that landed before the cancel (or an order the venue showed after all) wins.
        case (.cancelled, .venue(.filled)), (.notPlaced, .venue(.filled)): return .filled
        case (.notPlaced, .venue(.cancelled)), (.notPlaced, .venue(.expired)): return .cancelled
        case (.notPlaced, .venue(let s)) where s.isOpen: return OrderState(s)
        // The final states are answers: hearing them again changes nothing.
        case (.filled, .venue(.filled)), (.cancelled, .venue(.cancelled)), (.cancelled, .venue(.expired)), (.cancelled, .cancelAccepted),
            (.rejected, .venue(.rejected)):
            return self
        default: return nil
        }
    }

    /// Our reading of a venue status.
    public init(_ status: VenueOrderStatus) {
        switch status {
        case .open, .pending: self = .open
        case .partiallyFilled: self = .partiallyFilled
        case .filled: self = .filled
        case .cancelled, .expired: self = .cancelled
        case .rejected: self = .rejected
        }
    }
}
