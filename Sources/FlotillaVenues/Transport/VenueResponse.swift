import Foundation

/// What the venue answered: status, headers, body bytes.
public struct VenueResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [VenueRequest.Field]
    public var body: [UInt8]

    public init(status: Int, headers: [VenueRequest.Field] = [], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: Int, headers: [VenueRequest.Field] = [], text: String) {
        self.init(status: status, headers: headers, body: Array(text.utf8))
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// `Retry-After` in whole seconds, when the venue sent one.
    public var retryAfterSeconds: Int? { header("Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    public var text: String { String(decoding: body, as: UTF8.self) }
}
