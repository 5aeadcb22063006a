import Foundation
import Hummingbird

/// DNS rebinding: a page of evil.example whose name is made to resolve to 127.0.0.1 reaches this
/// server with `Host: evil.example`. Only requests naming the server by a name it answers to get
/// through: `localhost`, `127.0.0.1`, `[::1]`, the listen address and each `--allowed-host`, with
/// or without a port; others are 421 Misdirected Request. (A request with no Host at all — HTTP/1.0
/// — is let through: browsers always send one.)
struct HostCheck: Sendable {
    let names: Set<String>

    init(listenHost: String, allowed: [String]) {
        var names: Set<String> = ["localhost", "127.0.0.1", "[::1]"]
        let listen = listenHost.lowercased()
        if !["0.0.0.0", "::", "[::]", "", "*"].contains(listen) {
            names.insert(listen.contains(":") && !listen.hasPrefix("[") ? "[\(listen)]" : listen)
        }
        for host in allowed { names.insert(Self.name(of: host.lowercased())) }
        self.names = names
    }

    func check(_ request: Request) throws {
        guard let authority = request.head.authority else { return }
        guard names.contains(Self.name(of: authority.lowercased())) else {
            throw APIError(.misdirectedRequest, "misdirected_request",
                           "this server does not answer to the host \"\(authority.prefix(100))\"; use 127.0.0.1 or localhost, or start it with --allowed-host NAME")
        }
    }

    /// The host of `host[:port]` or `[v6][:port]`, without a trailing dot.
    static func name(of authority: String) -> String {
        var host = Substring(authority)
        if host.hasPrefix("[") {
            if let close = host.firstIndex(of: "]") { host = host[...close] }
        } else if let colon = host.lastIndex(of: ":"), host[host.index(after: colon)...].allSatisfy(\.isNumber) {
            host = host[..<colon]
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        return String(host)
    }
}
