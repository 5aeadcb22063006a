import FlotillaCLI
import FlotillaEngine
import FlotillaServer
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Finding 10 (the server's part) and the smaller promises of finding 2.
@Suite("Hardening", .serialized)
struct HardeningTests {
    static func storeBytes(_ server: ServerContext) -> Int { (try? server.store.storedBytes()) ?? 0 }

    @Test("300 requests with 60 kB paths grow the store by well under 1 MB; audit paths are bounded")
    func auditGrowth() async throws {
        let (server, secrets) = try await serverFixture()
        let app = buildApplication(server, logger: Logger(label: "test"))
        let long = String(repeating: "a", count: 60_000)
        try await app.test(.router) { client in
            // Warm up so the first write's page allocation is not counted.
            try await client.execute(uri: "/api/v1/bots/x/stop", method: .post, headers: bearer(secrets[.operator])) { _ in }
        }
        let before = Self.storeBytes(server)
        let started = Date()
        try await app.test(.router) { client in
            for i in 0..<300 {
                // Half without a token (rate-limited refusals), half with one (a row each, path truncated).
                let headers = i % 2 == 0 ? [:] : bearer(secrets[.operator])
                try await client.execute(uri: "/api/v1/bots/\(long)/stop", method: .post, headers: headers) { r in
                    #expect(r.status == (i % 2 == 0 ? .unauthorized : .badRequest))
                }
            }
        }
        let grown = Self.storeBytes(server) - before
        #expect(grown < 1 << 20 / 2, "the store grew by \(grown) bytes")
        let entries = try server.store.audit(limit: 1000)
        #expect(entries.allSatisfy { $0.path.count <= AuditRetention.pathCharacters })
        // At most 10 rows a minute (a slow machine may take more than one minute for the loop).
        let minutes = Int((Date().timeIntervalSince(started) / 60).rounded(.up))
        #expect(entries.filter { $0.principal == "unauthenticated" }.count <= 10 * max(1, minutes), "unauthenticated refusals are rate-limited")
        #expect(entries.filter { $0.principal.hasPrefix("token ") && $0.status == 400 }.count >= 150, "calls with a token are each recorded")
    }

    @Test("the audit log keeps its newest rows only")
    func auditRetention() throws {
        let store = try StateStore(path: try Fixtures.temporaryDirectory().appendingPathComponent("state.db").path)
        for i in 0..<300 { try store.recordAudit(principal: "token t", method: "POST", path: "/p/\(i)", status: 200, result: "ok", keep: 50) }
        #expect(try store.auditCount() <= 50)
        #expect(try store.audit(limit: 1).last?.path == "/p/299")
    }

    struct StrictCase: Sendable, CustomTestStringConvertible {
        var uri: String
        var body: String
        var field: String
        var testDescription: String { "\(uri) \(body)" }
    }

    @Test("unknown JSON fields are refused with 400 naming the field, and nothing is planned, switched or minted", arguments: [
        StrictCase(uri: "/api/v1/profiles/aggressive/switch", body: #"{"target": ["eth-trend"]}"#, field: "target"),
        StrictCase(uri: "/api/v1/plans", body: #"{"fils": {}}"#, field: "fils"),
        StrictCase(uri: "/api/v1/plans", body: #"{"targets": ["eth-trend"], "prun": true}"#, field: "prun"),
        StrictCase(uri: "/api/v1/tokens", body: #"{"role": "viewer", "expire": "1h"}"#, field: "expire"),
        StrictCase(uri: "/api/v1/bots/eth-trend/stop", body: #"{"force": true}"#, field: "force"),
        StrictCase(uri: "/api/v1/plans/plan-0000/apply", body: #"{"yes": true}"#, field: "yes"),
    ])
    func unknownFields(_ c: StrictCase) async throws {
        let (server, secrets) = try await serverFixture()
        let app = buildApplication(server, logger: Logger(label: "test"))
        let tokens = try server.store.tokens().count
        try await app.test(.router) { client in
            try await client.execute(uri: c.uri, method: .post, headers: bearer(secrets[.admin]), body: ByteBuffer(string: c.body)) { r in
                #expect(r.status == .badRequest, "\(String(buffer: r.body))")
                let error = try decode(ErrorShape.self, r).error
                #expect(error.code == "unknown_field")
                #expect(error.message.contains("\"\(c.field)\""), "\(error.message)")
                #expect(error.details["field"] == c.field)
            }
        }
        #expect(try server.store.tokens().count == tokens)
        #expect(try server.store.botControls()["eth-trend"] == nil)
        #expect(try server.store.audit(limit: 10).allSatisfy { $0.status == 400 })
    }

    @Test("a field given twice is refused with 400 naming it (never the last one silently), and nothing is planned, switched or minted", arguments: [
        StrictCase(uri: "/api/v1/tokens", body: #"{"role": "viewer", "role": "admin"}"#, field: "role"),
        StrictCase(uri: "/api/v1/tokens", body: #"{"role": "viewer", "\u0072ole": "admin"}"#, field: "role"),
        StrictCase(uri: "/api/v1/plans", body: #"{"prune": false, "targets": [], "prune": true}"#, field: "prune"),
        StrictCase(uri: "/api/v1/plans", body: #"{"selector": {"team": "alpha", "team": "beta"}}"#, field: "team"),
        StrictCase(uri: "/api/v1/profiles/aggressive/switch", body: #"{"targets": ["eth-trend"], "targets": []}"#, field: "targets"),
    ])
    func duplicateFields(_ c: StrictCase) async throws {
        let (server, secrets) = try await serverFixture()
        let app = buildApplication(server, logger: Logger(label: "test"))
        let tokens = try server.store.tokens().count
        try await app.test(.router) { client in
            try await client.execute(uri: c.uri, method: .post, headers: bearer(secrets[.admin]), body: ByteBuffer(string: c.body)) { r in
                #expect(r.status == .badRequest, "\(String(buffer: r.body))")
                let error = try decode(ErrorShape.self, r).error
                #expect(error.code == "duplicate_field")
                #expect(error.message.contains("\"\(c.field)\" is given twice"), "\(error.message)")
                #expect(error.details["field"] == c.field)
            }
        }
        #expect(try server.store.tokens().count == tokens)
        #expect(try server.store.audit(limit: 10).allSatisfy { $0.status == 400 })
    }

    @Test("the same key in an object and in the object inside it is no repetition", arguments: [
        #"{"selector": {"selector": "a"}}"#,
        #"{"selector": {"prune": "a"}, "prune": false}"#,
    ])
    func sameKeyElsewhere(_ body: String) async throws {
        let (server, secrets) = try await serverFixture()
        let app = buildApplication(server, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/plans", method: .post, headers: bearer(secrets[.admin]), body: ByteBuffer(string: body)) { r in
                #expect(r.status == .created, "\(String(buffer: r.body))")
            }
        }
    }

    @Test("promote's ?full= is true or false, nothing else; undo's ?toRevision= a revision number", arguments: [
        ("promote?full", "full \"\""), ("promote?full=", "full \"\""), ("promote?full=1", "full \"1\""), ("promote?full=yes", "full \"yes\""),
        ("undo?toRevision=0", "toRevision \"0\""), ("undo?toRevision=two", "toRevision \"two\""),
        // What the fuzzer found answering 500: values given twice, one of them not UTF-8.
        ("promote?full=null&toRevision=&toRevision=l%C2%98%F0%98%93%B5%C2%91&toRevision=%E4%80%9Bl%F3%86%9C%95%0Ft%F1%80%93%9D&toRevision=q", ""),
        ("undo?toRevision=1&toRevision=2", ""), ("undo?toRevision=%FF", ""),
    ])
    func strictQueries(_ path: String, _ named: String) async throws {
        let (server, secrets) = try await serverFixture()
        let app = buildApplication(server, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/rollouts/eth-trend/\(path)", method: .post, headers: bearer(secrets[.operator])) { r in
                #expect(r.status == .badRequest, "\(String(buffer: r.body))")
                let error = try decode(ErrorShape.self, r).error
                #expect(error.code == "bad_request")
                #expect(error.message.hasPrefix(named), "\(error.message)")
            }
        }
    }

    @Test("a token's expiry must be positive and sane, through the API and the CLI", arguments: ["0s", "0m", "30s", "-1h", "99999999d", "1h1", "soon"])
    func badExpiry(_ expires: String) async throws {
        let (server, secrets) = try await serverFixture()
        let app = buildApplication(server, logger: Logger(label: "test"))
        let tokens = try server.store.tokens().count
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/tokens", method: .post, headers: bearer(secrets[.admin]),
                                     body: ByteBuffer(string: #"{"role": "viewer", "expires": "\#(expires)"}"#)) { r in
                #expect(r.status == .badRequest, "\(expires): \(String(buffer: r.body))")
            }
        }
        let console = Console.capturing()
        let code = await CLI.run(["token", "create", "--role", "viewer", "--expires", expires, "--dir", server.layout.displayBase!.path], console: console)
        #expect(code != 0, "token create --expires \(expires): \(console.output)")
        #expect(try server.store.tokens().count == tokens, "no token was made")
        #expect(throws: (any Error).self) { try server.store.createToken(role: .viewer, expiresAt: Date()) }
    }

    @Test("/healthz reports a recovery stuck past its bound (503 with the component), and ok within it")
    func stuckRecovery() async throws {
        let dir = try Fixtures.projectCopy()
        let store = try StateStore(path: dir.appendingPathComponent(".flotilla/state.db").path)
        let fleet = Fleet(store: store, dataDirectory: nil, logger: Logger(label: "test"))  // never recovers
        for (bound, status) in [(0.0, HTTPResponse.Status.serviceUnavailable), (60, .ok)] {
            let server = ServerContext(store: store, layout: ProjectLayout(root: dir), fleet: fleet, recoveryBound: bound)
            let app = buildApplication(server, logger: Logger(label: "test"))
            try await app.test(.router) { client in
                try await client.execute(uri: "/healthz", method: .get) { r in
                    #expect(r.status == status, "\(String(buffer: r.body))")
                    #expect(String(buffer: r.body).contains(bound == 0 ? "\"stuck\"" : "recovering"))
                }
            }
        }
    }

    @Test("401 carries WWW-Authenticate; the bearer scheme is case-insensitive; 404, 405 and 413 have the documented body")
    func answers() async throws {
        let (server, secrets) = try await serverFixture()
        let app = buildApplication(server, logger: Logger(label: "test"))
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/bots", method: .get) { r in
                #expect(r.status == .unauthorized)
                #expect(r.headers[.wwwAuthenticate] == #"Bearer realm="flotilla""#)
            }
            try await client.execute(uri: "/healthz", method: .head) { r in #expect(r.status == .ok, "HEAD works where GET does") }
            try await client.execute(uri: "/api/v1/bots", method: .head) { r in #expect(r.status == .unauthorized) }
            for scheme in ["bearer", "BEARER", "Bearer", "bEaReR"] {
                try await client.execute(uri: "/api/v1/bots", method: .get, headers: [.authorization: "\(scheme) \(secrets[.viewer]!)"]) { r in
                    #expect(r.status == .ok, "\(scheme)")
                }
            }
            try await client.execute(uri: "/api/v1/nowhere", method: .get, headers: bearer(secrets[.viewer])) { r in
                #expect(r.status == .notFound)
                let code = try decode(ErrorShape.self, r).error.code
                #expect(code == "not_found")
            }
            try await client.execute(uri: "/api/v1/bots", method: .put, headers: bearer(secrets[.admin])) { r in
                #expect(r.status == .methodNotAllowed)
                #expect(r.headers[.allow] == "GET")
                #expect((try? decode(ErrorShape.self, r)) != nil)
            }
            try await client.execute(uri: "/api/v1/bots", method: .put) { r in #expect(r.status == .unauthorized, "authentication first") }
            let big = ByteBuffer(repeating: UInt8(ascii: " "), count: 100 * 1024)
            try await client.execute(uri: "/api/v1/tokens", method: .post, headers: bearer(secrets[.admin]), body: big) { r in
                #expect(r.status == .contentTooLarge)
                let code = try decode(ErrorShape.self, r).error.code
                #expect(code == "body_too_large")
            }
            try await client.execute(uri: "/api/v1/tokens", method: .post, headers: [.authorization: "Bearer \(secrets[.admin]!)"],
                                     body: ByteBuffer(string: #"{"role": "viewer"}"#)) { r in
                #expect(r.status == .unsupportedMediaType, "a body needs Content-Type: application/json")
            }
            try await client.execute(uri: "/api/v1/tokens", method: .post, headers: [.authorization: "Bearer \(secrets[.admin]!)", .contentType: "application/json; charset=utf-8"],
                                     body: ByteBuffer(string: #"{"role": "viewer"}"#)) { r in
                #expect(r.status == .created)
                #expect(r.headers[.cacheControl] == "no-store")
            }
        }
    }
}
