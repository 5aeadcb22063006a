import Crypto
import FlotillaServer
import FlotillaStore
import FlotillaTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Finding 2: what a web page the user visits can make the browser send, replayed byte for byte
/// against a real server on 127.0.0.1: cross-origin "simple" requests, DNS rebinding, and a token
/// table emptied by revoking the last token.
@Suite("Browser threats", .serialized)
struct BrowserThreatTests {
    func live(_ configure: @escaping (inout ServerContext) -> Void = { _ in },
              _ body: @escaping @Sendable (ServerContext, [APIToken.Role: String], Int) async throws -> Void) async throws {
        let (server, secrets) = try await serverFixture(configure: configure)
        let app = buildApplication(server, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await liveTest(app) { client in
            let port = try #require(client.port)
            try await body(server, secrets, port)
        }
    }

    @Test("a cross-origin simple POST (text/plain, Origin: http://evil.example) stops no bot and mints no token, with or without a token")
    func crossOriginSimpleRequests() async throws {
        try await live { server, secrets, port in
            let tokensBefore = try server.store.tokens().count
            for auth in [nil, secrets[.admin]!] {
                for (path, body) in [("/api/v1/bots/eth-trend/stop", ""), ("/api/v1/tokens", #"{"role":"admin"}"#)] {
                    var head = ["POST \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Origin: http://evil.example", "Content-Type: text/plain"]
                    if let auth { head.append("Authorization: Bearer \(auth)") }
                    let reply = try await RawHTTP.fetch(port: port, head, body: body)
                    #expect(reply.status == 403, "\(path): \(reply.status) \(reply.body)")
                    #expect(reply.body.contains("cross_origin"))
                    #expect(reply.header("Access-Control-Allow-Origin") == nil, "no CORS")
                }
            }
            // The same request with a same-origin label but a non-JSON body: 415, still nothing changes.
            let plain = try await RawHTTP.fetch(port: port, ["POST /api/v1/tokens HTTP/1.1", "Host: 127.0.0.1:\(port)", "Content-Type: text/plain",
                                                       "Authorization: Bearer \(secrets[.admin]!)"], body: #"{"role":"admin"}"#)
            #expect(plain.status == 415, "\(plain.body)")
            let form = try await RawHTTP.fetch(port: port, ["POST /api/v1/bots/eth-trend/stop HTTP/1.1", "Host: 127.0.0.1:\(port)", "Sec-Fetch-Site: cross-site",
                                                      "Content-Type: application/x-www-form-urlencoded", "Authorization: Bearer \(secrets[.operator]!)"], body: "a=b")
            #expect(form.status == 403, "\(form.body)")
            #expect(try server.store.botControls()["eth-trend"] == nil, "the bot was not stopped")
            #expect(try server.store.tokens().count == tokensBefore, "no token was minted")

            // The server's own origin (the dashboard) may change things.
            let own = try await RawHTTP.fetch(port: port, ["POST /api/v1/bots/eth-trend/pause HTTP/1.1", "Host: 127.0.0.1:\(port)", "Origin: http://127.0.0.1:\(port)",
                                                     "Sec-Fetch-Site: same-origin", "Authorization: Bearer \(secrets[.operator]!)"])
            #expect(own.status == 202, "\(own.body)")
        }
    }

    @Test("DNS rebinding: Host: evil.example is 421 for the fleet, the tokens and /metrics; the server's own names answer")
    func rebinding() async throws {
        try await live({ $0.allowedHosts = ["flotilla.internal"] }) { _, secrets, port in
            for path in ["/api/v1/bots", "/api/v1/tokens", "/metrics", "/", "/healthz"] {
                for host in ["evil.example", "evil.example:\(port)", "127.0.0.1.evil.example", "[::2]:\(port)", "[::1].evil", "[::1]@evil.example",
                             "[::1]evil", "localhost:\u{663}", "evil@127.0.0.1:\(port)", "localhost:80:80"] {
                    let reply = try await RawHTTP.fetch(port: port, ["GET \(path) HTTP/1.1", "Host: \(host)", "Authorization: Bearer \(secrets[.admin]!)"])
                    #expect(reply.status == 421, "\(path) Host \(host): \(reply.status)")
                    #expect(reply.body.contains("misdirected_request"))
                    #expect(!reply.body.contains("eth-trend") && !reply.body.contains("flt_"), "nothing of the fleet or the tokens")
                }
            }
            // A request that names no host is not one the server can check.
            let hostless = try await RawHTTP.fetch(port: port, ["GET /api/v1/bots HTTP/1.1", "Authorization: Bearer \(secrets[.viewer]!)"])
            #expect(hostless.status == 421, "no Host: \(hostless.status)")
            for host in ["127.0.0.1:\(port)", "localhost:\(port)", "LOCALHOST", "[::1]:\(port)", "flotilla.internal:\(port)", "localhost."] {
                let reply = try await RawHTTP.fetch(port: port, ["GET /api/v1/bots HTTP/1.1", "Host: \(host)", "Authorization: Bearer \(secrets[.viewer]!)"])
                #expect(reply.status == 200, "Host \(host): \(reply.status) \(reply.body.prefix(200))")
            }
        }
    }

    @Test("revoking the last token leaves the API closed: 401, never an anonymous admin")
    func revokingTheLastToken() async throws {
        let (server, _) = try await serverFixture(tokens: false)
        let only = try server.store.createToken(role: .admin)
        let app = buildApplication(server, host: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        try await liveTest(app) { client in
            let port = try #require(client.port)
            let revoke = try await RawHTTP.fetch(port: port, ["DELETE /api/v1/tokens/\(only.token.id) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Authorization: Bearer \(only.secret)"])
            #expect(revoke.status == 200, "\(revoke.body)")
            #expect(try server.store.tokens().allSatisfy { !$0.isValid(at: Date()) }, "no working token is left")
            for (method, path, body) in [("GET", "/api/v1/bots", ""), ("GET", "/api/v1/tokens", ""), ("POST", "/api/v1/tokens", #"{"role":"admin"}"#),
                                         ("POST", "/api/v1/bots/eth-trend/stop", "")] {
                for auth in [nil, only.secret] {
                    var head = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)", "Content-Type: application/json"]
                    if let auth { head.append("Authorization: Bearer \(auth)") }
                    let reply = try await RawHTTP.fetch(port: port, head, body: body)
                    #expect(reply.status == 401, "\(method) \(path): \(reply.status)")
                    #expect(reply.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
                }
            }
        }
        #expect(try server.store.tokens().count == 1, "nothing was minted")
        #expect(try server.store.botControls()["eth-trend"] == nil)
    }

    @Test("every answer carries the security headers; the dashboard's policy allows exactly its inline script and style")
    func securityHeaders() async throws {
        try await live { _, secrets, port in
            let page = try await RawHTTP.fetch(port: port, ["GET / HTTP/1.1", "Host: 127.0.0.1:\(port)"])
            #expect(page.status == 200)
            #expect(page.header("X-Frame-Options") == "DENY")
            #expect(page.header("X-Content-Type-Options") == "nosniff")
            let policy = try #require(page.header("Content-Security-Policy"))
            #expect(policy.contains("frame-ancestors 'none'") && policy.contains("default-src 'none'"))
            for tag in ["script", "style"] {
                let open = try #require(page.body.range(of: "<\(tag)>")), close = try #require(page.body.range(of: "</\(tag)>"))
                let inline = String(page.body[open.upperBound..<close.lowerBound])
                #expect(policy.contains(sha256Source(inline)), "the policy allows the page's inline \(tag)")
            }
            #expect(!page.body.contains("<script src"), "one script, inline")
            #expect(page.body.contains("#token=") || page.body.contains("token="), "the page reads the login URL's token")

            let created = try await RawHTTP.fetch(port: port, ["POST /api/v1/tokens HTTP/1.1", "Host: 127.0.0.1:\(port)", "Content-Type: application/json",
                                                         "Authorization: Bearer \(secrets[.admin]!)"], body: #"{"role":"viewer","expires":"1h"}"#)
            #expect(created.status == 201)
            #expect(created.header("Cache-Control") == "no-store", "the secret is not cached")
            let unknown = try await RawHTTP.fetch(port: port, ["GET /api/v1/nothing-here HTTP/1.1", "Host: 127.0.0.1:\(port)", "Authorization: Bearer \(secrets[.viewer]!)"])
            #expect(unknown.status == 404 && unknown.body.contains(#""error""#) && unknown.body.contains("not_found"), "\(unknown.body)")
        }
    }
}

/// The CSP hash source of a text: what the dashboard's policy must list for it.
func sha256Source(_ text: String) -> String {
    "sha256-" + Data(SHA256.hash(data: Data(text.utf8))).base64EncodedString()
}
