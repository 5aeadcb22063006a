import FlotillaTesting
import FlotillaVenues
import Foundation

enum VenueFixtures {
    static func bytes(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Fixtures.url("venues/" + relative)))
    }

    static func ok(_ relative: String, headers: [VenueRequest.Field] = []) throws -> RecordingTransport.Answer {
        .response(VenueResponse(status: 200, headers: headers, body: try bytes(relative)))
    }

    static func status(_ status: Int, _ relative: String, headers: [VenueRequest.Field] = []) throws -> RecordingTransport.Answer {
        .response(VenueResponse(status: status, headers: headers, body: try bytes(relative)))
    }

    static func json(_ relative: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(try bytes(relative))) as? [String: Any] ?? [:]
    }
}

/// Two JSON texts hold the same value (key order and spacing aside).
func sameJSON(_ a: [UInt8]?, _ b: Any?) -> Bool {
    guard let a, let b, !(b is NSNull), let x = try? JSONSerialization.jsonObject(with: Data(a)),
        let left = try? JSONSerialization.data(withJSONObject: x, options: [.sortedKeys]),
        let right = try? JSONSerialization.data(withJSONObject: b, options: [.sortedKeys])
    else { return a == nil && (b == nil || b is NSNull) }
    return left == right
}
