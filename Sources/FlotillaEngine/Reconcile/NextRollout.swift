import FlotillaSpec
import FlotillaTrading

/// The reconciler's decision for one bot, as a pure function: from the bot's persisted rollout
/// (its envelope, nil before the first), what is desired and what was observed, the next envelope
/// and the actions to carry out. No instance, store or clock is touched; the fleet carries the
/// actions out and commits (`Fleet.carryOut`).
///
/// In order of precedence:
/// - `rollout undo` to an earlier revision abandons the rollout in flight and switches to the
///   target on the fast path; the desired state is pinned to it (`pin`).
/// - A new desired revision abandons the rollout in flight (back to stable) and starts one of the
///   new revision, from what serves now.
/// - Otherwise the rollout steps on the observation (commands, health, a judged analysis).
/// - A bot with no rollout yet starts its first, its whole capital in the reserve.
///
/// Then an in-place capital change moves the difference into the reserve, and an analysis an
/// action asks for is opened (its window starts when the batch is carried out).
struct NextRollout {
    /// What the reconciler wants the bot to be.
    struct Desired {
        var revision: Int
        var spec: ResolvedBot
        /// The bot's capital as exact money.
        var capital: Fixed
    }

    var envelope: RolloutEnvelope
    var actions: [RolloutAction]
    /// `rollout undo`: the revision the desired state is pinned to.
    var pin: Int? = nil

    static func decide(_ envelope: RolloutEnvelope?, desired: Desired, undoTo: Int?, observation: RolloutObservation) -> NextRollout {
        let now = observation.now
        var actions: [RolloutAction] = []
        var pin: Int?
        var next: RolloutEnvelope
        if let target = undoTo, var current = envelope {
            let serving = current.rollout.phase == .completed ? current.rollout.core.candidate : (current.rollout.core.stable ?? current.rollout.core.candidate)
            actions += current.rollout.supersede(by: target, now: now)
            var undo = Rollout.undo(bot: desired.spec.name, current: serving, to: target)
            actions += undo.start(now: now)
            current.rollout = undo
            current.analysis = nil
            next = current
            pin = target
        } else if var current = envelope, current.rollout.core.candidate != desired.revision {
            let stable = current.rollout.phase == .completed ? current.rollout.core.candidate : current.rollout.core.stable
            actions += current.rollout.supersede(by: desired.revision, now: now)
            var rollout = Rollout(bot: desired.spec, stable: stable, candidate: desired.revision)
            actions += rollout.start(now: now)
            current.rollout = rollout
            current.analysis = nil
            next = current
        } else if var current = envelope {
            // A judged analysis is done with: its result is in the observation.
            if observation.analysis != nil { current.analysis = nil }
            actions += current.rollout.step(observation)
            next = current
        } else {
            var first = Rollout(bot: desired.spec, stable: nil, candidate: desired.revision)
            actions += first.start(now: now)
            next = RolloutEnvelope(rollout: first, reserve: desired.capital, analysis: nil)
        }
        if let accounted = next.capital, accounted != desired.capital {
            next.ledger.capitalChanged(from: accounted, to: desired.capital)
            actions.append(.event(kind: "CapitalChanged", message: "capital \(accounted) → \(desired.capital) (in place)"))
        }
        next.capital = desired.capital
        for action in actions {
            if case .runAnalysis(let template, let candidate, let baseline) = action {
                next.analysis = .init(template: template, candidate: candidate, baseline: baseline, startedAt: now, window: nil)
            }
        }
        return NextRollout(envelope: next, actions: actions, pin: pin)
    }

    /// Whether the analysis the envelope measures is due to be judged at `now` (the fleet judges
    /// it on the instances before deciding): only while the rollout steps on — not when an undo or
    /// a new revision replaces it.
    static func analysisDue(_ envelope: RolloutEnvelope?, desiredRevision: Int, undoTo: Int?, now: Int64, window: Int64)
        -> RolloutEnvelope.PendingAnalysis?
    {
        guard undoTo == nil, let envelope, envelope.rollout.core.candidate == desiredRevision, let pending = envelope.analysis,
              now - pending.startedAt >= window
        else { return nil }
        return pending
    }
}
