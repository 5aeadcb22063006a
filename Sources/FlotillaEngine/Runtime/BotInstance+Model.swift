import FlotillaLLM
import FlotillaSpec
import FlotillaStore
import FlotillaTrading
import Foundation

/// What a fleet gives its `llm` instances: the store their calls are recorded in, the budgets
/// every instance shares, and the way to the endpoints.
public struct ModelAccess: Sendable {
    public var store: StateStore?
    public var budgets: CallBudgets
    public var transport: any ChatCompletionsTransport
    public var environment: @Sendable () -> [String: String]

    public init(store: StateStore?, budgets: CallBudgets = CallBudgets(), transport: any ChatCompletionsTransport = ChatCompletionsClient(),
                environment: @escaping @Sendable () -> [String: String] = { ProcessInfo.processInfo.environment }) {
        self.store = store
        self.budgets = budgets
        self.transport = transport
        self.environment = environment
    }

    static func wallMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// The model calls of one instance, for an `llm` bot; nil for any other strategy.
    func decisions(spec: ResolvedBot, revision: Int, symbol: String, instance: String) -> ModelDecisions? {
        guard spec.strategy.kind == .llm, let llm = spec.strategy.llm else { return nil }
        let caller = ModelCaller(bot: spec.name, symbol: symbol, interval: spec.market.interval.description, spec: llm,
                                 params: spec.strategy.params, transport: transport, budgets: budgets, environment: environment)
        return ModelDecisions(caller: caller, store: store, bot: spec.name, revision: revision, symbol: symbol, instance: instance,
                              wallClock: { ModelAccess.wallMs() })
    }
}

extension Fleet {
    /// Points the fleet's `llm` instances at other budgets, transport or environment (tests);
    /// instances started from now on use them.
    public func useModels(_ access: ModelAccess) { modelAccess = access }
}
