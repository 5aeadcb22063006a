import FlotillaLive
import FlotillaSpec
import FlotillaTesting
import FlotillaTrading
import Foundation
import Testing

/// One client and one budget per account, built from its document with the credentials
/// resolved only then; a missing credential is that account's problem, named but never shown.
@Suite("Account connections")
struct AccountConnectionsTests {
    /// A bot's applied venue, as resolution leaves it.
    static let binance = VenueSpec(kind: .binance, account: "bn-test", mode: .testnet, endpoint: "http://127.0.0.1:9",
                                   credentials: ["apiKey": "env:BN_KEY", "secretKey": "env:BN_SECRET"])

    @Test("every bot on an account shares its client and budget; requests go to the account's endpoint with its key")
    func shared() async throws {
        let transport = RecordingTransport()
        await transport.on(.get, "/api/v3/time", .response(VenueResponse(status: 200, text: #"{"serverTime":1700000000000}"#)))
        await transport.on(.get, "/api/v3/account", .response(VenueResponse(status: 200, text: #"{"balances":[]}"#)))
        let connections = AccountConnections(environment: ["BN_KEY": "key-PLANTED", "BN_KEY_NEW": "key2-PLANTED", "BN_SECRET": "secret-PLANTED"], transport: transport)
        let a = try connections.venue(for: Self.binance), b = try connections.venue(for: Self.binance)
        let sameClient = ObjectIdentifier(a as AnyObject) == ObjectIdentifier(b as AnyObject)
        var rotated = Self.binance
        rotated.credentials?["apiKey"] = "env:BN_KEY_NEW"
        let sameBudget = ObjectIdentifier(try connections.budget(for: Self.binance)) == ObjectIdentifier(try connections.budget(for: rotated))
        #expect(sameClient && sameBudget)
        _ = try await a.balances()
        let sent = try #require(await transport.last(.get, "/api/v3/account"))
        #expect(sent.baseURL == "http://127.0.0.1:9" && sent.header("X-MBX-APIKEY") == "key-PLANTED")
        #expect(!sent.description.contains("PLANTED"))
        let usage = await connections.usage()["bn-test"]?.first { $0.limit == "weight" }
        #expect(usage?.used == 21, "time (1) and account (20) counted against the account's weight")
    }

    @Test("a credential that cannot be resolved is the account's problem: which one and why, never a value")
    func missingCredential() throws {
        let connections = AccountConnections(environment: ["BN_KEY": "key-PLANTED"])
        #expect(throws: AccountConnections.Problem(
            account: "bn-test", reason: "spec.credentials.secretKey (env:BN_SECRET): credential: environment variable BN_SECRET is not set")) {
            _ = try connections.venue(for: Self.binance)
        }
        #expect(throws: AccountConnections.Problem.self) { _ = try connections.venue(for: VenueSpec(kind: .paper)) }
    }

    @Test("a Coinbase key that is not an EC private key is refused without echoing it")
    func badCoinbaseKey() throws {
        let spec = VenueSpec(kind: .coinbase, account: "cb", mode: .live, credentials: ["keyName": "env:CB_NAME", "privateKey": "env:CB_PEM"])
        let connections = AccountConnections(environment: ["CB_NAME": "organizations/o/apiKeys/k", "CB_PEM": "not-a-pem-PLANTED"])
        do {
            _ = try connections.venue(for: spec)
            Issue.record("made a client")
        } catch {
            #expect(error.description.contains("not an EC P-256 private key") && !error.description.contains("PLANTED"))
        }
    }
}
