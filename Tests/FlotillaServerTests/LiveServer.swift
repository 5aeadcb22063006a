import Hummingbird
import HummingbirdTesting
import Testing

/// `app.test(.live)`, except that a failure inside records an issue instead of throwing out of the
/// live block: throwing cancels the server while it may still hold accepted connections, and NIO
/// traps on those (apple/swift-nio#2637), which would end the whole test run, not just this test.
func liveTest<App: ApplicationProtocol>(_ app: App, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
    try await app.test(.live) { client in
        do {
            try await body(client)
        } catch {
            Issue.record(error, "inside the live server test")
        }
    }
}
