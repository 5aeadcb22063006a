// The reference is a spec value (accounts name credentials); the venues resolve it. Re-exported so
// an adapter's user speaks `SecretReference` without importing the spec.
@_exported import enum FlotillaSpec.SecretError
@_exported import enum FlotillaSpec.SecretReference
import struct FlotillaSpec.ProjectFile
import Foundation

extension SecretReference {
    /// The most a credential file may hold: a key, a PEM, a token — never a whole file system.
    public static let maxFileBytes = 64 << 10

    /// The secret it names, read from `environment` (the process's by default) or the file.
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws(SecretError) -> Secret {
        switch self {
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else { throw .missing("environment variable \(name) is not set") }
            return Secret(value)
        case .file(let path):
            let expanded = (path as NSString).expandingTildeInPath
            // A regular file of at most a few kilobytes, read once (not a FIFO that blocks, not a device).
            let checked: ProjectFile
            switch ProjectFile.check(expanded, inside: nil, maxBytes: Self.maxFileBytes) {
            case .success(let file): checked = file
            case .failure(let problem): throw .missing("\(path) \(problem)")
            }
            guard let bytes = checked.read(maxBytes: Self.maxFileBytes) else { throw .missing("cannot read \(path)") }
            var text = String(decoding: bytes, as: UTF8.self)
            if text.hasSuffix("\r\n") { text.removeLast(2) } else if text.hasSuffix("\n") { text.removeLast() }
            guard !text.isEmpty else { throw .missing("\(path) is empty") }
            return Secret(text)
        }
    }
}
