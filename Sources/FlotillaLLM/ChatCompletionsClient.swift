import AsyncHTTPClient
import FlotillaSpec
import FlotillaVenues
import Foundation
import NIOCore
import NIOHTTP1

/// What came back from one POST to a chat-completions endpoint, before it is read as a decision.
public enum EndpointReply: Sendable, Equatable {
    case answered(status: Int, body: [UInt8])
    case timedOut
    case tooLarge
    case unreachable(String)
}

/// The edge: sends a chat-completions request over AsyncHTTPClient and returns the reply within
/// the deadline. The key goes in `Authorization: Bearer …` and nowhere else; an error's text is
/// redacted of it before it leaves.
public protocol ChatCompletionsTransport: Sendable {
    func post(url: String, body: [UInt8], apiKey: Secret?, timeout: TimeSpan, maxBytes: Int) async -> EndpointReply
}

public struct ChatCompletionsClient: ChatCompletionsTransport {
    public let client: HTTPClient

    public init(client: HTTPClient = .shared) { self.client = client }

    public func post(url: String, body: [UInt8], apiKey: Secret?, timeout: TimeSpan, maxBytes: Int) async -> EndpointReply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "flotilla")
        if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey.reveal())") }
        request.body = .bytes(ByteBuffer(bytes: body))
        let client = self.client
        let prepared = request
        // The deadline covers the whole exchange, the body included: a slow trickle is late too.
        return await withTaskGroup(of: EndpointReply?.self) { group in
            group.addTask {
                do {
                    let response = try await client.execute(prepared, timeout: .milliseconds(timeout.milliseconds))
                    let buffer = try await response.body.collect(upTo: maxBytes)
                    return .answered(status: Int(response.status.code), body: Array(buffer.readableBytesView))
                } catch let error as NIOTooManyBytesError {
                    _ = error
                    return .tooLarge
                } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
                    return .timedOut
                } catch is CancellationError {
                    return nil
                } catch {
                    return .unreachable(apiKey?.redact(String(describing: error).prefix(200).description) ?? String(describing: error).prefix(200).description)
                }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(timeout.milliseconds))
                return Task.isCancelled ? nil : .timedOut
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .timedOut
        }
    }
}

/// The JSON body of one request: the model, the prompt as the user message, temperature and
/// max_tokens. No tools, no streaming.
public enum ChatCompletionsRequest {
    public static func body(model: String, prompt: String, temperature: Decimal, maxTokens: Int) -> [UInt8] {
        let value = JSONValue.object([
            ("model", .string(model)),
            ("messages", .array([.object([("role", .string("user")), ("content", .string(prompt))])])),
            ("temperature", .number(temperature.canonicalText)),
            ("max_tokens", .number(String(maxTokens))),
            ("stream", .bool(false)),
        ])
        return Array(value.text.utf8)
    }
}
