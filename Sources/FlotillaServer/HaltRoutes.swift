import FlotillaAPI
import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import Hummingbird

/// The fleet kill switch over HTTP: `POST /api/v1/halt` and `POST /api/v1/resume-all`, through
/// `FleetHaltControls` as `flotilla halt` / `resume-all` on this machine. Operator role, audited
/// and origin-checked by the request gate like every other change.
enum HaltRoutes {
    /// The body of `POST /api/v1/halt`, every field optional.
    struct Halt: StrictBody {
        var reduceOnly: Bool?
        var selector: [String: String]?
        var reason: String?
        enum CodingKeys: String, CodingKey, CaseIterable { case reduceOnly, selector, reason }
        static let usage = #"{"reduceOnly": true, "selector": {"team": "alpha"}, "reason": "..."}; every field is optional (no selector: every bot)"#
        static let empty: Halt? = Halt()
    }

    /// The body of `POST /api/v1/resume-all`, optional.
    struct Resume: StrictBody {
        var selector: [String: String]?
        enum CodingKeys: String, CodingKey, CaseIterable { case selector }
        static let usage = #"{"selector": {"team": "alpha"}} or nothing to lift every halt"#
        static let empty: Resume? = Resume()
    }

    static func add(to router: Router<FlotillaRequestContext>, server: ServerContext, invalidate: @escaping @Sendable () -> Void) {
        let store = server.store
        router.on(Routes.halt, server: server) { request, context in
            let body = try await request.decode(as: Halt.self, context: context)
            let controls = FleetHaltControls(store: store, requestedBy: context.principal?.name ?? "anonymous")
            let result = try controls.halt(FleetHaltRequest(mode: body.reduceOnly == true ? .reduceOnly : .halt, selector: body.selector ?? [:], reason: body.reason))
            invalidate()
            return try JSON.response(result, status: .accepted)
        }
        router.on(Routes.resumeAll, server: server) { request, context in
            let body = try await request.decode(as: Resume.self, context: context)
            let controls = FleetHaltControls(store: store, requestedBy: context.principal?.name ?? "anonymous")
            let result = try controls.resumeAll(selector: body.selector ?? [:])
            invalidate()
            return try JSON.response(result, status: .accepted)
        }
    }
}
