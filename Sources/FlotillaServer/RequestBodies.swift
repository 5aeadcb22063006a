import FlotillaAPI
import FlotillaSpec
import Foundation
import Hummingbird

/// A request body type whose fields are exactly its coding keys: a field it does not know (a
/// misspelt `target`) is refused with 400 naming it, never ignored.
protocol StrictBody: Decodable {
    associatedtype CodingKeys: CodingKey & CaseIterable
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
