import FlotillaAPI
import FlotillaStore
import FlotillaTrading
import Foundation

/// What an instance persists, taken on the fleet's thread and turned into JSON anywhere: its
/// venue, its trader state, its metrics and the fills since the last capture. The fleet encodes
/// a tick's or a stop's captures together across the cores (`encodeAll`) — encoding was the
/// dearest part of a tick, a start and a stop at ten thousand bots.
struct InstanceCapture: Sendable {
    /// The row without its JSON columns.
    var state: InstanceState
    var venue: PaperVenue
    var trader: TraderState<AnyStrategy>
    var metrics: InstanceMetrics
    var newFills: [Fill]
    /// The instance's change count when captured (see `BotInstance.committed(_:)`).
    var changes = 0

    typealias Encoded = (state: InstanceState, newFills: [(String, Int64, String)])

    /// The row to persist and the new fills, as JSON.
    func encoded() -> Encoded {
        // The bytes `JSONEncoder` writes (the trader's as `TraderState.json()` does), a few times faster.
        let encoder = CompactJSONEncoder()
        var state = self.state
        state.venueJSON = (try? encoder.string(venue)) ?? ""
        // Every strategy an instance runs has a persisted form; should one not, the restart warms up.
        state.traderJSON = try? Self.traderEncoder.string(trader)
        state.metricsJSON = try? encoder.string(metrics)
        let fills = newFills.map { f in (f.clientOrderId, f.time, (try? encoder.string(f)) ?? "") }
        return (state, fills)
    }

    /// `TraderState.json()`'s form: keys sorted, non-finite doubles as strings.
    static let traderEncoder = CompactJSONEncoder(sortedKeys: true, nonFinite: .init(positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan"))

    /// Every capture encoded, in order, spread over the cores (encoding is pure).
    static func encodeAll(_ captures: [InstanceCapture]) -> [Encoded] { captures.concurrentMap { $0.encoded() } }
}
