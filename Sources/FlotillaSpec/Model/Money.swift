import Foundation

/// What a money amount in a spec (capital, a balance, a price) may be: a number the trading
/// engine's exact money type holds without rounding — at most eight decimal places, and at most
/// ten billion — so that what `validate` accepts is exactly what `up` trades with.
public enum Money {
    /// Decimal places the engine keeps (`Fixed` counts 10⁻⁸ units).
    public static let places = 8
    /// The largest amount a spec may name (the engine's range is ±92 billion; sums of several bots'
    /// capital must fit too).
    public static let max: Decimal = 10_000_000_000

    /// Why `value` can't be held exactly, or nil when it can.
    public static func problem(with value: Decimal) -> String? {
        if decimalPlaces(value) > places {
            let nearest = rounded(value)
            let hint = nearest.isZero ? "the smallest amount is 0.00000001" : "round it (e.g. \(nearest.canonicalText))"
            return "\(value.canonicalText) has more than \(places) decimal places; money is kept exactly to \(places) places, so \(hint)"
        }
        if value > max || value < -max {
            return "\(value.canonicalText) is out of range; at most \(max.canonicalText)"
        }
        return nil
    }

    /// Digits after the decimal point once trailing zeros are dropped.
    public static func decimalPlaces(_ value: Decimal) -> Int {
        let text = value.canonicalText
        guard let dot = text.firstIndex(of: ".") else { return 0 }
        let fraction = text[text.index(after: dot)...].filter(\.isNumber)
        return fraction.count - fraction.reversed().prefix { $0 == "0" }.count
    }

    static func rounded(_ value: Decimal) -> Decimal {
        var input = value, output = Decimal()
        NSDecimalRound(&output, &input, places, .plain)
        return output
    }
}
