/// An exact decimal with eight places, stored as a count of 10⁻⁸ units in an `Int64`.
///
/// Prices, quantities, balances, fees and PnL are `Fixed`: exact like `Decimal`, but integer
/// arithmetic, about a thousand times faster (FACTS.md), which the backtest's millions of candles
/// per second need. Products and quotients go through `Int128` and say how they round, so every
/// rounding is a decision made where it happens. Range: ±92 billion.
public struct Fixed: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var units: Int64

    public static let scale: Int64 = 100_000_000
    public static let zero = Fixed(units: 0)
    public static let one = Fixed(units: scale)

    @inlinable public init(units: Int64) { self.units = units }
    @inlinable public init(_ integer: Int) { self.units = Int64(integer) * Fixed.scale }

    /// The nearest `Fixed` to a `Double` (for synthetic data and tests, never for money arithmetic).
    public init(approximating value: Double) {
        self.units = Int64((value * Double(Fixed.scale)).rounded())
    }

    @inlinable public var double: Double { Double(units) / Double(Fixed.scale) }
    @inlinable public var isZero: Bool { units == 0 }
    @inlinable public var isNegative: Bool { units < 0 }
    @inlinable public var magnitude: Fixed { Fixed(units: units < 0 ? -units : units) }

    public enum Rounding: Sendable {
        case down, up, nearest, towardZero
    }

    @inlinable public static func + (a: Fixed, b: Fixed) -> Fixed { Fixed(units: a.units + b.units) }
    @inlinable public static func - (a: Fixed, b: Fixed) -> Fixed { Fixed(units: a.units - b.units) }
    @inlinable public static prefix func - (a: Fixed) -> Fixed { Fixed(units: -a.units) }
    @inlinable public static func += (a: inout Fixed, b: Fixed) { a.units += b.units }
    @inlinable public static func -= (a: inout Fixed, b: Fixed) { a.units -= b.units }
    @inlinable public static func < (a: Fixed, b: Fixed) -> Bool { a.units < b.units }

    /// `self × other`, rounded to eight places as asked.
    @inlinable public func multiplied(by other: Fixed, rounding: Rounding = .nearest) -> Fixed {
        Fixed(units: Fixed.divide(Int128(units) * Int128(other.units), Int128(Fixed.scale), rounding))
    }

    /// `self × n / d` in one step (one rounding), e.g. a percentage: `x.scaled(by: 25, over: 100)`.
    @inlinable public func scaled(by numerator: Int64, over denominator: Int64, rounding: Rounding = .nearest) -> Fixed {
        Fixed(units: Fixed.divide(Int128(units) * Int128(numerator), Int128(denominator), rounding))
    }

    /// `self / other`, rounded to eight places as asked.
    @inlinable public func divided(by other: Fixed, rounding: Rounding = .nearest) -> Fixed {
        Fixed(units: Fixed.divide(Int128(units) * Int128(Fixed.scale), Int128(other.units), rounding))
    }

    /// The nearest multiple of `step` in the direction asked (lot sizes, ticks). `step` must be > 0.
    @inlinable public func rounded(toMultipleOf step: Fixed, _ rounding: Rounding) -> Fixed {
        guard step.units > 0 else { return self }
        return Fixed(units: Fixed.divide(Int128(units), Int128(step.units), rounding) * step.units)
    }

    @usableFromInline static func divide(_ n: Int128, _ d: Int128, _ rounding: Rounding) -> Int64 {
        precondition(d != 0, "Fixed division by zero")
        // Most products fit in 64 bits (a flat position's mark, prices times small quantities):
        // the same quotient and rounding without a 128-bit division, which is a library call.
        if let n64 = Int64(exactly: n), let d64 = Int64(exactly: d), n64 != .min, d64 != .min {
            return divide64(n64, d64, rounding)
        }
        var q = n / d
        let r = n % d
        if r != 0 {
            let positive = (n < 0) == (d < 0)
            switch rounding {
            case .towardZero: break
            case .down: if !positive { q -= 1 }
            case .up: if positive { q += 1 }
            case .nearest:
                let twice = (r < 0 ? -r : r) * 2
                let dm = d < 0 ? -d : d
                if twice >= dm { q += positive ? 1 : -1 }
            }
        }
        return Int64(q)
    }

    /// `divide` for operands that fit in 64 bits (neither `Int64.min`): the quotient, |n / d| ≤ |n|,
    /// fits too, and twice the remainder is compared as a `UInt64`.
    @usableFromInline static func divide64(_ n: Int64, _ d: Int64, _ rounding: Rounding) -> Int64 {
        var q = n / d
        let r = n % d
        if r != 0 {
            let positive = (n < 0) == (d < 0)
            switch rounding {
            case .towardZero: break
            case .down: if !positive { q -= 1 }
            case .up: if positive { q += 1 }
            case .nearest: if r.magnitude * 2 >= d.magnitude { q += positive ? 1 : -1 }
            }
        }
        return q
    }

    /// Parses `12`, `-0.5`, `0.0994766`, `5.33e-05`: exact, or nil when the text is not a number or
    /// needs more than eight decimal places.
    public init?(parsing text: some StringProtocol) {
        var text = String(text)
        guard let value = text.withUTF8({ bytes in bytes.baseAddress.flatMap { CandleText.fixed($0, bytes.count) } }) else { return nil }
        self = value
    }

    /// Plain decimal text, trailing zeros dropped: `0.0994766`, `12`, `-0.5`.
    public var description: String {
        let negative = units < 0
        let magnitude = units.magnitude
        let whole = magnitude / UInt64(Fixed.scale)
        var fraction = magnitude % UInt64(Fixed.scale)
        var text = negative ? "-\(whole)" : "\(whole)"
        if fraction != 0 {
            var digits = 8
            while fraction % 10 == 0 {
                fraction /= 10
                digits -= 1
            }
            let f = String(fraction)
            text += "." + String(repeating: "0", count: digits - f.count) + f
        }
        return text
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Fixed(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an 8-place decimal: \(text)")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Fixed: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self.init(value) }
}
