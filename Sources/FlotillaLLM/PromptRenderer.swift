import FlotillaSpec
import FlotillaTrading
import Foundation

/// Renders a prompt template: each `{{variable}}` (see `PromptVariable`) replaced by its value in
/// the context. Pure: the same template and context always give the same text, so a recorded
/// prompt can be checked against its inputs. Money is printed exactly; indicators with four
/// decimals; an indicator still warming up prints `n/a`.
public struct PromptRenderer: Sendable {
    public var bot: String
    public var symbol: String
    public var interval: String

    public init(bot: String, symbol: String, interval: String) {
        self.bot = bot
        self.symbol = symbol
        self.interval = interval
    }

    public func render(_ template: String, _ context: ModelContext) -> String {
        var out = ""
        out.reserveCapacity(template.utf8.count + 1024)
        var rest = template[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            out += rest[..<open.lowerBound]
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if let variable = PromptVariable(rawValue: name) {
                out += value(variable, context)
            } else {
                out += rest[open.lowerBound..<close.upperBound]  // validation refuses these; kept as written
            }
            rest = rest[close.upperBound...]
        }
        out += rest
        return out
    }

    public func value(_ variable: PromptVariable, _ c: ModelContext) -> String {
        let m = c.market
        switch variable {
        case .bot: return bot
        case .symbol: return symbol
        case .interval: return interval
        case .time: return ISOTime.format(c.candle.time)
        case .candles:
            return m.candles.map { k in "\(ISOTime.format(k.time)) \(k.open) \(k.high) \(k.low) \(k.close) \(Self.number(k.volume))" }
                .joined(separator: "\n")
        case .close: return c.candle.close.description
        case .open: return c.candle.open.description
        case .high: return c.candle.high.description
        case .low: return c.candle.low.description
        case .volume: return Self.number(c.candle.volume)
        case .position: return c.position.description
        case .entryPrice: return c.entryPrice?.description ?? "none"
        case .unrealizedPnL: return c.unrealizedPnL.description
        case .realizedPnL: return c.realizedPnL.description
        case .equity: return c.equity.description
        case .cash: return c.cash.description
        case .dailyLossPct: return Self.number(c.dailyLossPct, places: 2)
        case .dailyLossLimitPct: return Self.number(c.dailyLossLimitPct, places: 2)
        case .riskHeadroomPct: return Self.number(c.riskHeadroomPct, places: 2)
        case .maxPositionPct: return Self.number(c.maxPositionPct, places: 2)
        case .positionPct: return Self.number(c.positionPct, places: 2)
        case .ema12: return Self.number(m.ema12)
        case .ema26: return Self.number(m.ema26)
        case .rsi14: return Self.number(m.rsi14, places: 2)
        case .macd: return Self.number(m.macd?.macd)
        case .macdSignal: return Self.number(m.macd?.signal)
        case .macdHistogram: return Self.number(m.macd?.histogram)
        case .bbUpper: return Self.number(m.bands?.upper)
        case .bbMiddle: return Self.number(m.bands?.middle)
        case .bbLower: return Self.number(m.bands?.lower)
        case .vwap: return Self.number(m.vwap)
        case .cipherBWave1: return Self.number(m.cipherB?.wave1, places: 2)
        case .cipherBWave2: return Self.number(m.cipherB?.wave2, places: 2)
        case .cipherBMoneyFlow: return Self.number(m.cipherB?.moneyFlow, places: 2)
        case .cipherATrend: return String(m.cipherATrend)
        case .decisionSchema: return DecisionSchema.text
        }
    }

    /// `12.3457`, `n/a` for nil; non-finite values print `n/a` too.
    static func number(_ v: Double?, places: Int = 4) -> String {
        guard let v, v.isFinite else { return "n/a" }
        var text = String(format: "%.\(places)f", v)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }
}
