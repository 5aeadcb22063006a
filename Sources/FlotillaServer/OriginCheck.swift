import FlotillaAPI
import Foundation
import HTTPTypes
import Hummingbird

/// Cross-site request forgery: a page elsewhere can make the browser send a "simple" POST (a form,
/// `text/plain`) to this server. Browsers label such requests: `Origin` names the page's origin
/// and `Sec-Fetch-Site` says `cross-site` or `same-site`. A mutating call (anything but GET and
/// HEAD) whose `Origin` is not this server's own origin, or whose `Sec-Fetch-Site` is not
/// `same-origin` or `none`, is refused 403 before authentication. The server sends no CORS headers,
/// so a cross-origin page cannot read any answer either.
enum OriginCheck {
    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    static func check(_ request: Request) throws {
        guard request.method != .get && request.method != .head else { return }
        if let origin = request.headers[.origin] {
            let own = request.head.authority.map { ["http://\($0)", "https://\($0)"].map { $0.lowercased() } } ?? []
            guard own.contains(origin.lowercased()) else { throw refused("requests from \(origin.prefix(100))") }
        }
        if let site = request.headers[secFetchSite]?.lowercased(), site != "same-origin", site != "none" {
            throw refused("\(site.prefix(20)) requests")
        }
    }

    private static func refused(_ what: String) -> APIError {
        APIError(.forbidden, "cross_origin", "\(what) may not change anything here: call the API from its own origin, the CLI or curl")
    }
}
