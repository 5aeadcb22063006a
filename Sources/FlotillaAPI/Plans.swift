import FlotillaPlan
import Foundation

/// Plans and profile switches: plan first (kept in the store under an id), then apply that plan by
/// id — refused when the state or the files it read moved since, as a saved plan is.
/// What planning returns: the plan, and the id to apply it by (the CLI decodes it too).
public struct PlanRun: Codable, Sendable {
    public var id: String
    public var source: String
    public var plan: Plan
    /// Files a profile switch will edit when applied.
    public var edits: [String]?

    public init(id: String, source: String, plan: Plan, edits: [String]? = nil) {
        self.id = id
        self.source = source
        self.plan = plan
        self.edits = edits
    }
}

/// What applying a plan by id returns.
public struct AppliedPlan: Codable, Sendable {
    public var id: String
    public var serial: Int
    public var revisions: [String: Int]
    public var summary: Plan.Summary
    /// Where a profile switch backed up the files it edited.
    public var backups: String?

    public init(id: String, serial: Int, revisions: [String: Int], summary: Plan.Summary, backups: String?) {
        self.id = id
        self.serial = serial
        self.revisions = revisions
        self.summary = summary
        self.backups = backups
    }
}
