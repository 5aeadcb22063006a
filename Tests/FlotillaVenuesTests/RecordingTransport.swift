import FlotillaTesting
import FlotillaVenues
import Foundation

/// A transport that answers from a script, by method and path, and records every request sent.
/// The last answer for a route repeats; a route with no answer is a 404.
actor RecordingTransport: HTTPTransport {
    enum Answer: Sendable {
        case response(VenueResponse)
        case failure(TransportError)
    }

    private var script: [String: [Answer]] = [:]
    private(set) var sent: [VenueRequest] = []

    init() {}

    func on(_ method: VenueRequest.Method, _ path: String, _ answers: Answer...) {
        script["\(method.rawValue) \(path)", default: []] += answers
    }

    func send(_ request: VenueRequest) async throws(TransportError) -> VenueResponse {
        sent.append(request)
        let key = "\(request.method.rawValue) \(request.path)"
        guard var answers = script[key], let first = answers.first else {
            return VenueResponse(status: 404, text: "{\"code\":-1,\"msg\":\"no recording for \(key)\"}")
        }
        if answers.count > 1 {
            answers.removeFirst()
            script[key] = answers
        }
        switch first {
        case .response(let r): return r
        case .failure(let e): throw e
        }
    }

    func last(_ method: VenueRequest.Method, _ path: String) -> VenueRequest? {
        sent.last { $0.method == method && $0.path == path }
    }
}

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
