import Foundation
import GRDB

/// `v9-llm-calls`: every call an `llm` bot made to its model — the prompt, the raw answer, the
/// decision taken from it or why it is HOLD, latency and tokens — one row per (bot, revision,
/// symbol, candle time). The first answer for a candle stands (a restarted instance reuses it
/// rather than asking again), so a replay finds exactly what the bot acted on.
///
/// API keys are never here: prompts are rendered from market state, answers redacted of the key
/// before they are written.
enum ModelCallsMigration {
    static func add(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE llm_calls (
                bot TEXT NOT NULL REFERENCES bots (name) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
                revision INTEGER NOT NULL CHECK (typeof(revision) = 'integer' AND revision > 0),
                symbol TEXT NOT NULL CHECK (typeof(symbol) = 'text' AND length(symbol) > 0),
                candle_time INTEGER NOT NULL CHECK (typeof(candle_time) = 'integer'),
                instance TEXT NOT NULL CHECK (typeof(instance) = 'text' AND length(instance) > 0),
                called_at INTEGER NOT NULL CHECK (typeof(called_at) = 'integer'),
                prompt TEXT NOT NULL CHECK (typeof(prompt) = 'text'),
                raw_answer TEXT CHECK (raw_answer IS NULL OR typeof(raw_answer) = 'text'),
                action TEXT NOT NULL CHECK (action IN ('LONG', 'SHORT', 'CLOSE', 'HOLD')),
                decision TEXT CHECK (decision IS NULL OR typeof(decision) = 'text'),
                hold_kind TEXT CHECK (hold_kind IS NULL OR typeof(hold_kind) = 'text'),
                hold_reason TEXT CHECK (hold_reason IS NULL OR typeof(hold_reason) = 'text'),
                latency_ms INTEGER NOT NULL CHECK (typeof(latency_ms) = 'integer' AND latency_ms >= 0),
                prompt_tokens INTEGER NOT NULL CHECK (typeof(prompt_tokens) = 'integer' AND prompt_tokens >= 0),
                completion_tokens INTEGER NOT NULL CHECK (typeof(completion_tokens) = 'integer' AND completion_tokens >= 0),
                tokens_estimated INTEGER NOT NULL CHECK (tokens_estimated IN (0, 1)),
                CHECK ((hold_kind IS NULL) = (hold_reason IS NULL)),
                CHECK (decision IS NOT NULL OR hold_kind IS NOT NULL),
                PRIMARY KEY (bot, revision, symbol, candle_time)
            ) WITHOUT ROWID;
            """)
    }
}

/// One row of `llm_calls`, as text and integers: FlotillaLLM reads the decision back.
public struct ModelCallRecord: Sendable, Equatable {
    public var bot: String
    public var revision: Int
    public var symbol: String
    public var candleTime: Int64
    public var instance: String
    public var calledAt: Int64
    public var prompt: String
    public var rawAnswer: String?
    /// The action the strategy was handed: the model's, or HOLD.
    public var action: String
    /// The model's decision as JSON (`ModelDecision.recordText`), nil when the call is HOLD for a reason.
    public var decision: String?
    public var holdKind: String?
    public var holdReason: String?
    public var latencyMs: Int64
    public var promptTokens: Int
    public var completionTokens: Int
    public var tokensEstimated: Bool

    public init(bot: String, revision: Int, symbol: String, candleTime: Int64, instance: String, calledAt: Int64, prompt: String,
                rawAnswer: String?, action: String, decision: String?, holdKind: String?, holdReason: String?, latencyMs: Int64,
                promptTokens: Int, completionTokens: Int, tokensEstimated: Bool) {
        self.bot = bot
        self.revision = revision
        self.symbol = symbol
        self.candleTime = candleTime
        self.instance = instance
        self.calledAt = calledAt
        self.prompt = prompt
        self.rawAnswer = rawAnswer
        self.action = action
        self.decision = decision
        self.holdKind = holdKind
        self.holdReason = holdReason
        self.latencyMs = latencyMs
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.tokensEstimated = tokensEstimated
    }

    init(row: Row) {
        self.init(
            bot: row["bot"], revision: row["revision"], symbol: row["symbol"], candleTime: row["candle_time"], instance: row["instance"],
            calledAt: row["called_at"], prompt: row["prompt"], rawAnswer: row["raw_answer"], action: row["action"], decision: row["decision"],
            holdKind: row["hold_kind"], holdReason: row["hold_reason"], latencyMs: row["latency_ms"], promptTokens: row["prompt_tokens"],
            completionTokens: row["completion_tokens"], tokensEstimated: (row["tokens_estimated"] as Int) == 1)
    }
}

extension StateStore {
    /// Records a call; returns false when the candle already had one (that one stands) or the
    /// bot is gone.
    @discardableResult
    public func recordModelCall(_ r: ModelCallRecord) throws -> Bool {
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO llm_calls (bot, revision, symbol, candle_time, instance, called_at, prompt, raw_answer, action,
                        decision, hold_kind, hold_reason, latency_ms, prompt_tokens, completion_tokens, tokens_estimated)
                    SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM bots WHERE name = ?)
                    """,
                arguments: [r.bot, r.revision, r.symbol, r.candleTime, r.instance, r.calledAt, r.prompt, r.rawAnswer, r.action, r.decision,
                            r.holdKind, r.holdReason, r.latencyMs, r.promptTokens, r.completionTokens, r.tokensEstimated ? 1 : 0, r.bot])
            return db.changesCount > 0
        }
    }

    /// The call recorded for one candle, if any.
    public func modelCall(bot: String, revision: Int, symbol: String, candleTime: Int64) throws -> ModelCallRecord? {
        try writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM llm_calls WHERE bot = ? AND revision = ? AND symbol = ? AND candle_time = ?",
                             arguments: [bot, revision, symbol, candleTime]).map(ModelCallRecord.init(row:))
        }
    }

    /// A bot's recorded calls, oldest candle first: one revision's, or the newest revision that has any.
    public func modelCalls(bot: String, revision: Int? = nil, symbol: String? = nil) throws -> [ModelCallRecord] {
        try writer.read { db in
            guard let revision = try revision
                ?? Int.fetchOne(db, sql: "SELECT MAX(revision) FROM llm_calls WHERE bot = ?", arguments: [bot])
            else { return [] }
            var sql = "SELECT * FROM llm_calls WHERE bot = ? AND revision = ?"
            var arguments: StatementArguments = [bot, revision]
            if let symbol {
                sql += " AND symbol = ?"
                arguments += [symbol]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY candle_time, symbol", arguments: arguments).map(ModelCallRecord.init(row:))
        }
    }
}
