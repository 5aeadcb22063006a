import Foundation

/// JSON answers → wire types. An answer we cannot read after a write may still mean the write
/// happened, so it is an unknown outcome there and a plain unreadable response after a read.
enum WireDecoding {
    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8], venue: String, request: VenueRequest) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch {
            throw VenueError(
                request.effect == .write ? .unknownOutcome : .malformedResponse, venue: venue, operation: request.operation,
                message: "the answer is not the documented shape: \(describe(error))")
        }
    }

    /// Which field failed, without echoing the body (it could be anything).
    static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return "not JSON" }
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "top level" : p
        }
        switch e {
        case .keyNotFound(let key, let c): return "\(path(c)).\(key.stringValue) is missing"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "\(path(c)) has the wrong type"
        case .dataCorrupted(let c): return c.codingPath.isEmpty ? "not JSON" : "\(path(c)) is unreadable"
        @unknown default: return "unreadable"
        }
    }
}
