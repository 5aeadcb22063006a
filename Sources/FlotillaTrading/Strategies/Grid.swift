/// A price ladder around the first close: `levels` buy levels spaced `spacingPct` apart below it.
/// When the close falls through an unfilled level the bot buys `orderSizePct` of equity there;
/// when it rises one spacing above a filled level, that level's share of the position is sold.
public struct Grid: Strategy, Codable, Equatable {
    public let levels: Int
    public let spacingPct: Double
    public let orderSizePct: Double
    private var reference: Double?
    private var filled: [Bool]

    public init(levels: Int = 10, spacingPct: Double = 1, orderSizePct: Double = 5) {
        self.levels = levels
        self.spacingPct = spacingPct
        self.orderSizePct = orderSizePct
        filled = Array(repeating: false, count: levels)
    }

    func price(ofLevel i: Int) -> Double { reference! * (1 - spacingPct / 100 * Double(i + 1)) }

    public mutating func decide(_ candle: Candle, position: PositionView) -> Decision {
        let close = candle.close.double
        guard reference != nil else {
            reference = close
            return .hold
        }
        if position.isFlat {
            // Whatever happened (stops, a restart), an empty position means no filled levels.
            for i in filled.indices { filled[i] = false }
        }
        let filledCount = filled.lazy.filter { $0 }.count
        // Take profit on the highest filled level first.
        for i in filled.indices.reversed() where filled[i] && close >= price(ofLevel: i) * (1 + spacingPct / 100) {
            filled[i] = false
            return Decision(.close, sizePct: 100 / Double(filledCount), rationale: "price rose a spacing above grid level \(i + 1)")
        }
        for i in filled.indices where !filled[i] && close <= price(ofLevel: i) {
            filled[i] = true
            return Decision(.long, sizePct: orderSizePct, rationale: "price fell through grid level \(i + 1)")
        }
        return .hold
    }
}
