import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A loopback OpenAI-compatible chat-completions server with scripted answers, for `kind: llm`
/// tests: each POST to `/v1/chat/completions` takes the next answer of the script (the last one
/// repeats), and every request is kept (body and `Authorization` header) for the test to check.
public final class FakeChatCompletions: Sendable {
    public enum Answer: Sendable, Equatable {
        /// A 200 chat completion whose message content is `content` (a decision, or anything).
        case content(String, promptTokens: Int = 120, completionTokens: Int = 30)
        /// Any status and body, as given.
        case raw(status: Int, body: String)
        /// `answer`, after `delay`.
        indirect case slow(Duration, Answer)

        public static func decision(_ json: String, promptTokens: Int = 120, completionTokens: Int = 30) -> Answer {
            .content(json, promptTokens: promptTokens, completionTokens: completionTokens)
        }

        public static let hold = Answer.decision(#"{"action":"HOLD","rationale":"nothing to do"}"#)
        public static let invalidJSON = Answer.content("Sure! I think you should buy.")
        public static let wrongSchema = Answer.content(#"{"decision":"LONG","size":"lots"}"#)
        public static let rateLimited = Answer.raw(status: 429, body: #"{"error":{"message":"Rate limit reached","type":"rate_limit"}}"#)
        public static let serverError = Answer.raw(status: 500, body: #"{"error":{"message":"internal error"}}"#)
    }

    public struct Request: Sendable {
        public var path: String
        public var authorization: String?
        public var body: String
    }

    struct State: Sendable {
        var script: [Answer]
        var requests: [Request] = []
    }

    private let state: NIOLockedValueBox<State>
    private let channel: any Channel
    public let port: Int

    /// `http://127.0.0.1:PORT/v1`: what a spec's `endpoint` names.
    public var endpoint: String { "http://127.0.0.1:\(port)/v1" }

    public var requests: [Request] { state.withLockedValue { $0.requests } }

    /// Replaces what the next requests are answered with.
    public func script(_ answers: [Answer]) { state.withLockedValue { $0.script = answers } }

    private init(channel: any Channel, state: NIOLockedValueBox<State>) {
        self.channel = channel
        self.state = state
        self.port = channel.localAddress?.port ?? 0
    }

    public static func start(_ script: [Answer]) async throws -> FakeChatCompletions {
        let state = NIOLockedValueBox(State(script: script))
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(state: state))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return FakeChatCompletions(channel: channel, state: state)
    }

    public func shutdown() async {
        try? await channel.close()
    }

    /// The next answer: the script's first, the last one staying.
    static func next(_ state: NIOLockedValueBox<State>, _ request: Request) -> Answer {
        state.withLockedValue { s in
            s.requests.append(request)
            guard let first = s.script.first else { return .serverError }
            if s.script.count > 1 { s.script.removeFirst() }
            return first
        }
    }

    static func response(_ answer: Answer) -> (status: Int, body: String) {
        switch answer {
        case .content(let content, let p, let c):
            let escaped = quote(content)
            return (200, #"{"id":"chatcmpl-fake","object":"chat.completion","created":0,"model":"fake","choices":[{"index":0,"message":{"role":"assistant","content":"#
                + escaped + #"},"finish_reason":"stop"}],"usage":{"prompt_tokens":\#(p),"completion_tokens":\#(c),"total_tokens":\#(p + c)}}"#)
        case .raw(let status, let body): return (status, body)
        case .slow(_, let inner): return response(inner)
        }
    }

    static func quote(_ s: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [s], options: [.fragmentsAllowed])
        let text = data.map { String(decoding: $0, as: UTF8.self) } ?? "[\"\"]"
        return String(text.dropFirst().dropLast())
    }

    final class Handler: ChannelInboundHandler, @unchecked Sendable {
        // One per connection, used on its event loop only (NIO's contract for handlers).
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let state: NIOLockedValueBox<State>
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(state: NIOLockedValueBox<State>) { self.state = state }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h):
                head = h
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let head else { return }
                let request = Request(path: head.uri, authorization: head.headers.first(name: "Authorization"), body: String(decoding: body, as: UTF8.self))
                let answer: Answer = head.uri.hasSuffix("/chat/completions") && head.method == .POST
                    ? FakeChatCompletions.next(state, request) : .raw(status: 404, body: #"{"error":{"message":"not found"}}"#)
                let (status, text) = FakeChatCompletions.response(answer)
                let keepAlive = head.isKeepAlive
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                let write = {
                    let context = loopBound.value
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: "application/json")
                    headers.add(name: "Content-Length", value: String(text.utf8.count))
                    if !keepAlive { headers.add(name: "Connection", value: "close") }
                    context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
                    var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
                    buffer.writeString(text)
                    context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
                    context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in
                        if !keepAlive { context.close(promise: nil) }
                    }
                }
                if case .slow(let delay, _) = answer {
                    let c = delay.components
                    let ms = c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
                    context.eventLoop.scheduleTask(in: .milliseconds(ms)) { write() }
                } else {
                    write()
                }
                self.head = nil
            }
        }
    }
}
