import FlotillaTrading

/// Venue decimal strings ⇄ `Fixed`, exactly. `"0.00001000"`, `"10000.000000000000000"` and
/// `"45123.45"` parse; `"0.000000001"` (a ninth place) or `"1e30"` is an error, never rounded
/// and never read as zero.
public enum VenueDecimal {
    public static func parse(_ text: String, field: String, venue: String, operation: String) throws -> Fixed {
        guard let value = exact(text) else {
            throw VenueError(
                .inexactValue, venue: venue, operation: operation,
                message: "\(field) is \"\(text.prefix(40))\", not a decimal an 8-place amount holds exactly")
        }
        return value
    }

    /// The exact value, or nil when the text is not a plain decimal or needs more than 8 places or
    /// overflows. Trailing zeros after the point are dropped first, so long zero tails never overflow.
    public static func exact(_ text: String) -> Fixed? {
        var t = Substring(text)
        guard !t.isEmpty, t.count <= 64 else { return nil }
        if t.contains(".") {
            while t.last == "0" { t = t.dropLast() }
            if t.last == "." { t = t.dropLast() }
        }
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+") }) else {
            return nil
        }
        return Fixed(parsing: t)
    }

    /// Text for a request: plain, trailing zeros dropped (`0.1`, `1`, `45000.5`).
    public static func text(_ value: Fixed) -> String { value.description }
}
