import FlotillaAPI
import FlotillaLLM
import FlotillaStore
import FlotillaTrading
import Foundation
import NIOConcurrencyHelpers

/// An `llm` instance's way to its decisions: for each candle, one model call, made off the
/// instance's actor in a task of its own — so a slow endpoint holds back this instance's next
/// candle and nothing else in the fleet. The call is recorded in the store before its decision is
/// handed over; a candle that already has a record (a restart) takes the recorded decision
/// without asking again.
final class ModelDecisions: Sendable {
    enum Poll: Sendable {
        /// The call for this candle is under way: the candle waits.
        case waiting
        /// The decision to hand the strategy, and the event to raise (a budget spent).
        case ready(Decision, event: (kind: String, message: String)?)
    }

    struct Answer: Sendable {
        var decision: Decision
        var event: (kind: String, message: String)?
    }

    struct State: Sendable {
        var asking: Int64?
        var task: Task<Void, Never>?
        var answered: [Int64: Answer] = [:]
        var usage = ModelUsage()
        var latencySum = 0.0
    }

    let caller: ModelCaller
    let store: StateStore?
    let bot: String
    let revision: Int
    let symbol: String
    let instance: String
    let wallClock: @Sendable () -> Int64
    private let state = NIOLockedValueBox(State())

    init(caller: ModelCaller, store: StateStore?, bot: String, revision: Int, symbol: String, instance: String,
         wallClock: @escaping @Sendable () -> Int64) {
        self.caller = caller
        self.store = store
        self.bot = bot
        self.revision = revision
        self.symbol = symbol
        self.instance = instance
        self.wallClock = wallClock
    }

    deinit { state.withLockedValue { $0.task?.cancel() } }

    var usage: ModelUsage { state.withLockedValue { $0.usage } }

    /// The decision for `candle` if its call is done; otherwise starts the call (once) and waits.
    func poll(_ candle: Candle, context: () -> ModelContext) -> Poll {
        let time = candle.time
        let ready: Answer? = state.withLockedValue { s in
            // Kept until a later candle is asked about: a candle retried (the venue made it wait)
            // gets the same answer, its event raised once.
            guard let answer = s.answered[time] else { return nil }
            s.answered[time]?.event = nil
            if s.answered.count > 1 { s.answered = s.answered.filter { $0.key >= time } }
            return answer
        }
        if let ready { return .ready(ready.decision, event: ready.event) }
        let start = state.withLockedValue { s -> Bool in
            guard s.asking != time else { return false }
            s.task?.cancel()
            s.asking = time
            return true
        }
        guard start else { return .waiting }
        let context = context()
        let task = Task { [self] in
            let answer = await self.answer(context)
            state.withLockedValue { s in
                guard s.asking == time else { return }
                s.answered[time] = answer
                s.asking = nil
                s.task = nil
            }
        }
        state.withLockedValue { s in if s.asking == time { s.task = task } }
        return .waiting
    }

    /// Stops a call under way (the instance stopped).
    func cancel() {
        state.withLockedValue { s in
            s.task?.cancel()
            s.task = nil
            s.asking = nil
        }
    }

    private func answer(_ context: ModelContext) async -> Answer {
        let time = context.candle.time
        if let store, let recorded = try? store.modelCall(bot: bot, revision: revision, symbol: symbol, candleTime: time) {
            state.withLockedValue { $0.usage.reused += 1 }
            return Answer(decision: ModelCallReplay.decision(recorded), event: nil)
        }
        let call = await caller.ask(context, nowMs: wallClock())
        if let store {
            let record = ModelCallReplay.record(call, bot: bot, revision: revision, symbol: symbol, instance: instance)
            // The first record for a candle stands: if another incarnation wrote one meanwhile, act on it.
            if (try? store.recordModelCall(record)) == false,
                let standing = try? store.modelCall(bot: bot, revision: revision, symbol: symbol, candleTime: time)
            {
                return Answer(decision: ModelCallReplay.decision(standing), event: nil)
            }
        }
        state.withLockedValue { s in
            if case .budget(_)? = call.hold {} else {
                s.usage.calls += 1
                s.latencySum += Double(call.latencyMs) / 1000
                s.usage.meanLatencySeconds = s.latencySum / Double(s.usage.calls)
                s.usage.lastLatencySeconds = Double(call.latencyMs) / 1000
            }
            s.usage.promptTokens += call.tokens.prompt
            s.usage.completionTokens += call.tokens.completion
            if let hold = call.hold { s.usage.holds[hold.kind, default: 0] += 1 }
            s.usage.lastHold = call.hold?.description
        }
        var event: (kind: String, message: String)?
        if case .budget(let what) = call.hold {
            event = (kind: "ModelBudgetExhausted", message: "\(instance): candle \(ISOTime.format(time)) is HOLD: \(what)")
        }
        return Answer(decision: call.strategyDecision, event: event)
    }
}

/// Between a model call and its row in `llm_calls`, both ways.
public enum ModelCallReplay {
    public static func record(_ call: ModelCall, bot: String, revision: Int, symbol: String, instance: String) -> ModelCallRecord {
        ModelCallRecord(
            bot: bot, revision: revision, symbol: symbol, candleTime: call.candleTime, instance: instance, calledAt: call.calledAt,
            prompt: call.prompt, rawAnswer: call.rawAnswer.map { String($0.prefix(1 << 20)) },
            action: call.hold == nil ? (call.decision?.action.rawValue ?? "HOLD") : "HOLD",
            decision: call.hold == nil ? call.decision?.recordText : nil, holdKind: call.hold?.kind, holdReason: call.hold?.description,
            latencyMs: max(0, call.latencyMs), promptTokens: call.tokens.prompt, completionTokens: call.tokens.completion,
            tokensEstimated: call.tokens.estimated)
    }

    /// The decision a record says the strategy acted on.
    public static func decision(_ record: ModelCallRecord) -> Decision {
        if let text = record.decision, let d = ModelDecision(recordText: text) { return d.decision }
        return Decision(.hold, rationale: "HOLD: \(record.holdReason ?? "no decision")")
    }

    /// A bot's recorded decisions by candle time (one symbol's).
    public static func decisions(_ records: [ModelCallRecord]) -> [Int64: Decision] {
        var out: [Int64: Decision] = [:]
        for r in records { out[r.candleTime] = decision(r) }
        return out
    }
}
