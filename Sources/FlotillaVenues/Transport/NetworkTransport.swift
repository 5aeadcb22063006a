import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix

/// The real network, through AsyncHTTPClient. Failures are sorted by whether the request may have
/// been written: a connect failure or connect timeout is `.notSent`; everything after is treated
/// as possibly sent.
public struct NetworkTransport: HTTPTransport {
    public let client: HTTPClient
    public let timeout: TimeAmount
    /// Largest body read (a venue answer is small; this bounds a hostile one).
    public let maxBodyBytes: Int

    public init(client: HTTPClient = .shared, timeout: TimeAmount = .seconds(10), maxBodyBytes: Int = 16 << 20) {
        self.client = client
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
    }

    public func send(_ request: VenueRequest) async throws(TransportError) -> VenueResponse {
        var http = HTTPClientRequest(url: request.url)
        http.method = HTTPMethod(rawValue: request.method.rawValue)
        for h in request.headers { http.headers.add(name: h.name, value: h.value) }
        if let body = request.body { http.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await client.execute(http, timeout: timeout)
            let buffer = try await response.body.collect(upTo: maxBodyBytes)
            return VenueResponse(
                status: Int(response.status.code),
                headers: response.headers.map { VenueRequest.Field($0.name, $0.value) },
                body: Array(buffer.readableBytesView))
        } catch let error as HTTPClientError {
            switch error {
            case .connectTimeout, .socksHandshakeTimeout, .tlsHandshakeTimeout: throw .notSent("\(error)")
            case .deadlineExceeded, .readTimeout, .writeTimeout: throw .timedOut(sent: true)
            case .invalidURL, .emptyHost, .emptyScheme: throw .notSent("\(error)")
            default: throw .lost("\(error)")
            }
        } catch let error as NIOConnectionError {
            throw .notSent("\(error)")
        } catch {
            throw .lost("\(error)")
        }
    }
}
