/// Where a running instance's venue calls go. The paper venue lives in the instance's own account
/// and answers every call (`PaperConnection`); a venue that can fail — a live exchange, or the test
/// venue in FlotillaTesting that fails when told to — answers false for a call that failed, and
/// the instance's error recovery (breaker, retry with backoff, auto-pause) takes it from there.
public protocol VenueConnection: Sendable {
    /// Whether the venue answered `instance`'s next call (one candle's orders); false: it failed.
    func answers(instance: String, bot: String, revision: Int) -> Bool
}

/// The paper venue's connection: it never fails.
public struct PaperConnection: VenueConnection {
    public init() {}
    public func answers(instance: String, bot: String, revision: Int) -> Bool { true }
}
