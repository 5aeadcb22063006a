import Testing

/// Tests that load the whole machine — real `flotilla up` processes with deadlines, the
/// 10,000-schedule fault suite, the API fuzz — take turns: on two cores, run side by side, a
/// process that starts in 2 s alone took over a minute and missed its deadline. Mark a suite or
/// test `.heavy`; the rest of the suite still runs in parallel around them.
public struct HeavyTrait: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        // Each test case takes a turn; a suite's own scope does not (it would hold the turn its
        // tests wait for).
        guard testCase != nil else { return try await function() }
        await HeavyTurns.shared.acquire()
        do {
            try await function()
        } catch {
            await HeavyTurns.shared.release()
            throw error
        }
        await HeavyTurns.shared.release()
    }
}

extension Trait where Self == HeavyTrait {
    /// Runs alone among the heavy tests (see `HeavyTrait`).
    public static var heavy: Self { HeavyTrait() }
}

/// One turn at a time, first come first served.
actor HeavyTurns {
    static let shared = HeavyTurns()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
