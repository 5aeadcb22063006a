/// Every series `/metrics` exports, with its help text (docs/api.md lists them). The per-instance
/// ones carry `bot` and `instance` or `symbol` and `revision`; the rollout ones `bot`.
enum MetricSeries {
    static let uptime = "trading_bot_uptime_seconds"
    static let trades = "trading_bot_trades_total"
    static let positions = "trading_bot_positions_active"
    static let dailyPnL = "trading_bot_daily_pnl"
    static let apiRequests = "trading_bot_api_requests_total"
    static let apiErrors = "trading_bot_api_errors_total"
    static let apiResponseTime = "trading_bot_api_response_time_seconds"
    static let health = "trading_bot_health_status"
    static let capital = "flotilla_capital_pct"
    static let equity = "flotilla_equity"
    static let rolloutPhase = "flotilla_rollout_phase"
    static let rolloutRevision = "flotilla_rollout_revision"
    static let rolloutStep = "flotilla_rollout_step"
    static let rolloutSteps = "flotilla_rollout_steps"
    static let reconcileDuration = "flotilla_reconcile_duration_seconds"
    static let reconcilePasses = "flotilla_reconcile_passes_total"
    static let analysisResults = "flotilla_analysis_results_total"
    static let stateSerial = "flotilla_state_serial"
    static let modelCalls = "flotilla_llm_calls_total"
    static let modelHolds = "flotilla_llm_holds_total"
    static let modelTokens = "flotilla_llm_tokens_total"
    static let modelLatency = "flotilla_llm_latency_seconds"

    static let help: [String: String] = [
        uptime: "Seconds since this flotilla process started serving the bot",
        trades: "Fills by side",
        positions: "Open position, base quantity",
        dailyPnL: "Realized plus unrealized PnL of the instance, quote currency",
        apiRequests: "Venue calls",
        apiErrors: "Failed venue calls",
        apiResponseTime: "A venue call's duration, exponentially smoothed over the last calls",
        health: "1 healthy, 0 not",
        capital: "Share of the bot's capital this revision trades",
        equity: "Instance equity at the last close, quote currency",
        rolloutPhase: "1 for the rollout's current phase",
        rolloutRevision: "The revision being rolled out",
        rolloutStep: "Steps of the rollout done (canary steps, stages, replaced instances)",
        rolloutSteps: "Steps of the rollout in all",
        reconcileDuration: "Duration of the last reconcile pass",
        reconcilePasses: "Reconcile passes since the process started",
        analysisResults: "Analysis runs by result",
        stateSerial: "The state serial",
        modelCalls: "Model calls made by an llm instance",
        modelHolds: "An llm instance's HOLDs not decided by the model, by reason",
        modelTokens: "Tokens an llm instance's model calls used, by kind (prompt, completion)",
        modelLatency: "Mean latency of an llm instance's model calls",
    ]
}
