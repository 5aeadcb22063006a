import ArgumentParser
import FlotillaSpec
import FlotillaStore
import FlotillaAPI
import FlotillaEngine
import Foundation

typealias AdminTokenView = TokenView

struct TokenCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Create, list and revoke API tokens (only a hash is stored).",
        subcommands: [Create.self, List.self, Revoke.self])

    func run(console: Console) async throws { console.line(TokenCommand.helpMessage()) }

    struct Create: ConsoleCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token; it is printed once.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "viewer (read), operator (act on bots and rollouts) or admin (plans, profiles, audit)") var role: String
        @Option(help: "Expire after this long, e.g. 30d.") var expires: String?
        @Option(help: "What the token is for.") var description: String = ""

        func validate() throws {
            guard APIToken.Role(rawValue: role) != nil else { throw ValidationError("--role \(role): use viewer, operator or admin") }
            if let expires, case .failure(let problem) = APIToken.expiry(parsing: expires) { throw ValidationError("--\(problem)") }
        }

        func run(console: Console) async throws {
            if let remote = try global.remote(console) {
                struct Created: Decodable { var secret: String; var token: AdminTokenView }
                var body: [String: Any] = ["role": role, "description": description]
                if let expires { body["expires"] = expires }
                let created = try await remote.post(Created.self, "/api/v1/tokens", json: body)
                console.line(created.secret)
                console.error("token \(created.token.id) (\(created.token.role)) created on \(remote.base); this is the only time it is shown.")
                return
            }
            let store = try global.openStore()
            let expiry = try expires.map { try APIToken.expiry(parsing: $0).get() }
            let (secret, token) = try store.createToken(role: APIToken.Role(rawValue: role)!, description: description, expiresAt: expiry)
            console.line(secret)
            console.error("token \(token.id) (\(token.role.rawValue)) created; this is the only time it is shown. Use it as FLOTILLA_TOKEN or Authorization: Bearer.")
        }
    }

    struct List: ConsoleCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var global: GlobalOptions

        func run(console: Console) async throws {
            let tokens: [AdminTokenView]
            if let remote = try global.remote(console) {
                tokens = try await remote.get([AdminTokenView].self, "/api/v1/tokens")
            } else {
                tokens = try global.openStoreIfExists().tokens().map(AdminTokenView.init)
            }
            let f = ISO8601DateFormatter()
            let rows = tokens.map { t in
                [t.id, t.role, f.string(from: t.createdAt), t.expiresAt.map(f.string(from:)) ?? "-", t.state, t.description]
            }
            console.write(Table.render(header: ["ID", "ROLE", "CREATED", "EXPIRES", "STATE", "DESCRIPTION"], rows: rows))
        }
    }

    struct Revoke: ConsoleCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by id.")
        @OptionGroup var global: GlobalOptions
        @Argument var id: String

        func run(console: Console) async throws {
            if let remote = try global.remote(console) {
                _ = try await remote.send(.DELETE, "/api/v1/tokens/\(id)")
                return console.line("token \(id) revoked on \(remote.base)")
            }
            guard try global.openStore().revokeToken(id: id) else { throw UsageProblem("no active token \(id); see flotilla token list") }
            console.line("token \(id) revoked")
        }
    }
}

struct AuditCommand: ConsoleCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "Show the audit log of mutating API calls.")
    @OptionGroup var global: GlobalOptions
    @Option var limit: Int = 50

    func run(console: Console) async throws {
        let f = ISO8601DateFormatter()
        let entries: [AuditEntry]
        if let remote = try global.remote(console) {
            entries = try await remote.get([AuditEntry].self, "/api/v1/audit", query: [("limit", String(max(1, min(1000, limit))))])
        } else {
            entries = try global.openStoreIfExists().audit(limit: max(1, limit))
        }
        let rows = entries.map {
            [f.string(from: $0.time), $0.principal, $0.method, $0.path, String($0.status), $0.result]
        }
        console.write(Table.render(header: ["TIME", "WHO", "METHOD", "PATH", "STATUS", "RESULT"], rows: rows))
    }
}
