import Foundation
import GRDB

/// One sample of a bot's live equity (exact decimal text), at a wall time in milliseconds.
public struct EquitySample: Sendable, Equatable {
    public var time: Int64
    public var equity: String

    public init(time: Int64, equity: String) {
        self.time = time
        self.equity = equity
    }
}

/// A rollout's step as a mark on a bot's equity curve: an event of the rollout (started, capital
/// set, paused, resumed, promoted, completed, aborted, an analysis judged).
public struct RolloutMark: Sendable, Equatable {
    public var time: Int64
    public var kind: String
    public var revision: Int?
    public var message: String
}

/// Bounds and shape of the equity history (table `equity_history`, migration `v6-equity-history`).
/// Past `maxSamplesPerBot` samples, a bot's older half is thinned to every other sample: recent
/// equity stays at the recording rate, older equity gets coarser, and the whole history of a
/// bot — however long it ran — stays within the bound (1,000 bots: at most 600,000 small rows).
public enum EquityHistory {
    public static let maxSamplesPerBot = 600

    /// At most `points` samples spread evenly over `samples` (oldest to newest), keeping the first
    /// and the last. Pure.
    public static func downsample(_ samples: [EquitySample], to points: Int) -> [EquitySample] {
        let points = max(2, points)
        guard samples.count > points else { return samples }
        let step = Double(samples.count - 1) / Double(points - 1)
        return (0..<points).map { samples[Int((Double($0) * step).rounded())] }
    }

    /// The event kinds drawn as marks on the curve.
    static let markKinds = ["CapitalSet", "StageStarted", "RolledBack"]
}

extension StateStore {
    /// Appends one sample per bot in one transaction, then thins each bot that passed the bound.
    public func recordEquity(_ samples: [(bot: String, sample: EquitySample)]) throws {
        guard !samples.isEmpty else { return }
        try writer.write { db in
            for (bot, sample) in samples {
                // A bot deleted since its sample was taken is skipped (its history goes with it).
                try db.execute(sql: "INSERT OR REPLACE INTO equity_history (bot, time, equity) SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM bots WHERE name = ?)",
                               arguments: [bot, sample.time, sample.equity, bot])
            }
            for bot in Set(samples.map(\.bot)) {
                let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM equity_history WHERE bot = ?", arguments: [bot]) ?? 0
                guard count > EquityHistory.maxSamplesPerBot else { continue }
                // Every other sample of the older half goes.
                let older = try Int64.fetchAll(db, sql: "SELECT time FROM equity_history WHERE bot = ? ORDER BY time LIMIT ?",
                                               arguments: [bot, count / 2])
                for (i, time) in older.enumerated() where i % 2 == 1 {
                    try db.execute(sql: "DELETE FROM equity_history WHERE bot = ? AND time = ?", arguments: [bot, time])
                }
            }
        }
    }

    /// Forgets the history of bots that are no longer in the desired state.
    public func forgetEquityOfDeletedBots() throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM equity_history WHERE bot NOT IN (SELECT name FROM bots)")
        }
    }

    /// A bot's equity samples, oldest first, downsampled to at most `points`.
    public func equityHistory(bot: String, points: Int) throws -> [EquitySample] {
        let all = try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT time, equity FROM equity_history WHERE bot = ? ORDER BY time", arguments: [bot])
                .compactMap { row -> EquitySample? in
                    // A sample that is not a time and an amount (a hand edit) is skipped, never a trap.
                    guard let time: Int64 = row.optional("time"), let equity: String = row.optional("equity") else { return nil }
                    return EquitySample(time: time, equity: equity)
                }
        }
        return EquityHistory.downsample(all, to: points)
    }

    /// The bot's rollout events since `since` (ms), oldest first, at most `limit` (the newest).
    public func rolloutMarks(bot: String, since: Int64, limit: Int = 200) throws -> [RolloutMark] {
        try writer.read { db in
            let kinds = EquityHistory.markKinds.map { "'\($0)'" }.joined(separator: ", ")
            return try Row.fetchAll(
                db,
                sql: """
                    SELECT time, kind, revision, message FROM events
                    WHERE bot = ? AND time >= ? AND (kind LIKE 'Rollout%' OR kind LIKE 'Analysis%' OR kind IN (\(kinds)))
                    ORDER BY id DESC LIMIT ?
                    """,
                arguments: [bot, since, limit]
            ).reversed().map { RolloutMark(time: $0.value("time", or: 0), kind: $0.value("kind", or: ""), revision: $0.optional("revision"), message: $0.value("message", or: "")) }
        }
    }
}
