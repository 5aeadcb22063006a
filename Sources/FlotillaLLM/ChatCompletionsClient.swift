import AsyncHTTPClient
import FlotillaSpec
import FlotillaVenues
import Foundation
import NIOConcurrencyHelpers
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

    /// The process's client for model endpoints: redirects are not followed, so a key sent to
    /// the validated endpoint is never carried on to another host (or to plain http).
    public static let endpoints: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    public init(client: HTTPClient = ChatCompletionsClient.endpoints) { self.client = client }

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
        // The caller goes on at the deadline without waiting for the request to wind down.
        let send: @Sendable () async -> EndpointReply = {
            do {
                let response = try await client.execute(prepared, timeout: .milliseconds(timeout.milliseconds))
                let buffer = try await response.body.collect(upTo: maxBytes)
                return .answered(status: Int(response.status.code), body: Array(buffer.readableBytesView))
            } catch is NIOTooManyBytesError {
                return .tooLarge
            } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
                return .timedOut
            } catch {
                let text = String(String(describing: error).prefix(200))
                return .unreachable(apiKey?.redact(text) ?? text)
            }
        }
        return await Deadline.race(milliseconds: timeout.milliseconds, send)
    }
}

/// The first of an operation's result and a deadline; the operation is cancelled at the deadline,
/// and the caller cancelled is the deadline come early.
enum Deadline {
    static func race(milliseconds: Int64, _ operation: @escaping @Sendable () async -> EndpointReply) async -> EndpointReply {
        let race = Race()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<EndpointReply, Never>) in
                race.start(continuation, milliseconds: milliseconds, operation)
            }
        } onCancel: {
            race.finish(.timedOut)
        }
    }

    final class Race: Sendable {
        struct State: Sendable {
            var continuation: CheckedContinuation<EndpointReply, Never>?
            var result: EndpointReply?
            var tasks: [Task<Void, Never>] = []
        }

        let state = NIOLockedValueBox(State())

        func start(_ continuation: CheckedContinuation<EndpointReply, Never>, milliseconds: Int64,
                   _ operation: @escaping @Sendable () async -> EndpointReply) {
            let early: EndpointReply? = state.withLockedValue { s in
                if let r = s.result { return r }
                s.continuation = continuation
                return nil
            }
            if let early { continuation.resume(returning: early); return }
            let work = Task { self.finish(await operation()) }
            let timer = Task {
                try? await Task.sleep(for: .milliseconds(milliseconds))
                self.finish(.timedOut)
            }
            let finished = state.withLockedValue { s in
                s.tasks = [work, timer]
                return s.result != nil
            }
            if finished { work.cancel(); timer.cancel() }
        }

        func finish(_ reply: EndpointReply) {
            let (continuation, tasks): (CheckedContinuation<EndpointReply, Never>?, [Task<Void, Never>]) = state.withLockedValue { s in
                guard s.result == nil else { return (nil, []) }
                s.result = reply
                defer { s.continuation = nil }
                return (s.continuation, s.tasks)
            }
            continuation?.resume(returning: reply)
            for task in tasks { task.cancel() }
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
