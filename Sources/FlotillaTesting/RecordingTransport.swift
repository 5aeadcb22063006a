import FlotillaVenues
import Foundation

/// A transport that answers from a script, by method and path, and records every request sent.
/// The last answer for a route repeats; a route with no answer is a 404.
public actor RecordingTransport: HTTPTransport {
    public enum Answer: Sendable {
        case response(VenueResponse)
        case failure(TransportError)
    }

    private var script: [String: [Answer]] = [:]
    public private(set) var sent: [VenueRequest] = []

    public init() {}

    public func on(_ method: VenueRequest.Method, _ path: String, _ answers: Answer...) {
        script["\(method.rawValue) \(path)", default: []] += answers
    }

    public func send(_ request: VenueRequest) async throws(TransportError) -> VenueResponse {
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

    public func last(_ method: VenueRequest.Method, _ path: String) -> VenueRequest? {
        sent.last { $0.method == method && $0.path == path }
    }
}

