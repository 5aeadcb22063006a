import FlotillaPlan
import FlotillaSpec
import FlotillaStore
import Foundation
import Logging
import ServiceLifecycle

/// GitOps: watches bots.d/ and profiles/; a saved valid edit is planned and applied (then the
/// reconciler rolls it out); an invalid edit is reported and changes nothing.
public struct SpecWatcher: Service {
    let layout: ProjectLayout
    let store: StateStore
    let interval: Duration
    let logger: Logger

    public init(layout: ProjectLayout, store: StateStore, interval: Duration = .seconds(1), logger: Logger) {
        self.layout = layout
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    /// Modification times and sizes of the spec files: cheap to read every second.
    static func fingerprint(_ layout: ProjectLayout) -> [String: String] {
        var out: [String: String] = [:]
        for dir in [layout.bots, layout.profiles] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            for name in names where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                let path = dir.path + "/" + name
                let attributes = try? FileManager.default.attributesOfItem(atPath: path)
                let modified = (attributes?[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
                out[path] = "\(modified):\(attributes?[.size] ?? 0)"
            }
        }
        return out
    }

    public func run() async throws {
        var last = Self.fingerprint(layout)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let current = Self.fingerprint(layout)
            guard current != last else { continue }
            last = current
            applyFiles(reason: "files changed")
        }
    }

    /// Plans the files and applies any change. Returns the plan, or nil when the files are invalid.
    @discardableResult
    public func applyFiles(reason: String) -> Plan? {
        do {
            let (plan, applied) = try Project.planAndApply(layout: layout, store: store, operation: "flotilla up (watch)")
            guard let result = applied else { return plan }
            let s = plan.summary
            let text = "\(reason): applied \(s.add) added, \(s.change) changed, \(s.replace) replaced (state serial \(result.serial))"
            logger.info("\(text)")  // the store recorded the Applied event with the apply
            return plan
        } catch let failure as ValidationFailure {
            let first = failure.diagnostics.prefix(5).map(\.description).joined(separator: "\n  ")
            logger.error("invalid edit; nothing changed:\n  \(first)")
            try? store.recordEvent(bot: nil, kind: "InvalidEdit", message: "nothing changed: " + (failure.diagnostics.first?.description ?? ""))
            return nil
        } catch {
            logger.error("could not apply the files: \(error)")
            try? store.recordEvent(bot: nil, kind: "ApplyFailed", message: "\(error)")
            return nil
        }
    }
}
