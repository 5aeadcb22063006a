import Foundation

/// `fleet-policy.yaml` (`kind: FleetPolicy`): the rules across bots — how much of a symbol or an
/// asset the bots may hold together, whether two bots may hold opposite positions on one
/// symbol of one account, and how much of an account's equity one symbol may take.
public struct FleetPolicySpec: Sendable, Equatable {
    /// One exposure limit: the bots' combined position in a symbol (`BTC-USDT`) or in a base
    /// asset across its symbols (`BTC`), on one account or fleet-wide — as notional (quote
    /// currency), as a share of the equity of the bots in scope, and for an asset as a quantity
    /// of it. Notional and equity are summed within one quote currency only (an asset rule on
    /// BTC counts BTC-USDT and BTC-USDC apart); `maxQuantity` counts the asset across them all.
    public struct ExposureRule: Sendable, Equatable {
        public enum Subject: Sendable, Equatable, CustomStringConvertible {
            case symbol(String)
            case asset(String)

            public var description: String {
                switch self {
                case .symbol(let s): s
                case .asset(let a): "\(a) (every \(a)-… symbol)"
                }
            }
        }

        /// `spec.exposure[i]`, for messages.
        public var path: String
        public var subject: Subject
        /// nil: fleet-wide (every account).
        public var account: String?
        public var maxNotional: Decimal?
        public var maxPctOfEquity: Decimal?
        /// An asset rule's cap on the base held across all its symbols, whatever their quote.
        public var maxQuantity: Decimal?

        public init(path: String, subject: Subject, account: String? = nil, maxNotional: Decimal? = nil, maxPctOfEquity: Decimal? = nil,
                    maxQuantity: Decimal? = nil) {
            self.maxQuantity = maxQuantity
            self.path = path
            self.subject = subject
            self.account = account
            self.maxNotional = maxNotional
            self.maxPctOfEquity = maxPctOfEquity
        }
    }

    /// One bot long and another short on the same symbol of the same account.
    public enum ConflictPolicy: String, Sendable, Equatable, CaseIterable {
        /// The order that would open the opposite position is refused.
        case block
        /// Allowed, recorded once as a `ConflictingPositions` event (the default).
        case warn
        /// Allowed, not recorded.
        case allow
    }

    public var file: String
    public var exposure: [ExposureRule]
    public var conflicts: ConflictPolicy
    /// The largest share of an account's equity (its bots' equity) one symbol may take.
    public var maxSymbolPctOfEquity: Decimal?

    public init(file: String = FleetPolicyFile.name, exposure: [ExposureRule] = [], conflicts: ConflictPolicy = .warn, maxSymbolPctOfEquity: Decimal? = nil) {
        self.file = file
        self.exposure = exposure
        self.conflicts = conflicts
        self.maxSymbolPctOfEquity = maxSymbolPctOfEquity
    }
}
