import FlotillaTrading
import NIOConcurrencyHelpers

/// A test venue that fails when told to: `failNext(5, bot: "eth-trend")` makes the next five venue
/// calls of each of the bot's instances fail (of one revision, when given), as an exchange that
/// times out would. Give it to the fleet (`Fleet(…, venue:)`); everything else answers.
public final class FlakyVenue: VenueConnection {
    private struct Failures {
        /// Bot → revision (nil: every revision) → failures still to come per instance, and what
        /// each instance already took.
        var planned: [String: [Int?: Int]] = [:]
        var taken: [String: [Int?: [String: Int]]] = [:]
    }

    private let failures = NIOLockedValueBox(Failures())

    public init() {}

    /// The next `count` calls of each of `bot`'s instances (of `revision`) fail, on top of any
    /// failures already planned.
    public func failNext(_ count: Int, bot: String, revision: Int? = nil) {
        failures.withLockedValue { f in f.planned[bot, default: [:]][revision, default: 0] += count }
    }

    public func answers(instance: String, bot: String, revision: Int) -> Bool {
        failures.withLockedValue { f in
            for key in [revision, nil] as [Int?] {
                let planned = f.planned[bot]?[key] ?? 0
                let taken = f.taken[bot]?[key]?[instance] ?? 0
                if taken < planned {
                    f.taken[bot, default: [:]][key, default: [:]][instance] = taken + 1
                    return false
                }
            }
            return true
        }
    }
}
