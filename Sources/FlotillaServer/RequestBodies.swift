import FlotillaAPI
import FlotillaSpec
import Foundation
import Hummingbird

/// A request body type whose fields are exactly its coding keys: a field it does not know (a
/// misspelt `target`) is refused with 400 naming it, never ignored.
protocol StrictBody: Decodable {
    associatedtype CodingKeys: CodingKey & CaseIterable
    /// The body the route expects, shown in every error about one.
    static var usage: String { get }
    /// What an empty body means, when the route takes one (nil: a body is required).
    static var empty: Self? { get }
}

extension StrictBody {
    static var empty: Self? { nil }
}

/// The server's `RequestDecoder` (`request.decode(as:context:)`): a `StrictBody` is decoded by
/// `BodyCheck.decode` — JSON objects only, no unknown or repeated field, errors naming the field
/// and showing the expected body. The route wrapper has already read the body within the
/// server's size limit (413 above it) and checked its content type.
public struct StrictJSONDecoder: RequestDecoder {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let body = try await request.body.collect(upTo: .max)
        guard let strict = T.self as? any StrictBody.Type else {
            throw APIError(.internalServerError, "internal", "\(T.self) is not a request body type")
        }
        func decode<S: StrictBody>(_ type: S.Type) throws -> S {
            if body.readableBytes == 0, let empty = S.empty { return empty }
            return try BodyCheck.decode(S.self, from: body, usage: S.usage)
        }
        return try decode(strict) as! T
    }
}

/// What every mutating call's body must be: JSON, and for a route that takes none, nothing.
enum BodyCheck {
    /// `Content-Type: application/json` (parameters such as `charset` allowed) whenever a body or a
    /// content type is sent. A browser's cross-origin "simple" request (`text/plain`, a form) is 415.
    static func contentType(_ request: Request, bodyBytes: Int) throws {
        guard let type = request.headers[.contentType] else {
            guard bodyBytes == 0 else { throw unsupported("none") }
            return
        }
        let media = type.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard media == "application/json" else { throw unsupported(String(type.prefix(60))) }
    }

    private static func unsupported(_ given: String) -> APIError {
        APIError(.unsupportedMediaType, "unsupported_media_type", "send request bodies as Content-Type: application/json (was \(given))")
    }

    /// A route without a body accepts an empty one or `{}`; anything else names what it got.
    static func empty(_ body: ByteBuffer) throws {
        guard body.readableBytes > 0 else { return }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any], object.isEmpty else {
            if let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any], let field = object.keys.sorted().first {
                throw APIError(.badRequest, "unknown_field", "unknown field \"\(field.prefix(40))\": this call takes no body", details: ["field": String(field.prefix(40))])
            }
            throw APIError.badRequest("this call takes no body (send none, or {})")
        }
    }

    /// Decodes a JSON object into `T`, refusing fields `T` does not declare and saying which field
    /// has the wrong type; `usage` shows the expected body.
    static func decode<T: StrictBody>(_ type: T.Type, from body: ByteBuffer, usage: String) throws -> T {
        let data = Data(buffer: body)
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw APIError.badRequest("the body is not JSON; post \(usage)")
        }
        guard let fields = object as? [String: Any] else { throw APIError.badRequest("the body must be a JSON object: \(usage)") }
        if let repeated = DuplicateKeys.first(in: data) {
            let shown = String(repeated.key.prefix(40))
            throw APIError(
                .badRequest, "duplicate_field",
                "field \"\(shown)\" is given twice\(repeated.path.isEmpty ? "" : " in \(repeated.path)"); give each field once: \(usage)",
                details: ["field": shown])
        }
        let known = T.CodingKeys.allCases.map(\.stringValue)
        for field in fields.keys.sorted() where !known.contains(field) {
            let shown = String(field.prefix(40))
            throw APIError(
                .badRequest, "unknown_field",
                "unknown field \"\(shown)\"\(Suggestion.hint(for: field, among: known)); the fields are \(known.joined(separator: ", "))",
                details: ["field": shown])
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError(.badRequest, "bad_request", "\(describe(error)); post \(usage)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String { keys.isEmpty ? "the body" : keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
        switch error {
        case .typeMismatch(let type, let context): return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(_, let context): return "\(path(context.codingPath)): a value is required"
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])): required"
        case .dataCorrupted(let context): return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "the body does not decode"
        }
    }
}
