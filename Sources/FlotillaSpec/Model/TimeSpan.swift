/// A length of time written the way operators write it: `500ms`, `30s`, `5m`, `1h30m`, `2d`.
///
/// Named `TimeSpan` to stay clear of the standard library's `Duration`; whole milliseconds, so it
/// compares and hashes exactly.
public struct TimeSpan: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }
    public static func seconds(_ s: Int64) -> TimeSpan { TimeSpan(milliseconds: s * 1000) }
    public static func minutes(_ m: Int64) -> TimeSpan { .seconds(m * 60) }
    public static func hours(_ h: Int64) -> TimeSpan { .minutes(h * 60) }

    public var seconds: Double { Double(milliseconds) / 1000 }
    public var duration: Duration { .milliseconds(milliseconds) }

    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.milliseconds < b.milliseconds }

    /// The regular expression the JSON Schema uses for the same syntax.
    public static let pattern = "^([0-9]+(ms|s|m|h|d))+$"

    /// Parses `1h30m`-style text; nil when the text is not of that form or overflows.
    public init?(parsing text: String) {
        var total: Int64 = 0
        var number: Int64?
        var bytes = Array(text.utf8)[...]
        if bytes.isEmpty { return nil }
        while let byte = bytes.first {
            if byte >= 48 && byte <= 57 {
                let (m, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (n, o2) = m.addingReportingOverflow(Int64(byte - 48))
                if o1 || o2 { return nil }
                number = n
                bytes.removeFirst()
                continue
            }
            guard let value = number else { return nil }
            let unit: Int64
            if bytes.starts(with: "ms".utf8) {
                unit = 1; bytes.removeFirst(2)
            } else {
                switch byte {
                case UInt8(ascii: "s"): unit = 1000
                case UInt8(ascii: "m"): unit = 60_000
                case UInt8(ascii: "h"): unit = 3_600_000
                case UInt8(ascii: "d"): unit = 86_400_000
                default: return nil
                }
                bytes.removeFirst()
            }
            let (part, o1) = value.multipliedReportingOverflow(by: unit)
            let (sum, o2) = total.addingReportingOverflow(part)
            if o1 || o2 { return nil }
            total = sum
            number = nil
        }
        if number != nil { return nil }  // trailing digits without a unit
        self.milliseconds = total
    }

    /// Canonical text: largest units first, e.g. `1h30m`, `45s`, `0s`.
    public var description: String {
        if milliseconds == 0 { return "0s" }
        var rest = milliseconds
        var text = ""
        for (unit, suffix) in [(Int64(86_400_000), "d"), (3_600_000, "h"), (60_000, "m"), (1000, "s"), (1, "ms")] {
            if rest >= unit {
                text += "\(rest / unit)\(suffix)"
                rest %= unit
            }
        }
        return text
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let span = TimeSpan(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a duration: \(text)"))
        }
        self = span
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
