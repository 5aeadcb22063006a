import FlotillaAPI
import FlotillaStore
import FlotillaTrading
import Foundation

/// An instance's persisted JSON — venue, trader state, fill counts — decoded. Pure, so recovery
/// decodes every instance's at once across the cores; a part that cannot be read is kept as the
/// `RestoreError` the instance's restore throws (that instance stays down, the others start).
struct PersistedInstance: Sendable {
    /// nil: no venue state stored (the instance starts with an empty account).
    var venue: Result<PaperVenue?, RestoreError>
    /// nil: a store from before `v5-trader-state` (the indicators warm up).
    var trader: Result<TraderState<AnyStrategy>?, RestoreError>
    var fillCounts: (buys: Int, sells: Int)

    init(_ state: InstanceState) {
        if let json = state.venueJSON {
            do { venue = .success(try JSONDecoder().decode(PaperVenue.self, from: Data(json.utf8))) } catch {
                venue = .failure(RestoreError(instance: state.id, part: "venue state", underlying: error))
            }
        } else {
            venue = .success(nil)
        }
        do { trader = .success(try state.traderJSON.map { try TraderState<AnyStrategy>(json: $0) }) } catch {
            trader = .failure(RestoreError(instance: state.id, part: "trader state", underlying: error))
        }
        fillCounts = state.metricsJSON.flatMap { try? JSONDecoder().decode(InstanceMetrics.self, from: Data($0.utf8)) }.map { ($0.buys, $0.sells) } ?? (0, 0)
    }
}
