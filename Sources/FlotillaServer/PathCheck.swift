import FlotillaAPI
import Foundation
import Hummingbird

/// Only canonical paths are routed. The router skips empty segments, so `/api/v1//tokens` would
/// reach the tokens route; a proxy or a second check may read such a path differently from the
/// router. A path with an empty segment (`//`), a `.` or `..` segment, a trailing slash, a percent
/// escape (`%2F`) or a character outside RFC 3986's path characters is refused 400 before routing;
/// roles come from the matched route (`Routes`), never from the path text.
enum PathCheck {
    static let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/".utf8)

    static func check(_ request: Request) throws {
        let target = request.head.path ?? "/"
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? target
        if let problem = problem(with: path) {
            throw APIError(.badRequest, "non_canonical_path", "the path \(problem); write it as the API documents it, e.g. /api/v1/bots",
                           details: ["path": String(path.prefix(200))])
        }
    }

    /// Why `path` is not canonical, nil when it is.
    static func problem(with path: String) -> String? {
        guard path.hasPrefix("/") else { return "does not start with /" }
        if path == "/" { return nil }
        guard path.utf8.allSatisfy({ allowed.contains($0) }) else {
            return path.contains("%") ? "has a percent escape" : "has a character outside the path alphabet"
        }
        if path.hasSuffix("/") { return "ends with /" }
        for segment in path.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty { return "has an empty segment (//)" }
            if segment == "." || segment == ".." { return "has a \(segment) segment" }
        }
        return nil
    }
}
