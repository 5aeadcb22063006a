import Foundation

/// Where a credential lives: `env:NAME` (an environment variable) or `file:PATH` (a file's
/// contents, one trailing newline dropped). Specs hold the reference, never the value.
public enum SecretReference: Sendable, Hashable, CustomStringConvertible {
    case environment(String)
    case file(String)

    public init(parsing text: String) throws(SecretError) {
        if text.hasPrefix("env:") {
            let name = String(text.dropFirst(4))
            guard !name.isEmpty, name.utf8.allSatisfy({ c in (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 })
            else { throw .badReference("env: takes a variable name (letters, digits, _), e.g. env:BINANCE_API_SECRET") }
            self = .environment(name)
        } else if text.hasPrefix("file:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw .badReference("file: takes a path, e.g. file:~/.flotilla/coinbase.pem") }
            self = .file(path)
        } else if text.lowercased().hasPrefix("env:") || text.lowercased().hasPrefix("file:") {
            throw .badReference("write the prefix in lowercase: env:NAME or file:PATH")
        } else if text.hasPrefix("$") {
            throw .badReference("an environment variable is written env:NAME, not $NAME")
        } else {
            // Never echo the text: it may be a pasted secret.
            throw .badReference("a credential is a reference, env:NAME or file:PATH, not the secret itself (\(text.count) characters given)")
        }
    }

    public var description: String {
        switch self {
        case .environment(let name): "env:\(name)"
        case .file(let path): "file:\(path)"
        }
    }

}

public enum SecretError: Error, Sendable, Equatable, CustomStringConvertible {
    case badReference(String)
    case missing(String)

    public var description: String {
        switch self {
        case .badReference(let m): "credential reference: \(m)"
        case .missing(let m): "credential: \(m)"
        }
    }
}
