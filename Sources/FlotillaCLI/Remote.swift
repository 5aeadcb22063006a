import FlotillaEngine
import AsyncHTTPClient
import FlotillaPlan
import FlotillaAPI
import FlotillaSpec
import FlotillaStore
import Foundation
import NIOCore
import NIOHTTP1

/// The CLI talking to a running `flotilla up` through its API (`--server URL` or FLOTILLA_SERVER,
/// with FLOTILLA_TOKEN), as kubectl talks to an API server: the same commands, the server's state.
struct RemoteAPI: Sendable {
    let base: String
    let token: String?

    /// An error response of the server, said as the server said it.
    struct Problem: Error, CustomStringConvertible {
        var status: Int
        var code: String
        var message: String
        var details: [String: String]

        var description: String {
            let lines = details.sorted { (Int($0.key) ?? 0, $0.key) < (Int($1.key) ?? 0, $1.key) }.map { "  - \($0.value)" }
            return "\(message) (HTTP \(status) \(code))" + (lines.isEmpty ? "" : "\n" + lines.joined(separator: "\n"))
        }
    }

    init?(options: GlobalOptions, console: Console) throws {
        guard let url = options.server ?? console.environment["FLOTILLA_SERVER"], !url.isEmpty else { return nil }
        guard url.hasPrefix("http://") || url.hasPrefix("https://"), URL(string: url)?.host != nil else {
            throw UsageProblem("--server \(url): write the URL of a flotilla up, e.g. http://127.0.0.1:8080")
        }
        base = url.hasSuffix("/") ? String(url.dropLast()) : url
        if let token = console.environment["FLOTILLA_TOKEN"], !token.isEmpty {
            self.token = token
        } else if Self.isLoopback(URL(string: url)?.host) {
            // The admin token the local flotilla up made (found by --dir / --state); never sent
            // to a server on another machine.
            self.token = AdminTokenFile.read(stateDirectory: URL(fileURLWithPath: options.resolvedStatePath).deletingLastPathComponent())
        } else {
            self.token = nil
        }
    }

    static func isLoopback(_ host: String?) -> Bool {
        guard let host = host?.lowercased() else { return false }
        return host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    func send(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: Data? = nil) async throws -> Data {
        var url = base + path
        if !query.isEmpty {
            let allowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+,"))
            url += "?" + query.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await Self.client.execute(request, timeout: .seconds(300))
        } catch {
            throw UsageProblem("cannot reach flotilla at \(base) (\(error)); is flotilla up running there?")
        }
        let bytes = try await response.body.collect(upTo: 256 << 20)
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(Int(response.status.code)) else {
            struct Body: Decodable {
                struct Inner: Decodable { var code: String; var message: String; var details: [String: String]? }
                var error: Inner
            }
            if let body = try? JSONDecoder().decode(Body.self, from: data) {
                throw Problem(status: Int(response.status.code), code: body.error.code, message: body.error.message, details: body.error.details ?? [:])
            }
            throw Problem(status: Int(response.status.code), code: "http_error", message: String(decoding: data.prefix(300), as: UTF8.self), details: [:])
        }
        return data
    }

    func get<T: Decodable>(_ type: T.Type, _ path: String, query: [(String, String)] = []) async throws -> T {
        try Self.decoder.decode(T.self, from: try await send(.GET, path, query: query))
    }

    func post<T: Decodable>(_ type: T.Type, _ path: String, query: [(String, String)] = [], json: [String: Any]? = nil) async throws -> T {
        let body = try json.map { try JSONSerialization.data(withJSONObject: $0) }
        return try Self.decoder.decode(T.self, from: try await send(.POST, path, query: query, body: body))
    }

    /// One client for the process. A server that does not answer fails within the connect
    /// timeout (the shared client's default keeps retrying until the whole request times out).
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(300))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()

    /// Every spec file of the local project, as the API's `files` body: the server plans them
    /// against its state (as Terraform's remote runs upload the working directory).
    static func projectFiles(_ layout: ProjectLayout) throws -> [String: String] {
        var files: [String: String] = [:]
        for (folder, prefix) in [(layout.profiles, "profiles/"), (layout.bots, "bots.d/")] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                files[prefix + name] = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            }
        }
        return files
    }
}

extension GlobalOptions {
    /// The server to talk to, when `--server` or FLOTILLA_SERVER names one.
    func remote(_ console: Console) throws -> RemoteAPI? { try RemoteAPI(options: self, console: console) }
}

/// The fleet operations through a server's API: the same interface as `LocalOperations`.
struct RemoteOperations: FleetOperations {
    let api: RemoteAPI

    func perform(_ action: BotAction, bot: String) async throws -> BotActionResult {
        try Self.check(bot)
        if action == .delete {
            var result = try RemoteAPI.decoder.decode(BotActionResult.self, from: try await api.send(.DELETE, "/api/v1/bots/\(bot)"))
            result.message = "bot \(bot) deleted from the server's state; its instances stop. Its file on the server is untouched."
            return result
        }
        return try RemoteAPI.decoder.decode(BotActionResult.self, from: try await api.send(.POST, "/api/v1/bots/\(bot)/\(action.rawValue)"))
    }

    /// A name that is no bot's never becomes part of a URL.
    private static func check(_ bot: String) throws {
        if let problem = Name.problem(with: bot) { throw OperationProblem(.invalid, "bad_name", "\"\(bot.prefix(70))\" is not a bot name: \(problem)") }
    }

    func send(_ request: RolloutRequest, bot: String) async throws -> RolloutCommandResult {
        try Self.check(bot)
        var query: [(String, String)] = []
        switch request {
        case .promote(let full) where full: query = [("full", "true")]
        case .undo(let revision?): query = [("toRevision", String(revision))]
        default: break
        }
        return try RemoteAPI.decoder.decode(RolloutCommandResult.self, from: try await api.send(.POST, "/api/v1/rollouts/\(bot)/\(request.action)", query: query))
    }

    func halt(_ request: FleetHaltRequest) async throws -> FleetHaltResult {
        var body: [String: Any] = ["reduceOnly": request.mode == .reduceOnly, "selector": request.selector]
        if let reason = request.reason { body["reason"] = reason }
        return try await api.post(FleetHaltResult.self, "/api/v1/halt", json: body)
    }

    func resumeAll(selector: [String: String]) async throws -> FleetHaltResult {
        try await api.post(FleetHaltResult.self, "/api/v1/resume-all", json: ["selector": selector])
    }
}

extension GlobalOptions {
    /// The fleet operations: through the API with `--server` (or FLOTILLA_SERVER), else on the
    /// local store, which must exist (a command for a bot never creates a state).
    func operations(_ console: Console, operation: String) throws -> any FleetOperations {
        if let remote = try remote(console) { return RemoteOperations(api: remote) }
        return LocalOperations(store: try openStoreIfExists(), operation: operation)
    }
}
