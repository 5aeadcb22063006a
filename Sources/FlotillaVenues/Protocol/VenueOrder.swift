import FlotillaTrading

/// An order to place: always with our client order id.
public struct OrderRequest: Sendable, Equatable {
    public enum Size: Sendable, Equatable {
        /// A base quantity (`0.01` BTC).
        case base(Fixed)
        /// A quote amount to spend or receive (`100` USDT), market orders only.
        case quote(Fixed)
    }

    public enum Kind: Sendable, Equatable {
        /// Immediate-or-cancel at the market.
        case market(Size)
        /// Good till cancelled at `price`.
        case limit(price: Fixed, quantity: Fixed)
        /// Rests until the market trades through `stop`, then becomes a GTC limit at `limit`: a buy
        /// triggers on a rise to `stop`, a sell on a fall to it (Binance STOP_LOSS_LIMIT; Coinbase
        /// STOP_DIRECTION_STOP_UP for a buy, STOP_DIRECTION_STOP_DOWN for a sell).
        case stopLimit(stop: Fixed, limit: Fixed, quantity: Fixed)
    }

    public var clientOrderId: ClientOrderId
    public var symbol: Symbol
    public var side: Side
    public var kind: Kind

    public init(clientOrderId: ClientOrderId, symbol: Symbol, side: Side, kind: Kind) {
        self.clientOrderId = clientOrderId
        self.symbol = symbol
        self.side = side
        self.kind = kind
    }
}

/// Where an order stands at the venue.
public enum VenueOrderStatus: String, Sendable, Equatable {
    /// Accepted, resting or waiting for its trigger; nothing filled.
    case open
    case partiallyFilled
    case filled
    /// Cancelled by us or the venue; may hold a partial fill.
    case cancelled
    case expired
    case rejected
    /// The venue has it but has not said (Coinbase PENDING / QUEUED, Binance PENDING_NEW).
    case pending

    public var isOpen: Bool { self == .open || self == .partiallyFilled || self == .pending }
}

/// An order as the venue reports it.
public struct VenueOrderReport: Sendable, Equatable {
    public var venueOrderId: String
    /// Nil only for an order placed outside Flotilla (the venue gave it none we can read).
    public var clientOrderId: ClientOrderId?
    public var symbol: Symbol
    public var side: Side
    public var status: VenueOrderStatus
    /// Base quantity asked for; nil for a quote-sized market order.
    public var quantity: Fixed?
    public var filledQuantity: Fixed
    /// Quote spent or received so far.
    public var filledQuote: Fixed
    /// Limit price, when the order has one.
    public var limitPrice: Fixed?
    /// Venue time the order was created, Unix milliseconds.
    public var createdAt: Int64?

    public init(venueOrderId: String, clientOrderId: ClientOrderId?, symbol: Symbol, side: Side, status: VenueOrderStatus,
                quantity: Fixed?, filledQuantity: Fixed, filledQuote: Fixed, limitPrice: Fixed?, createdAt: Int64?) {
        self.venueOrderId = venueOrderId
        self.clientOrderId = clientOrderId
        self.symbol = symbol
        self.side = side
        self.status = status
        self.quantity = quantity
        self.filledQuantity = filledQuantity
        self.filledQuote = filledQuote
        self.limitPrice = limitPrice
        self.createdAt = createdAt
    }
}

/// The order to cancel. Binance cancels by client id; Coinbase needs its own id, looked up by
/// client id when `venueOrderId` is nil.
public struct OrderReference: Sendable, Equatable {
    public var symbol: Symbol
    public var clientOrderId: ClientOrderId
    public var venueOrderId: String?

    public init(symbol: Symbol, clientOrderId: ClientOrderId, venueOrderId: String? = nil) {
        self.symbol = symbol
        self.clientOrderId = clientOrderId
        self.venueOrderId = venueOrderId
    }
}

/// The answer to a cancel: cancels are idempotent, so an order that was already done is an answer too.
public enum CancelOutcome: Sendable, Equatable {
    case cancelled
    /// Already filled, cancelled or expired: nothing was left to cancel.
    case alreadyDone
    /// The venue knows no such order.
    case notFound
}
