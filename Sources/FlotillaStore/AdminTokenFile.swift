import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The admin token `flotilla up` makes on its first start (Jupyter's design: a token from the
/// start, so no anonymous admin ever answers over HTTP). Only its hash is in the store; the secret
/// is written once to `admin.token` next to the store (mode 0600) and printed as the dashboard's
/// login URL. The CLI's `--server` mode reads it when FLOTILLA_TOKEN is unset.
public enum AdminTokenFile {
    public static let name = "admin.token"

    public static func url(stateDirectory: URL) -> URL { stateDirectory.appendingPathComponent(name) }

    /// A new admin token's secret, when `up` had to make one; nil when an admin token already works.
    public static func ensure(store: StateStore, stateDirectory: URL) throws -> String? {
        guard try !store.hasActiveAdminToken() else { return nil }
        let (secret, token) = try store.createToken(role: .admin, description: "made by flotilla up at its first start (\(name))")
        do {
            try write(secret, to: url(stateDirectory: stateDirectory))
        } catch {
            try? store.revokeToken(id: token.id)
            throw error
        }
        return secret
    }

    /// The secret in the file, if it is there and readable.
    public static func read(stateDirectory: URL) -> String? {
        guard let text = try? String(contentsOf: url(stateDirectory: stateDirectory), encoding: .utf8) else { return nil }
        let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return secret.isEmpty ? nil : secret
    }

    /// Writes the secret to a new file only the owner can read (0600, created so — never
    /// world-readable for a moment), then moves it into place.
    static func write(_ secret: String, to file: URL) throws {
        let temporary = file.deletingLastPathComponent().appendingPathComponent(".\(name).\(getpid()).tmp")
        unlink(temporary.path)
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary.path]) }
        let bytes = Array((secret + "\n").utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        fchmod(fd, 0o600)
        close(fd)
        guard written == bytes.count, rename(temporary.path, file.path) == 0 else {
            unlink(temporary.path)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
        }
    }
}
