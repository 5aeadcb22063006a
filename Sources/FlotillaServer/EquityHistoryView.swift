import Foundation

/// The JSON of `GET /api/v1/bots/{name}/equity`: a bot's live equity over time (exact decimal
/// strings, oldest first, downsampled) and its rollout's steps as marks on the same time axis.
public struct EquityHistoryView: Codable, Sendable {
    public struct Point: Codable, Sendable {
        public var time: Date
        public var equity: String
    }
    public struct Mark: Codable, Sendable {
        public var time: Date
        /// The event: RolloutStarted, CapitalSet, RolloutPaused, RolloutResumed, RolloutPromoted,
        /// RolloutCompleted, RolloutAborted, Analysis…
        public var kind: String
        public var revision: Int?
        public var message: String
    }

    public var bot: String
    public var capital: String
    public var points: [Point]
    public var marks: [Mark]
}
