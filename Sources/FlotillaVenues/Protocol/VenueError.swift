/// How a caller must treat a failed venue call, the way ccxt splits its errors.
public enum VenueErrorClass: String, Sendable, Equatable, CaseIterable {
    /// Nothing happened at the venue (or it was a read): the same call may be sent again, after
    /// `retryAfter` when the venue said so.
    case retryable
    /// The venue refused for a reason retrying will not change (keys, funds, the order itself).
    case terminal
    /// The request may have reached the venue and been acted on: never re-place; resolve it by
    /// querying the client order id and the fills first.
    case unknownOutcome
}

/// A venue call that failed, with what a user needs to act on it. Never holds a secret: messages
/// are built from the venue's answer and our own text, and pass through the client's redaction.
public struct VenueError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The connection failed before the request was written.
        case network
        /// The deadline passed before the request was written.
        case timedOutBeforeSending
        /// 429 (or Binance -1003 / -1015): back off, for `retryAfterSeconds` when given.
        case rateLimited(retryAfterSeconds: Int?)
        /// Binance's 418: the address is banned until `retryAfterSeconds`.
        case banned(retryAfterSeconds: Int?)
        /// Binance -1021: our timestamp is outside the venue's window; re-measure the clock offset.
        case clockSkew
        /// A read that failed after it was sent (timeout, 5xx): reading again is safe.
        case unavailable
        case authentication
        case insufficientFunds
        case invalidOrder
        case unknownProduct
        case orderNotFound
        /// The client order id was used before: the first send reached the venue. Look it up.
        case duplicateClientOrderId
        /// A value the venue sent (or we were asked to send) that an 8-place `Fixed` cannot hold exactly.
        case inexactValue
        /// The venue answered with something we cannot read.
        case malformedResponse
        /// Any other refusal.
        case rejected
        /// A write that may have been acted on (timeout or 5xx after sending, Binance -1006 / -1007).
        case unknownOutcome
    }

    public var kind: Kind
    /// `binance` or `coinbase`.
    public var venue: String
    /// What we were doing: `place order`, `exchangeInfo`, ...
    public var operation: String
    /// The venue's own code when it sent one (`-2010`, `INSUFFICIENT_FUND`).
    public var venueCode: String?
    public var message: String

    public init(_ kind: Kind, venue: String, operation: String, venueCode: String? = nil, message: String) {
        self.kind = kind
        self.venue = venue
        self.operation = operation
        self.venueCode = venueCode
        self.message = message
    }

    public var classification: VenueErrorClass {
        switch kind {
        case .network, .timedOutBeforeSending, .rateLimited, .banned, .clockSkew, .unavailable: .retryable
        case .unknownOutcome: .unknownOutcome
        case .authentication, .insufficientFunds, .invalidOrder, .unknownProduct, .orderNotFound, .duplicateClientOrderId, .inexactValue,
            .malformedResponse, .rejected:
            .terminal
        }
    }

    /// Seconds the venue asked us to wait before the next request, when it said.
    public var retryAfterSeconds: Int? {
        switch kind {
        case .rateLimited(let s), .banned(let s): s
        default: nil
        }
    }

    public var description: String {
        let code = venueCode.map { " (\($0))" } ?? ""
        return "\(venue) \(operation): \(kindText)\(code): \(message) [\(classification.rawValue)]"
    }

    private var kindText: String {
        switch kind {
        case .network: "network error before sending"
        case .timedOutBeforeSending: "timed out before sending"
        case .rateLimited(let s): "rate limited" + (s.map { ", retry after \($0) s" } ?? "")
        case .banned(let s): "banned for sending past the rate limit" + (s.map { ", retry after \($0) s" } ?? "")
        case .clockSkew: "timestamp outside the venue's window"
        case .unavailable: "venue unavailable"
        case .authentication: "authentication failed"
        case .insufficientFunds: "insufficient funds"
        case .invalidOrder: "invalid order"
        case .unknownProduct: "unknown product"
        case .orderNotFound: "order not found"
        case .duplicateClientOrderId: "client order id already used (an earlier send was accepted)"
        case .inexactValue: "value not exact to 8 places"
        case .malformedResponse: "unreadable response"
        case .rejected: "rejected"
        case .unknownOutcome: "outcome unknown, resolve by client order id before placing anything else"
        }
    }
}
