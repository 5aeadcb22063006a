import Foundation

/// A `BotTrader`'s state as a bot persists it (`instances.trader_json`): the strategy with its
/// indicators, the risk manager's memory, the decision counters and clock, and the protection of
/// entries still working and of the open position. With the venue state saved in the same
/// transaction it is everything a restart needs to decide exactly as an uninterrupted run.
public struct TraderState<S: Codable & Sendable>: Sendable, Codable {
    /// Bumped when the shape changes incompatibly.
    public var format = 1
    public var strategy: S
    public var risk: RiskState
    public var decisions: Int
    public var rejections: Int
    public var openTrades: Int
    public var lastDecisionTime: Int64?
    /// The last close seen (capital moves are valued at it).
    public var lastMark: Fixed?
    public var pendingProtection: [String: Protection]
    public var protection: [ProtectiveOrder]

    public init(strategy: S, risk: RiskState, decisions: Int, rejections: Int, openTrades: Int, lastDecisionTime: Int64?, lastMark: Fixed?,
                pendingProtection: [String: Protection], protection: [ProtectiveOrder]) {
        self.strategy = strategy
        self.risk = risk
        self.decisions = decisions
        self.rejections = rejections
        self.openTrades = openTrades
        self.lastDecisionTime = lastDecisionTime
        self.lastMark = lastMark
        self.pendingProtection = pendingProtection
        self.protection = protection
    }

    /// The JSON form: keys sorted (the same state gives the same bytes), doubles written in their
    /// shortest exact form, non-finite values as strings.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public init(json: String) throws {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan")
        self = try decoder.decode(Self.self, from: Data(json.utf8))
        guard format == 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "trader state format \(format) is not known to this version"))
        }
    }
}
