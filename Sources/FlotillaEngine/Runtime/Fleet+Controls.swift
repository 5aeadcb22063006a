import FlotillaSpec
import FlotillaStore

/// What a person asked of a bot's rollout this pass, once its controls are applied.
struct BotRequests: Equatable {
    /// The last rollout command (promote, abort, retry …), if any.
    var command: RolloutCommand?
    /// `rollout undo`: the revision to go back to.
    var undoTo: Int?
}

extension Fleet {
    /// Applies a bot's run control (running, paused, stopped) and its commands that act on
    /// instances (restart, resume, reset-errors); returns what is left for its rollout, or nil when
    /// the bot is stopped — then nothing else happens to it this pass.
    func applyControls(bot: String, control: BotControl, commands: [PendingCommand], nowMs: Int64) async throws -> BotRequests? {
        var mine = instances.of(bot)
        if control != .stopped, commands.contains(where: { $0.command == .restart }) {
            mine = try await restart(bot: bot, nowMs: nowMs)
        }
        switch control {
        case .stopped:
            for i in mine {
                guard await i.phase != .stopped else { continue }
                writes.saveInstance(await i.stop(reason: "stopped by a person"))
            }
            return nil
        case .paused:
            for i in mine {
                if await i.phase == .running { await i.setPhase(.paused, reason: "paused by a person") }
            }
        case .running:
            for i in mine {
                let phase = await i.phase, reason = await i.reason
                // Resume what a person paused or stopped; an auto-pause (venue errors) waits for
                // `bot resume` or `bot reset-errors`.
                if (phase == .paused && reason == "paused by a person") || (phase == .stopped && reason == "stopped by a person") {
                    await i.setPhase(.running)
                }
            }
        }

        var requests = BotRequests()
        for c in commands {
            switch c.command {
            case .undo: requests.undoTo = c.argument
            case .restart: break  // carried out above, before the controls
            case .resume:
                // Also resumes an instance that paused itself after venue errors.
                for i in mine where await i.phase == .paused && control == .running { await i.setPhase(.running) }
            case .resetErrors:
                for i in mine {
                    if let lifted = await i.resetErrors() {
                        // Persisted with the pass: a restart before the next candle must not bring the halt back.
                        let (state, fills) = await i.snapshot()
                        writes.saveInstance(state, newFills: fills.map { (clientOrderId: $0.0, time: $0.1, json: $0.2) })
                        writes.recordEvent(bot: bot, kind: "EmergencyStopReset", revision: i.revision, message: "\(i.id): reset by a person (\(lifted))")
                    }
                }
                writes.recordEvent(bot: bot, kind: "ErrorsReset", message: "venue errors, circuit breaker and retry backoff reset by a person")
            case .promote: requests.command = .promote
            case .promoteFull: requests.command = .promoteFull
            case .abort: requests.command = .abort
            case .retry: requests.command = .retry
            }
        }
        return requests
    }
}
