import FlotillaTrading
import FlotillaVenues
import Foundation

/// What can go wrong on the order side of a venue, as a `FaultSchedule` injects it.
public enum OrderFault: String, Sendable, CaseIterable {
    /// The deadline passes before the request is written: nothing reaches the exchange.
    case timeoutBeforeSend
    /// A write reaches the exchange and is acted on; the answer never comes back.
    case timeoutAfterAcceptance
    /// A write is acted on, then the answer is a 503.
    case serverErrorAfterAcceptance
    /// The exchange fails before acting (-1006, "execution status unknown"): nothing happened, but we cannot know.
    case serverErrorBeforeAcceptance
    /// 429 with Retry-After (1–3 s); nothing reaches the exchange.
    case rateLimited
    /// After a lost answer, queries of that order say "does not exist" for a while (the exchange's
    /// read lags, up to `FaultSchedule.maxReadLag`).
    case orderNotFoundForAWhile
    /// A place reaches the exchange and is acted on, and the answer is "Duplicate order sent."
    case duplicateRefusal
    /// Before the request, another trader takes part of the oldest resting order.
    case partialFill
    /// Before a cancel arrives, the order fills (in full or in part).
    case fillBeforeCancel
    /// -1021: the request's timestamp is outside the window; nothing reaches the exchange.
    case clockSkew
}

/// A seeded schedule of faults around a `SimulatorTransport`: each request draws, with
/// `probability`, one fault that fits it (a write's faults only for writes, a cancel's for
/// cancels). The same seed gives the same faults for the same requests, so a failing seed
/// replays exactly. `trace` says what was injected where.
public final class FaultSchedule: HTTPTransport, @unchecked Sendable {
    public let seed: UInt64
    public let inner: SimulatorTransport
    /// The market the market-side faults (partial fills) act in.
    public let symbol: Symbol
    private let lock = NSLock()
    private var rng: SplitMix64
    private var probability: Double
    private var enabled = true
    private var hidden: [String: Int] = [:]
    private var hiddenUntil: [String: Int64] = [:]
    private var log: [String] = []
    private var counts: [OrderFault: Int] = [:]
    private var placeObserver: (@Sendable (String) -> Void)?
    private var forced: [(fault: OrderFault, on: Target)] = []
    private var requests: [String] = []

    /// Which requests a forced fault waits for.
    public enum Target: Sendable, Equatable {
        case place, cancel, query, any
    }

    /// The longest a drawn `orderNotFoundForAWhile` lasts, ms (of the inner transport's clock).
    public let maxReadLag: Int64

    public init(_ inner: SimulatorTransport, seed: UInt64, symbol: Symbol, probability: Double = 0.25, maxReadLag: Int64 = 5_000) {
        self.inner = inner
        self.maxReadLag = maxReadLag
        self.seed = seed
        self.symbol = symbol
        self.rng = SplitMix64(seed: seed)
        self.probability = probability
    }

    /// Called with the client order id of every place that reaches the exchange, before it is acted on.
    public func observePlaces(_ observer: @escaping @Sendable (String) -> Void) { lock.withLock { placeObserver = observer } }

    /// Stops (or restarts) injecting faults; lagging reads are forgotten when stopped.
    public func setEnabled(_ on: Bool) {
        lock.withLock {
            enabled = on
            if !on {
                hidden = [:]
                hiddenUntil = [:]
            }
        }
    }

    /// Injects `fault` into the next request of that kind (before any drawn by chance), once.
    public func force(_ fault: OrderFault, on target: Target) { lock.withLock { forced.append((fault, target)) } }

    /// The next `queries` queries of this order answer "does not exist".
    public func hide(clientOrderId: String, queries: Int) { lock.withLock { hidden[clientOrderId] = queries } }

    /// Every request sent, in order: `METHOD path client-id`.
    public var sent: [String] { lock.withLock { requests } }

    /// Faults injected, in order: `fault request` lines.
    public var trace: [String] { lock.withLock { log } }

    /// How many of each fault were injected.
    public var injected: [OrderFault: Int] { lock.withLock { counts } }

    public func send(_ request: VenueRequest) async throws(TransportError) -> VenueResponse {
        let place = request.method == .post && request.path == "/api/v3/order"
        let cancel = request.method == .delete && request.path == "/api/v3/order"
        let query = request.method == .get && request.path == "/api/v3/order"
        let signed = request.query.contains { $0.name == "signature" }
        let clientId = request.query.first { $0.name == "newClientOrderId" || $0.name == "origClientOrderId" }?.value ?? ""

        let (fault, lagging, observer, roll, chance) = lock.withLock { () -> (OrderFault?, Bool, (@Sendable (String) -> Void)?, UInt64, Bool) in
            let roll = rng.next()
            requests.append("\(request.method.rawValue) \(request.path)" + (clientId.isEmpty ? "" : " " + clientId))
            if let i = forced.firstIndex(where: { f in
                switch f.on {
                case .any: true
                case .place: place
                case .cancel: cancel
                case .query: query
                }
            }) {
                let f = forced.remove(at: i).fault
                note(f, request)
                return (f, false, placeObserver, roll, false)
            }
            if query, let n = hidden[clientId], n > 0 {
                hidden[clientId] = n - 1
                note(.orderNotFoundForAWhile, request)
                return (nil, true, placeObserver, roll, false)
            }
            if query, let until = hiddenUntil[clientId], let now = inner.clock?(), now < until {
                note(.orderNotFoundForAWhile, request)
                return (nil, true, placeObserver, roll, false)
            }
            guard enabled, Double(rng.next() % 10_000) < probability * 10_000 else { return (nil, false, placeObserver, roll, false) }
            var fits: [OrderFault] = [.timeoutBeforeSend, .rateLimited, .partialFill]
            if signed { fits.append(.clockSkew) }
            if place || cancel { fits += [.timeoutAfterAcceptance, .serverErrorAfterAcceptance, .serverErrorBeforeAcceptance] }
            if place { fits.append(.duplicateRefusal) }
            if cancel { fits += [.fillBeforeCancel, .fillBeforeCancel] }
            let f = fits[Int(rng.next() % UInt64(fits.count))]
            note(f, request)
            return (f, false, placeObserver, roll, true)
        }
        if lagging { return Self.refusal(400, -2013, "Order does not exist.") }

        switch fault {
        case .timeoutBeforeSend: throw .timedOut(sent: false)
        case .rateLimited:
            return VenueResponse(status: 429, headers: [.init("Retry-After", String(1 + roll % 3))],
                                 text: #"{"code":-1003,"msg":"Too many requests; current limit is 6000 request weight per 1 MINUTE."}"#)
        case .clockSkew: return Self.refusal(400, -1021, "Timestamp for this request is outside of the recvWindow.")
        case .serverErrorBeforeAcceptance:
            return Self.refusal(500, -1006, "An unexpected response was received from the message bus. Execution status unknown.")
        case .partialFill: await inner.exchange.fillPart(symbol, numerator: 1, denominator: 2)
        case .fillBeforeCancel:
            if roll % 2 == 0 {
                await inner.exchange.fillResting(clientOrderId: clientId)
            } else {
                await inner.exchange.fillPart(symbol, numerator: 1, denominator: 3)
            }
        default: break
        }
        if place { observer?(clientId) }
        let response = try await inner.send(request)
        switch fault {
        case .timeoutAfterAcceptance, .serverErrorAfterAcceptance, .duplicateRefusal:
            // A drawn fault may leave the exchange's reads lagging behind the order it took, for up
            // to `maxReadLag` (a venue's lag is seconds; the router's grace period must outlast it).
            if chance, place, response.status == 200, let now = inner.clock?() {
                lock.withLock { hiddenUntil[clientId] = now + Int64(roll % UInt64(maxReadLag + 1)) }
            }
            if fault == .timeoutAfterAcceptance { throw .timedOut(sent: true) }
            if fault == .serverErrorAfterAcceptance { return VenueResponse(status: 503, text: "Service Unavailable") }
            return place ? Self.refusal(400, -2010, "Duplicate order sent.") : response
        default: return response
        }
    }

    private func note(_ fault: OrderFault, _ request: VenueRequest) {
        counts[fault, default: 0] += 1
        let id = request.query.first { $0.name == "newClientOrderId" || $0.name == "origClientOrderId" }.map { " " + $0.value } ?? ""
        log.append("\(fault.rawValue) \(request.method.rawValue) \(request.path)\(id)")
    }

    static func refusal(_ status: Int, _ code: Int, _ message: String) -> VenueResponse {
        VenueResponse(status: status, headers: [.init("Content-Type", "application/json")], text: #"{"code":\#(code),"msg":"\#(message)"}"#)
    }
}

/// A small, fast, seeded generator (SplitMix64): the same seed gives the same numbers everywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A clock that only moves when told: the venue client's, the router's and the exchange's time
/// in the fault suite, so a wait of 30 s takes no time at all.
public final class VirtualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var milliseconds: Int64

    public init(_ start: Int64) { milliseconds = start }

    public func now() -> Int64 { lock.withLock { milliseconds } }

    public func advance(_ ms: Int64) { lock.withLock { milliseconds += max(0, ms) } }
}
