/// One venue account's request budget, shared by every bot and feed on the account: a request
/// is sent only when every limit it counts against has room in its current window, and the
/// venue's own signals — `Retry-After` on a 429 or 418, Binance's `X-MBX-USED-WEIGHT-1M` and
/// `X-MBX-ORDER-COUNT-10S` — take precedence over our count (other programs may share the key).
public actor RateBudget {
    public struct Usage: Sendable, Equatable {
        public var limit: String
        public var used: Int
        public var capacity: Int

        public init(limit: String, used: Int, capacity: Int) {
            self.limit = limit
            self.used = used
            self.capacity = capacity
        }
    }

    /// Why a request was not admitted: its wait would pass the caller's deadline.
    public struct Exhausted: Error, Sendable, Equatable, CustomStringConvertible {
        public var limit: String
        public var retryAfterMilliseconds: Int64
        public var description: String {
            limit == "Retry-After"
                ? "waiting out the venue's Retry-After for \(retryAfterMilliseconds) ms; not sent"
                : "the account's \(limit) budget is spent for \(retryAfterMilliseconds) ms; not sent"
        }
    }

    public let policy: RatePolicy
    private let clock: VenueClock
    private let sleep: @Sendable (Int64) async throws -> Void
    /// Per limit: the window it counts (its start, in ms) and what it counted.
    private var windows: [String: (start: Int64, used: Int)] = [:]
    private var quietUntil: Int64?
    public private(set) var admitted = 0
    public private(set) var waits = 0

    /// `sleep` waits the given milliseconds (injected so tests run on a manual clock).
    public init(policy: RatePolicy, clock: VenueClock = .system,
                sleep: @escaping @Sendable (Int64) async throws -> Void = { try await Task.sleep(for: .milliseconds($0)) }) {
        self.policy = policy
        self.clock = clock
        self.sleep = sleep
    }

    /// Waits until `request` fits every limit it counts against, then counts it. Throws
    /// `Exhausted` instead of waiting past `maxWaitMilliseconds` (nothing is counted).
    public func admit(_ request: VenueRequest, maxWaitMilliseconds: Int64 = 10_000) async throws {
        let cost = policy.cost(request)
        let started = clock.nowMilliseconds()
        while true {
            let now = clock.nowMilliseconds()
            let wait = self.wait(for: cost, effect: request.effect, now: now)
            if wait.milliseconds == 0 {
                for (name, amount) in cost { count(name, amount, now: now) }
                admitted += 1
                return
            }
            if now + wait.milliseconds - started > maxWaitMilliseconds {
                throw Exhausted(limit: wait.limit, retryAfterMilliseconds: wait.milliseconds)
            }
            waits += 1
            try await sleep(wait.milliseconds)
        }
    }

    /// Reads the venue's own figures from an answer.
    public func observe(_ response: VenueResponse) {
        let now = clock.nowMilliseconds()
        if response.status == 429 || response.status == 418 {
            let seconds = Int64(response.retryAfterSeconds ?? 1)
            quietUntil = max(quietUntil ?? 0, now + seconds * 1000)
        }
        if let used = response.header("X-MBX-USED-WEIGHT-1M").flatMap({ Int($0) }) { adopt("weight", used, now: now) }
        if let used = response.header("X-MBX-ORDER-COUNT-10S").flatMap({ Int($0) }) { adopt("orders", used, now: now) }
    }

    /// What each limit has counted in its current window.
    public func usage() -> [Usage] {
        let now = clock.nowMilliseconds()
        return policy.limits.map { limit in
            let w = windows[limit.name]
            let current = w.map { $0.start == windowStart(limit, now) } ?? false
            return Usage(limit: limit.name, used: current ? w!.used : 0, capacity: limit.capacity)
        }
    }

    // MARK: Windows

    private func windowStart(_ limit: RatePolicy.Limit, _ now: Int64) -> Int64 {
        now - ((now % limit.windowMilliseconds) + limit.windowMilliseconds) % limit.windowMilliseconds
    }

    private func used(_ limit: RatePolicy.Limit, now: Int64) -> Int {
        guard let w = windows[limit.name], w.start == windowStart(limit, now) else { return 0 }
        return w.used
    }

    /// How long until `cost` fits (0: now), and the limit that holds it back.
    private func wait(for cost: [String: Int], effect: VenueRequest.Effect, now: Int64) -> (milliseconds: Int64, limit: String) {
        if let until = quietUntil, now < until { return (until - now, "Retry-After") }
        var longest: (milliseconds: Int64, limit: String) = (0, "")
        for limit in policy.limits {
            guard let amount = cost[limit.name], amount > 0 else { continue }
            let room = effect == .write ? limit.capacity : limit.capacity - limit.capacity * policy.reservedForWritesPct / 100
            guard used(limit, now: now) + amount > room else { continue }
            let next = windowStart(limit, now) + limit.windowMilliseconds - now
            if next > longest.milliseconds { longest = (next, limit.name) }
        }
        return longest
    }

    private func count(_ name: String, _ amount: Int, now: Int64) {
        guard let limit = policy.limits.first(where: { $0.name == name }) else { return }
        let start = windowStart(limit, now)
        let before = windows[name].flatMap { $0.start == start ? $0.used : nil } ?? 0
        windows[name] = (start, before + amount)
    }

    /// The venue counted `used` in its current window: never count less than it does.
    private func adopt(_ name: String, _ used: Int, now: Int64) {
        guard let limit = policy.limits.first(where: { $0.name == name }) else { return }
        let start = windowStart(limit, now)
        let ours = windows[name].flatMap { $0.start == start ? $0.used : nil } ?? 0
        windows[name] = (start, max(ours, used))
    }
}

/// Waits for `budget` (when there is one) to admit `request`; a wait past the deadline is a
/// retryable rate-limit error, and nothing was sent.
func admit(_ request: VenueRequest, _ budget: RateBudget?, venue: String) async throws {
    guard let budget else { return }
    do {
        try await budget.admit(request)
    } catch let exhausted as RateBudget.Exhausted {
        throw VenueError(.rateLimited(retryAfterSeconds: Int((exhausted.retryAfterMilliseconds + 999) / 1000)), venue: venue,
                         operation: request.operation, message: exhausted.description)
    }
}
