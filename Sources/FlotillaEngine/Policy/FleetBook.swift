import FlotillaSpec
import FlotillaTrading
import NIOConcurrencyHelpers

/// The fleet's one book, shared by its instances: each live instance puts in what it holds after
/// every candle, and asks before an entry whether the rules across bots allow it. Without a
/// policy it holds nothing and allows everything (one lock read per call).
public final class FleetBook: Sendable {
    private let state = NIOLockedValueBox<FleetExposure?>(nil)

    public init() {}

    /// Whether a policy is in force.
    public var isActive: Bool { state.withLockedValue { $0 != nil } }

    /// Puts a policy in force (nil: none); what the instances hold is kept across a change.
    public func setPolicy(_ policy: FleetPolicySpec?) throws(MoneyConversionError) {
        guard let policy else {
            state.withLockedValue { $0 = nil }
            return
        }
        var next: FleetExposure
        if let current = state.withLockedValue({ $0 }) {
            next = current
            try next.setPolicy(policy)
        } else {
            next = try FleetExposure(policy: policy)
        }
        state.withLockedValue { $0 = next }
    }

    public var policy: FleetPolicySpec? { state.withLockedValue { $0?.policy } }

    func update(_ instance: String, _ holding: FleetExposure.Holding?) {
        state.withLockedValue { $0?.update(instance, holding) }
    }

    func check(_ entry: FleetExposure.Entry) -> FleetExposure.Verdict {
        state.withLockedValue { $0?.check(entry) } ?? FleetExposure.Verdict()
    }
}
