import FlotillaAPI
import FlotillaEngine
import FlotillaPlan
import FlotillaSpec
import FlotillaStore
import Foundation
import Hummingbird

enum PlanRoutes {

    /// The body of a profile switch: which bots.
    struct Scope: StrictBody {
        var selector: [String: String]?
        var targets: [String]?
        var prune: Bool?
        enum CodingKeys: String, CodingKey, CaseIterable { case selector, targets, prune }
        static let usage = #"{"selector": {"team": "alpha"}, "targets": ["bot-name"]} or nothing to switch every bot"#
        static let empty: Scope? = Scope()

        func options() throws -> PlanOptions {
            for target in targets ?? [] where Name.problem(with: target) != nil {
                throw APIError.badRequest("targets: \"\(target.prefix(70))\" is not a bot name")
            }
            return PlanOptions(prune: prune ?? false, selector: selector ?? [:], targets: targets ?? [])
        }
    }

    /// The body of `POST /api/v1/plans`, every field optional.
    struct Posted: StrictBody {
        var files: [String: String]?
        var selector: [String: String]?
        var targets: [String]?
        var prune: Bool?
        enum CodingKeys: String, CodingKey, CaseIterable { case files, selector, targets, prune }
        static let usage = #"{"files": {"bots.d/NAME.yaml": "<yaml>", "profiles/NAME.yaml": "<yaml>"}, "selector": {}, "targets": [], "prune": false}; every field is optional (no files: plan the project's files)"#
        static let empty: Posted? = Posted()
    }

    static func add(to router: Router<FlotillaRequestContext>, server: ServerContext, invalidate: @escaping @Sendable () -> Void) {
        let store = server.store
        router.on(Routes.planCreate, server: server) { request, context in
            let posted = try await request.decode(as: Posted.self, context: context)
            let options = try Scope(selector: posted.selector, targets: posted.targets, prune: posted.prune).options()
            let specs: SpecSet
            do {
                if let files = posted.files {
                    for name in files.keys where !(name.hasPrefix("bots.d/") || name.hasPrefix("profiles/")) || name.contains("..") {
                        if name.hasPrefix("accounts/") {
                            throw APIError.badRequest("file \"\(name.prefix(100))\": accounts are read from the server's accounts/ directory only (they name credentials); post bots.d/ and profiles/ files")
                        }
                        throw APIError.badRequest("file \"\(name.prefix(100))\": name posted files bots.d/NAME.yaml or profiles/NAME.yaml")
                    }
                    // Posted specs replay the server's project files under the same rule as its own,
                    // and trade through the server's own accounts.
                    specs = try SpecLoader.load(sources: files.map { SpecSource(name: $0.key, text: $0.value, kind: $0.key.hasPrefix("profiles/") ? .profile : .bot) },
                                                replayCheck: server.layout.replayCheck, accountsOf: server.layout)
                } else {
                    specs = try SpecLoader.load(server.layout)
                }
            } catch let failure as ValidationFailure {
                throw invalidSpecs(failure)
            }
            let plan = try Project.plan(specs: specs, store: store, options: options)
            let source: StoredPlan.Source = posted.files == nil ? .project : .posted
            let id = try store.savePlan(source: source, principal: context.principal?.name ?? "anonymous", planJSON: try planJSON(plan))
            return try JSON.response(PlanRun(id: id, source: source.rawValue, plan: plan), status: .created)
        }
        router.on(Routes.plan, server: server) { _, context in
            struct Shown: Encodable {
                var id: String
                var source: String
                var createdAt: Date
                var principal: String
                var appliedAt: Date?
                var appliedSerial: Int?
                var stale: [String]
                var plan: Plan
                var edits: [String]?
            }
            let (stored, plan) = try load(context, store)
            let stale = stored.appliedAt != nil ? [] : try Project.staleReasons(plan, checkFiles: stored.source != .posted, layout: server.layout, store: store)
            return try JSON.response(Shown(id: stored.id, source: stored.source.rawValue, createdAt: stored.createdAt, principal: stored.principal,
                                           appliedAt: stored.appliedAt, appliedSerial: stored.appliedSerial, stale: stale, plan: plan,
                                           edits: stored.edits.map { $0.keys.sorted() }))
        }
        router.on(Routes.planApply, server: server) { _, context in
            let (stored, plan) = try load(context, store)
            if let at = stored.appliedAt {
                throw APIError(.conflict, "already_applied", "plan \(stored.id) was applied at \(ISO8601DateFormatter().string(from: at)) (state serial \(stored.appliedSerial ?? 0)); plan again")
            }
            let (result, backups) = try Project.withApplyLock(store, operation: "POST /api/v1/plans/\(stored.id)/apply", timeout: 10) { lock in
                do {
                    if let edits = stored.edits, plan.hasChanges {
                        let root = server.layout.displayBase ?? server.layout.bots.deletingLastPathComponent()
                        return try Project.applyProfileSwitch(plan, edits: edits, layout: server.layout, root: root, store: store, lock: lock)
                    }
                    return (try Project.applyIfCurrent(plan, path: "plan \(stored.id)", checkFiles: stored.source != .posted, layout: server.layout,
                                                       store: store, lock: lock), nil)
                } catch SavedPlan.Problem.stale(_, let stale) {
                    throw APIError(.conflict, "stale_plan", "plan \(stored.id) is stale; nothing was changed. Plan again, review it, then apply it.",
                                   details: Dictionary(uniqueKeysWithValues: stale.enumerated().map { ("\($0.offset)", $0.element) }))
                }
            }
            _ = try store.markPlanApplied(id: stored.id, serial: result.serial)
            invalidate()
            return try JSON.response(AppliedPlan(id: stored.id, serial: result.serial, revisions: result.revisions, summary: plan.summary, backups: backups?.path))
        }
        router.on(Routes.profileSwitch, server: server) { request, context in
            let name = try context.parameters.require("name")
            guard Name.problem(with: name) == nil else { throw APIError.badRequest("\"\(name.prefix(70))\" is not a profile name") }
            let scope = try await request.decode(as: Scope.self, context: context)
            let switched: ProfileSwitch
            do {
                switched = try Project.planProfileSwitch(to: name, layout: server.layout, store: store, options: try scope.options())
            } catch let failure as ValidationFailure {
                throw invalidSpecs(failure)
            } catch let problem as ProfileSwitchProblem {
                if case .unknownProfile = problem { throw APIError.notFound(problem.description) }
                throw APIError(.unprocessableContent, "cannot_edit", problem.description)
            }
            let id = try store.savePlan(source: .profileSwitch, principal: context.principal?.name ?? "anonymous",
                                        planJSON: try planJSON(switched.plan), edits: switched.edits)
            return try JSON.response(PlanRun(id: id, source: StoredPlan.Source.profileSwitch.rawValue, plan: switched.plan,
                                             edits: switched.edits.keys.sorted()), status: .created)
        }
    }

    static func invalidSpecs(_ failure: ValidationFailure) -> APIError {
        APIError(.unprocessableContent, "invalid_specs", "\(failure.diagnostics.count) problem(s); nothing was planned",
                 details: Dictionary(failure.diagnostics.prefix(50).enumerated().map { ("\($0.offset)", $0.element.description) }) { a, _ in a })
    }

    static func planJSON(_ plan: Plan) throws -> String { String(decoding: try JSON.encoder.encode(plan), as: UTF8.self) }

    private static func load(_ context: FlotillaRequestContext, _ store: StateStore) throws -> (StoredPlan, Plan) {
        let id = try context.parameters.require("id")
        guard id.count <= 40, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else { throw APIError.badRequest("\"\(id.prefix(40))\" is not a plan id") }
        guard let stored = try store.plan(id: id) else { throw APIError.notFound("no plan \"\(id)\"; plans are kept until 200 newer ones exist") }
        let plan = try JSONDecoder.iso8601.decode(Plan.self, from: Data(stored.planJSON.utf8))
        return (stored, plan)
    }
}

extension JSONDecoder {
    static var iso8601: JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}
