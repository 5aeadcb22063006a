import FlotillaSpec
import FlotillaTrading
import Foundation

/// A type-erased strategy, as instances run it. It persists as a tagged value — the strategy's
/// kind and its state (parameters and indicators) — so a restarted instance resumes the exact
/// strategy it had, the long-only wrapper included.
public struct AnyStrategy: Strategy {
    var base: any Strategy
    public init(_ base: any Strategy) { self.base = base }
    public mutating func decide(_ candle: Candle, position: PositionView) -> Decision { base.decide(candle, position: position) }
}

extension AnyStrategy: Codable {
    /// The persisted kinds: the spec's strategy kinds, and the long-only wrapper around one.
    enum Kind: String, Codable {
        case maCrossover = "ma_crossover"
        case rsi
        case grid
        case momentum
        case macdBB = "macd_bb"
        case llm
        case longOnly = "long_only"
    }

    enum CodingKeys: String, CodingKey { case kind, state }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch base {
        case let s as MACrossover: try c.encode(Kind.maCrossover, forKey: .kind); try c.encode(s, forKey: .state)
        case let s as RSIReversion: try c.encode(Kind.rsi, forKey: .kind); try c.encode(s, forKey: .state)
        case let s as Grid: try c.encode(Kind.grid, forKey: .kind); try c.encode(s, forKey: .state)
        case let s as Momentum: try c.encode(Kind.momentum, forKey: .kind); try c.encode(s, forKey: .state)
        case let s as MACDBollinger: try c.encode(Kind.macdBB, forKey: .kind); try c.encode(s, forKey: .state)
        case let s as LLMStrategy: try c.encode(Kind.llm, forKey: .kind); try c.encode(s, forKey: .state)
        case let s as LongOnly<AnyStrategy>: try c.encode(Kind.longOnly, forKey: .kind); try c.encode(s, forKey: .state)
        case let s as AnyStrategy: try s.encode(to: encoder)
        default:
            throw EncodingError.invalidValue(
                base, .init(codingPath: encoder.codingPath, debugDescription: "strategy \(type(of: base)) has no persisted form"))
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(Kind.self, forKey: .kind) {
        case .maCrossover: base = try c.decode(MACrossover.self, forKey: .state)
        case .rsi: base = try c.decode(RSIReversion.self, forKey: .state)
        case .grid: base = try c.decode(Grid.self, forKey: .state)
        case .momentum: base = try c.decode(Momentum.self, forKey: .state)
        case .macdBB: base = try c.decode(MACDBollinger.self, forKey: .state)
        case .llm: base = try c.decode(LLMStrategy.self, forKey: .state)
        case .longOnly: base = try c.decode(LongOnly<AnyStrategy>.self, forKey: .state)
        }
    }
}

/// An `llm` bot's strategy, however wrapped (long-only), takes the model's decisions; any other
/// strategy shows an empty market and ignores them.
extension AnyStrategy: ModelDecided {
    public func market(after candle: Candle) -> MarketState {
        (base as? any ModelDecided)?.market(after: candle) ?? MarketState(candles: [candle])
    }

    public mutating func receive(_ decision: Decision, forCandleAt time: Int64) {
        guard var decided = base as? any ModelDecided else { return }
        decided.receive(decision, forCandleAt: time)
        base = decided
    }
}
