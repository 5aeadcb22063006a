import FlotillaEngine
import FlotillaStore
import FlotillaTesting
import Foundation
import Logging
import Testing

@Suite("Error recovery")
struct RecoveryTests {
    @Test("the circuit breaker opens after 5 failures, refuses for 60 s, then lets one trial through")
    func breaker() {
        var b = CircuitBreaker(failureThreshold: 5, recoveryMs: 60_000)
        var allowed: [Bool] = []
        for i in 0..<5 {
            allowed.append(b.allow(now: Int64(i)))
            b.recordFailure(now: Int64(i))
        }
        #expect(allowed == [true, true, true, true, true])
        #expect(b.state == .open)
        let during = b.allow(now: 59_000), after = b.allow(now: 60_004)
        #expect(!during && after)
        #expect(b.state == .halfOpen)
        let second = b.allow(now: 60_005)
        #expect(!second, "one trial at a time")
        b.recordFailure(now: 60_010)
        #expect(b.state == .open, "a failed trial opens it again")
        let again = b.allow(now: 120_010)
        #expect(again)
        b.recordSuccess()
        #expect(b.state == .closed)
    }

    @Test("retries back off exponentially from 1 s to at most 60 s, 3 times")
    func retry() {
        let r = RetryPolicy(attempts: 3, initialMs: 1000, maxMs: 60_000, base: 2)
        #expect([0, 1, 2, 3].map { r.delay(attempt: $0) } == [1000, 2000, 4000, nil])
        #expect(RetryPolicy(attempts: 10, initialMs: 1000, maxMs: 60_000, base: 2).delay(attempt: 9) == 60_000)
    }

    @Test("the rate limiter allows 100 calls per 60 s and says when the next slot frees")
    func rateLimit() {
        var l = RateLimiter(calls: 100, periodMs: 60_000)
        var granted = 0
        for i in 0..<100 { if case .success = l.acquire(now: Int64(i)) { granted += 1 } }
        #expect(granted == 100)
        guard case .failure(let limited) = l.acquire(now: 1_000) else { Issue.record("the 101st call must wait"); return }
        #expect(limited.retryAfterMs == 59_000)
        let later = l.acquire(now: 60_000)
        #expect((try? later.get()) != nil)
    }

    @Test("ten consecutive errors auto-pause; a success resets the run; the window counts the rest")
    func errorTracker() {
        var t = ErrorTracker(windowMs: 3_600_000, autoPauseAfter: 10)
        var paused: [Bool] = []
        for i in 0..<9 { paused.append(t.recordError(now: Int64(i))) }
        t.recordSuccess()
        for i in 0..<9 { paused.append(t.recordError(now: Int64(100 + i))) }
        #expect(paused.allSatisfy { !$0 })
        let tenth = t.recordError(now: 200)
        #expect(tenth)
        #expect(t.count(now: 200) == 19)
        #expect(t.count(now: 3_700_000) == 0)
    }

    @Test("the watchdog backs off between restarts and calls a crash loop after 5 in 10 minutes")
    func restarts() {
        var r = RestartTracker()
        let verdicts = [0, 10_000, 20_000, 30_000, 40_000, 50_000].map { r.unhealthy(now: Int64($0)) }
        #expect(verdicts == [.restartAt(1_000), .restartAt(12_000), .restartAt(24_000), .restartAt(38_000), .restartAt(56_000), .crashLoop(restarts: 5)])
    }
}

@Suite("Error recovery in running instances", .serialized)
struct InstanceRecoveryTests {
    @Test("consecutive venue errors open the breaker, the watchdog restarts the instance, ten errors auto-pause it")
    func autoPause() async throws {
        let h = try FleetHarness()
        try h.apply(canaryBot)
        try await h.fleet.reconcile(nowMs: 0)
        h.venue.failNext(10, bot: "test-bot")
        var now: Int64 = 0
        for _ in 0..<400 {
            now += 1_000
            try await h.fleet.tick(nowMs: now)
            try await h.fleet.reconcile(nowMs: now)
            h.venue.failNext(0, bot: "test-bot")
        }
        let kinds = try h.store.events(bot: "test-bot", limit: 500).map(\.kind)
        #expect(kinds.contains("InstanceUnhealthy"))
        #expect(kinds.contains("InstanceRestarted"))
        let state = try #require(try h.instances().first)
        #expect(state.candlesSeen > 0, "after the failures, trading resumes")
    }

    @Test("a canary stuck in a crash loop is marked failed and rolled back to stable")
    func crashLoopRollsBack() async throws {
        let h = try FleetHarness()
        try h.apply(canaryBot)
        try await h.fleet.reconcile(nowMs: 0)
        try h.apply(Fixtures.botYAML(["{ pause: 30m }": "{ pause: {} }", "fast: 10": "fast: 12"]))
        try await h.fleet.reconcile(nowMs: 1_000)
        var now: Int64 = 1_000
        for _ in 0..<2000 {
            now += 1_000
            h.venue.failNext(5, bot: "test-bot", revision: 2)
            try await h.fleet.tick(nowMs: now)
            try await h.fleet.reconcile(nowMs: now)
            if try h.store.rollout(bot: "test-bot")?.phase == .aborted { break }
        }
        let kinds = try h.store.events(bot: "test-bot", limit: 1000).map(\.kind)
        #expect(kinds.contains("CrashLoop"))
        #expect(try h.store.rollout(bot: "test-bot")?.phase == .aborted)
        #expect(try h.instances().map(\.revision) == [1])
        let ledger = try #require(try Fleet.capitalLedger(bot: "test-bot", store: h.store))
        #expect(ledger.accounted == ledger.capital)
    }
}
