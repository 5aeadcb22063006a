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
        let encoder = JSONEncoder()
        var state = self.state
        state.venueJSON = String(decoding: (try? encoder.encode(venue)) ?? Data(), as: UTF8.self)
        // Every strategy an instance runs has a persisted form; should one not, the restart warms up.
        state.traderJSON = try? trader.json()
        state.metricsJSON = (try? encoder.encode(metrics)).map { String(decoding: $0, as: UTF8.self) }
        let fills = newFills.map { f in (f.clientOrderId, f.time, String(decoding: (try? encoder.encode(f)) ?? Data(), as: UTF8.self)) }
        return (state, fills)
    }

    /// Every capture encoded, in order, spread over the cores (encoding is pure).
    static func encodeAll(_ captures: [InstanceCapture]) -> [Encoded] { captures.concurrentMap { $0.encoded() } }
}
