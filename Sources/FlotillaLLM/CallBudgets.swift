import NIOConcurrencyHelpers

/// The fleet's model-call budgets: calls per hour per bot and per endpoint, tokens per UTC day
/// per bot. Shared by every instance (a canary's and its stable's instances of one bot count
/// together); counted on the wall clock, since that is what an endpoint bills and limits by.
///
/// `admit` is asked before a call is made and reserves it; `spend` adds the tokens the answer
/// used. A refused call is HOLD with the returned reason (and an event).
public final class CallBudgets: Sendable {
    struct Window: Sendable {
        var calls: [Int64] = []
        /// The smallest limit any bot named for this window (endpoints).
        var limit: Int?
        mutating func trim(nowMs: Int64) {
            let from = nowMs - 3_600_000
            if let first = calls.firstIndex(where: { $0 > from }) { calls.removeFirst(first) } else { calls.removeAll() }
        }
    }

    struct Tokens: Sendable {
        var day: Int64 = -1
        var used = 0
    }

    struct State: Sendable {
        var bots: [String: Window] = [:]
        var endpoints: [String: Window] = [:]
        var tokens: [String: Tokens] = [:]
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Reserves one call for `bot` to `endpoint`, or says which budget is spent.
    public func admit(bot: String, maxCallsPerHour: Int, endpoint: String, endpointMaxCallsPerHour: Int, dailyTokens: Int,
                      nowMs: Int64) -> String? {
        state.withLockedValue { s in
            var b = s.bots[bot] ?? Window(), e = s.endpoints[endpoint] ?? Window()
            b.trim(nowMs: nowMs)
            e.trim(nowMs: nowMs)
            defer { s.bots[bot] = b; s.endpoints[endpoint] = e }
            let day = nowMs / 86_400_000
            if dailyTokens > 0, let t = s.tokens[bot], t.day == day, t.used >= dailyTokens {
                return "\(t.used) of \(dailyTokens) tokens used today (UTC; param dailyTokenBudget)"
            }
            if b.calls.count >= maxCallsPerHour {
                return "\(b.calls.count) calls in the last hour for this bot (param maxCallsPerHour: \(maxCallsPerHour))"
            }
            let endpointLimit = min(e.limit ?? endpointMaxCallsPerHour, endpointMaxCallsPerHour)
            e.limit = endpointLimit
            if e.calls.count >= endpointLimit {
                return "\(e.calls.count) calls in the last hour to \(endpoint) (endpointMaxCallsPerHour: \(endpointLimit), the smallest any bot names)"
            }
            b.calls.append(nowMs)
            e.calls.append(nowMs)
            return nil
        }
    }

    /// Adds an answer's tokens to the bot's day.
    public func spend(bot: String, tokens: Int, nowMs: Int64) {
        state.withLockedValue { s in
            let day = nowMs / 86_400_000
            var t = s.tokens[bot] ?? Tokens()
            if t.day != day { t = Tokens(day: day, used: 0) }
            t.used += tokens
            s.tokens[bot] = t
        }
    }

    /// Tokens `bot` used today (UTC).
    public func tokensToday(bot: String, nowMs: Int64) -> Int {
        state.withLockedValue { s in
            guard let t = s.tokens[bot], t.day == nowMs / 86_400_000 else { return 0 }
            return t.used
        }
    }
}
