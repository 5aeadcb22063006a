import FlotillaAPI
import Foundation
import Hummingbird

/// DNS rebinding: a page of evil.example whose name is made to resolve to 127.0.0.1 reaches this
/// server with `Host: evil.example`. Only requests naming the server by a name it answers to get
/// through: `localhost`, `127.0.0.1`, `[::1]`, the listen address and each `--allowed-host`, with
/// or without a port; others are 421 Misdirected Request. A request naming no host at all (no Host
/// header; an absolute-form target whose authority was dropped) is refused the same way: a name the
/// server can't check is not one it answers to.
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
        guard let authority = request.head.authority else {
            throw APIError(.misdirectedRequest, "misdirected_request", "a Host header naming this server is required, e.g. Host: 127.0.0.1")
        }
        guard names.contains(Self.name(of: authority.lowercased())) else {
            throw APIError(.misdirectedRequest, "misdirected_request",
                           "this server does not answer to the host \"\(authority.prefix(100))\"; use 127.0.0.1 or localhost, or start it with --allowed-host NAME")
        }
    }

    /// The host of `host[:port]` or `[v6][:port]`, without a trailing dot — parsed strictly: a port
    /// is ASCII digits, a bracketed address ends the name (`[::1].evil` is not `[::1]`), and anything
    /// else (userinfo, slashes, spaces) is returned whole, so it matches no name.
    static func name(of authority: String) -> String {
        func isPort(_ s: Substring) -> Bool { !s.isEmpty && s.count <= 5 && s.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }
        var host = Substring(authority)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return authority }
            let rest = host[host.index(after: close)...]
            guard rest.isEmpty || (rest.first == ":" && isPort(rest.dropFirst())) else { return authority }
            return String(host[...close])
        }
        if let colon = host.lastIndex(of: ":") {
            guard isPort(host[host.index(after: colon)...]) else { return authority }
            host = host[..<colon]
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        let hostname = Set("abcdefghijklmnopqrstuvwxyz0123456789.-".utf8)
        guard !host.isEmpty, host.utf8.allSatisfy({ hostname.contains($0) }) else { return authority }
        return String(host)
    }
}
