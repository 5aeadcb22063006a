import FlotillaAPI
import FlotillaStore
import Foundation
import Hummingbird

/// `/healthz` (alive, loops ticking, recovery finished within `recoveryBound` of the start) and `/readyz` (store open, migrations done, recovery finished,
/// reconciler passed recently, venues reachable), each listing its components.
enum Health {
    struct Component: Encodable {
        var status: String
        var detail: String
    }
    struct Report: Encodable {
        var status: String
        var uptimeSeconds: Double
        var components: [String: Component]
    }

    static func liveness(_ server: ServerContext) async throws -> Response {
        var components: [String: Component] = ["process": Component(status: "ok", detail: "pid \(getpid())")]
        if let fleet = server.fleet {
            let age = fleet.progress.secondsSinceLastPass ?? .infinity
            let recovered = fleet.progress.recovered
            if recovered {
                components["reconciler"] = Component(status: age < server.reconcilerStallBound ? "ok" : "stalled", detail: String(format: "last pass %.2f s ago", age))
            } else {
                // Recovery that does not finish is not alive: past the bound, a supervisor should restart it.
                let waited = Date().timeIntervalSince(server.startedAt)
                components["reconciler"] = waited <= server.recoveryBound
                    ? Component(status: "ok", detail: "recovering")
                    : Component(status: "stuck", detail: String(format: "recovery has not finished %.0f s after start (bound %.0f s)", waited, server.recoveryBound))
            }
        }
        return try report(components, server)
    }

    static func readiness(_ server: ServerContext) async throws -> Response {
        var components: [String: Component] = [:]
        do {
            let migrations = try server.store.appliedMigrations()
            components["store"] = Component(status: "ok", detail: "serial \(try server.store.stateSerial())")
            components["migrations"] = Component(
                status: try server.store.migrationsComplete() ? "ok" : "pending", detail: migrations.joined(separator: ", "))
        } catch {
            components["store"] = Component(status: "down", detail: "\(error)")
        }
        if let fleet = server.fleet {
            let recovered = fleet.progress.recovered
            components["recovery"] = Component(status: recovered ? "ok" : "pending", detail: recovered ? "finished" : "restoring instances")
            let age = fleet.progress.secondsSinceLastPass ?? .infinity
            components["reconciler"] = Component(status: age < server.reconcilerFreshness ? "ok" : "stale", detail: age.isFinite ? String(format: "last pass %.2f s ago", age) : "no pass yet")
            // One bot's failure is that bot's: the fleet stays ready (the other bots run) and the
            // degraded bots are listed with their reasons.
            let degraded = fleet.degradedBots.bots
            components["bots"] = Component(
                status: "ok",
                detail: degraded.isEmpty ? "no bot degraded"
                    : "\(degraded.count) degraded: " + degraded.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value.reason.prefix(200)))" }.joined(separator: "; "))
        } else {
            components["reconciler"] = Component(status: "down", detail: "no fleet runs in this process")
        }
        components["venue.paper"] = Component(status: "ok", detail: "in-process")
        return try report(components, server)
    }

    static func report(_ components: [String: Component], _ server: ServerContext) throws -> Response {
        let ok = components.values.allSatisfy { $0.status == "ok" }
        return try JSON.response(
            Report(status: ok ? "ok" : "unavailable", uptimeSeconds: Date().timeIntervalSince(server.startedAt), components: components),
            status: ok ? .ok : .serviceUnavailable)
    }
}
