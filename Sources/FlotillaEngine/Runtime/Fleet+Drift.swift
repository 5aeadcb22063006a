import FlotillaSpec
import FlotillaStore
import Foundation

/// Drift and suspend, in a reconcile pass.
///
/// Drift is a runtime change made outside the files: a bot paused or stopped through the CLI or the
/// API. The files declare every bot running, so a control other than `running` is drift. With
/// `spec.drift: correct` the reconciler sets it back to running (a `DriftCorrected` event); with
/// `report` (the default) it is only shown (`plan`, `status`). A suspended bot is never corrected.
extension Fleet {
    /// The control this pass acts on for `spec`'s bot: `control`, or running again when the bot
    /// corrects drift.
    func correctingDrift(bot: String, spec: ResolvedBot, control: BotControl, revision: Int) -> BotControl {
        guard control != .running, spec.deploy.driftPolicy == .correct, !spec.deploy.isSuspended else { return control }
        do {
            try store.setBotControl(bot: bot, to: .running)
        } catch {
            logger.error("could not correct drift", metadata: ["bot.name": "\(bot)", "error": "\(error)"])
            return control
        }
        let message = "\(control.rawValue) outside the files; set back to running (spec.drift: correct)"
        logger.notice("drift corrected", metadata: ["bot.name": "\(bot)", "control": "\(control.rawValue)"])
        writes.recordEvent(bot: bot, kind: "DriftCorrected", revision: revision, message: message)
        return .running
    }
}
