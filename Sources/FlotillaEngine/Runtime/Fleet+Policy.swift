import FlotillaSpec
import Foundation

extension Fleet {
    /// Follows the fleet policy at `file` (`fleet-policy.yaml` at the project's root): read now
    /// and on every pass after.
    public func follow(policy file: URL) {
        policyFile = file
        policyStamp = nil
        reloadPolicy()
        try? flush()
    }

    /// Follows `fleet-policy.yaml`: read again on each pass when its stamp changed. A valid file
    /// is in force from the instances' next candle; an invalid one changes nothing (the rules in
    /// force stand) and is an `InvalidEdit` event; a removed one lifts every rule.
    func reloadPolicy() {
        guard let file = policyFile else { return }
        let stamp = FileManager.default.fileExists(atPath: file.path) ? FileStamp(path: file.path) : nil
        guard stamp != policyStamp else { return }
        policyStamp = stamp
        switch FleetPolicyFile.load(file) {
        case nil:
            if book.isActive {
                try? book.setPolicy(nil)
                writes.recordEvent(bot: nil, kind: "PolicyApplied", message: "\(FleetPolicyFile.name) removed: no rules across bots")
            }
        case .success(let policy)?:
            do {
                try book.setPolicy(policy)
                writes.recordEvent(bot: nil, kind: "PolicyApplied",
                                   message: "\(FleetPolicyFile.name): \(policy.exposure.count) exposure rule(s), conflicts \(policy.conflicts.rawValue)\(policy.maxSymbolPctOfEquity.map { ", one symbol at most \($0.canonicalText)% of an account's equity" } ?? "")")
            } catch {
                writes.recordEvent(bot: nil, kind: "InvalidEdit", message: "\(FleetPolicyFile.name): nothing changed: \(error)")
            }
        case .failure(let failure)?:
            let first = failure.diagnostics.first?.description ?? "invalid"
            logger.error("\(FleetPolicyFile.name) is invalid; the rules in force stand: \(first)")
            writes.recordEvent(bot: nil, kind: "InvalidEdit", message: "\(FleetPolicyFile.name): nothing changed: \(first)")
        }
    }
}
