import Foundation
import Hummingbird

/// Query parameters as `request.uri.decodeQuery(as:context:)` reads them, each value checked as
/// strictly as the API promises: a bad value is a 400 naming the parameter and what to write
/// (Hummingbird's own decoding would take `?full` alone for false).
enum QueryValues {
    /// The parameter being decoded, for errors.
    static func name(_ decoder: any Decoder) -> String { decoder.codingPath.last?.stringValue ?? "query" }

    /// The parameter's text; "" when it has none (`?full`) or is given twice.
    static func text(_ decoder: any Decoder) -> String {
        (try? decoder.singleValueContainer().decode(String.self)) ?? ""
    }
}

/// `true` or `false`, nothing else (not `1`, `yes`, or an empty value).
struct StrictBool: Decodable, Sendable {
    var value: Bool

    init(from decoder: any Decoder) throws {
        switch QueryValues.text(decoder) {
        case "true": value = true
        case "false": value = false
        case let other: throw APIError.badRequest("\(QueryValues.name(decoder)) \"\(other.prefix(20))\": write true or false")
        }
    }
}

/// A revision number: a whole number from 1.
struct RevisionNumber: Decodable, Sendable {
    var value: Int

    init(from decoder: any Decoder) throws {
        let text = QueryValues.text(decoder)
        guard let number = Int(text), number > 0 else {
            throw APIError.badRequest("\(QueryValues.name(decoder)) \"\(text.prefix(20))\": write a revision number")
        }
        value = number
    }
}

/// The query of `POST /api/v1/rollouts/{name}/{action}`: `?full=` for promote, `?toRevision=` for undo.
struct RolloutQuery: Decodable, Sendable {
    var full: StrictBool?
    var toRevision: RevisionNumber?
}
