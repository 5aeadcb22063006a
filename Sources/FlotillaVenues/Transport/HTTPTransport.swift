/// The seam between an adapter and the network: one request in, one response (any status) out.
/// Production sends through AsyncHTTPClient (`NetworkTransport`); tests answer from recordings.
public protocol HTTPTransport: Sendable {
    func send(_ request: VenueRequest) async throws(TransportError) -> VenueResponse
}

/// How a request failed to get an answer. Whether it was written decides whether a write's
/// outcome is unknown.
public enum TransportError: Error, Sendable, Equatable {
    /// Never written: connection refused, DNS, TLS handshake, connect timeout.
    case notSent(String)
    /// The deadline passed; `sent` says whether the request may have been written.
    case timedOut(sent: Bool)
    /// The connection broke after the request was (or may have been) written.
    case lost(String)
}
