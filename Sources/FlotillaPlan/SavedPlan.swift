import FlotillaSpec
import Foundation

/// Plans saved with `plan --out FILE` and applied with `apply FILE`.
public enum SavedPlan {
    public enum Problem: Error, Sendable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case stale(path: String, reasons: [String])

        public var description: String {
            switch self {
            case .unreadable(let path, let reason):
                return "\(path) is not a saved Flotilla plan: \(reason)"
            case .stale(let path, let reasons):
                return "Saved plan is stale: \(path) no longer matches what it was made against:\n"
                    + reasons.map { "  - \($0)" }.joined(separator: "\n")
                    + "\nRun flotilla plan --out \(path) again, review it, then apply it."
            }
        }
    }

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static func write(_ plan: Plan, to path: String) throws {
        let data = try encoder().encode(plan)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    public static func read(from path: String) throws(Problem) -> Plan {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "cannot read the file")
        }
        let plan: Plan
        do {
            plan = try JSONDecoder().decode(Plan.self, from: data)
        } catch {
            throw .unreadable(path: path, reason: "not valid plan JSON (\(error))")
        }
        guard plan.formatVersion == Plan.currentFormatVersion else {
            throw .unreadable(path: path, reason: "format version \(plan.formatVersion); this flotilla reads \(Plan.currentFormatVersion)")
        }
        for change in plan.changes {
            if let desired = change.desired, desired.specHash != change.specHashAfter {
                throw .unreadable(path: path, reason: "bot \(change.name)'s spec does not match its recorded hash (was the file edited?)")
            }
        }
        return plan
    }

    /// Why `plan` can no longer be applied as it is; empty when it can.
    public static func staleReasons(_ plan: Plan, stateSerial: Int, inputs: [String: String]) -> [String] {
        var reasons: [String] = []
        if stateSerial != plan.stateSerial {
            reasons.append("the state serial moved from \(plan.stateSerial) to \(stateSerial) (another apply ran since)")
        }
        for (file, hash) in plan.inputs.sorted(by: { $0.key < $1.key }) {
            switch inputs[file] {
            case nil: reasons.append("\(file) was removed")
            case let current? where current != hash: reasons.append("\(file) changed")
            default: break
            }
        }
        for file in inputs.keys.sorted() where plan.inputs[file] == nil {
            reasons.append("\(file) was added")
        }
        return reasons
    }
}
