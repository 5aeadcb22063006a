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

extension QueryValues {
    /// `request.uri.decodeQuery`, with a parameter written without `=` (`?full`) read as one with
    /// an empty value: Hummingbird's form decoder drops such a parameter, which would make `?full`
    /// mean no `full` at all instead of a value to refuse.
    /// Whatever else goes wrong reading the query (a value given twice, an encoding the form
    /// decoder refuses) is the client's 400, never a 500.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) throws -> T {
        do {
            return try decodeStrictly(type, from: request, context: context)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("the query does not read: give each parameter once, percent-encoded (\(String(describing: error).prefix(120)))")
        }
    }

    private static func decodeStrictly<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) throws -> T {
        let uri = request.uri
        guard let query = uri.query, query.split(separator: "&").contains(where: { !$0.contains("=") }) else {
            return try uri.decodeQuery(as: type, context: context)
        }
        let filled = query.split(separator: "&").map { $0.contains("=") ? String($0) : $0 + "=" }.joined(separator: "&")
        return try Swift.type(of: uri).init("/?" + filled).decodeQuery(as: type, context: context)
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

    enum CodingKeys: String, CodingKey { case full, toRevision }

    /// A parameter named is checked even without a value (`?full` alone is no boolean), where
    /// `decodeIfPresent` would take it for absent.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        full = container.contains(.full) ? try container.decode(StrictBool.self, forKey: .full) : nil
        toRevision = container.contains(.toRevision) ? try container.decode(RevisionNumber.self, forKey: .toRevision) : nil
    }
}
