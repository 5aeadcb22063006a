import FlotillaSpec
import Foundation

/// Computes plans. Pure: the same desired and actual values always give the same plan.
public enum Planner {
    /// - Parameters:
    ///   - desired: the resolved bots from the files.
    ///   - actual: the bots in the state store; `spec` must be decoded wherever its hash differs
    ///     from the desired bot's (or the bot is not desired at all).
    public static func plan(
        desired: [ResolvedBot], actual: [AppliedBot], stateSerial: Int, inputs: [String: String] = [:],
        options: PlanOptions = PlanOptions(), accounts: [String: AccountSpec] = [:], policy: FleetPolicySpec? = nil
    ) -> Plan {
        var actualByName: [String: AppliedBot] = [:]
        actualByName.reserveCapacity(actual.count)
        for bot in actual { actualByName[bot.name] = bot }
        var desiredNames = Set<String>()
        desiredNames.reserveCapacity(desired.count)

        // Decide what each bot needs first (cheap), then build the field diffs of the changed
        // ones on every core: that is where planning spends its time at 10,000 bots.
        var pending: [(old: ResolvedBot?, current: AppliedBot?, new: ResolvedBot)] = []
        var unchanged = 0
        var before = RiskDelta.Accumulator()
        var after = RiskDelta.Accumulator()
        for bot in desired {
            desiredNames.insert(bot.name)
            let current = actualByName[bot.name]
            guard options.includes(name: bot.name, labels: bot.labels) else {
                // Out of scope: counts as it stands today.
                if let current {
                    let spec = current.specHash == bot.specHash ? bot : (current.spec ?? bot)
                    before.add(spec, accounts: accounts)
                    after.add(spec, accounts: accounts)
                }
                continue
            }
            after.add(bot, accounts: accounts)
            guard let current else {
                pending.append((nil, nil, bot))
                continue
            }
            let specHash = bot.specHash
            if current.specHash == specHash {
                before.add(bot, accounts: accounts)
                unchanged += 1
                continue
            }
            let old = current.spec ?? bot
            before.add(old, accounts: accounts)
            pending.append((old, current, bot))
        }
        let work = pending
        let slots = Slots<BotChange>(count: work.count)
        DispatchQueue.concurrentPerform(iterations: (work.count + 63) / 64) { chunk in
            for i in (chunk * 64)..<min(work.count, chunk * 64 + 64) {
                let item = work[i]
                if let old = item.old, let current = item.current {
                    slots.set(i, changed(from: old, current: current, to: item.new, specHash: item.new.specHash))
                } else {
                    slots.set(i, created(item.new))
                }
            }
        }
        var changes = slots.values()

        var orphans: [String] = []
        for bot in actual where !desiredNames.contains(bot.name) {
            let inScope = options.includes(name: bot.name, labels: bot.spec?.labels)
            if let spec = bot.spec {
                before.add(spec, accounts: accounts)
                if !(inScope && options.prune) { after.add(spec, accounts: accounts) }
            }
            guard inScope else { continue }
            if options.prune {
                changes.append(BotChange(
                    name: bot.name, action: .delete, deployStrategy: bot.spec?.deploy.strategy.name.rawValue ?? "immediate",
                    fields: (bot.spec?.fields ?? []).map { FieldDiff(path: $0.path, old: $0.value, new: nil, forces: .replace) },
                    revisionBefore: bot.revision, revisionAfter: nil, specHashBefore: bot.specHash, specHashAfter: nil, desired: nil))
            } else {
                orphans.append(bot.name)
            }
        }
        changes.sort { $0.name < $1.name }
        var risk = RiskDelta()
        risk.before = before.totals
        risk.after = after.totals
        risk.accounts = RiskDelta.allocations(before: before, after: after, accounts: accounts)
        if let policy {
            // What runs after the plan: the desired bots, and the orphans it keeps.
            var running = desired
            if !options.prune { running += actual.filter { !desiredNames.contains($0.name) }.compactMap(\.spec) }
            let warnings = PolicyWarnings.find(policy, bots: running)
            risk.policyWarnings = warnings.isEmpty ? nil : warnings
        }
        return Plan(
            formatVersion: Plan.currentFormatVersion, stateSerial: stateSerial, inputs: inputs, options: options,
            changes: changes, orphans: orphans.sorted(), unchanged: unchanged, risk: risk)
    }

    static func created(_ bot: ResolvedBot) -> BotChange {
        BotChange(
            name: bot.name, action: .create, deployStrategy: bot.deploy.strategy.name.rawValue,
            fields: bot.fields.map { FieldDiff(path: $0.path, old: nil, new: $0.value, forces: $0.kind) },
            revisionBefore: nil, revisionAfter: 1, specHashBefore: nil, specHashAfter: bot.specHash, desired: bot)
    }

    static func changed(from old: ResolvedBot, current: AppliedBot, to new: ResolvedBot, specHash: String) -> BotChange {
        let diffs = diff(old.fields, new.fields)
        let replace = diffs.contains { $0.forces == .replace }
        return BotChange(
            name: new.name, action: replace ? .replace : .update, deployStrategy: new.deploy.strategy.name.rawValue,
            fields: diffs, revisionBefore: current.revision, revisionAfter: replace ? nil : current.revision,
            specHashBefore: current.specHash, specHashAfter: specHash, desired: new)
    }

    /// Field-level differences between two canonical field lists, in the new list's order with
    /// removed fields after.
    public static func diff(_ old: [SpecField], _ new: [SpecField]) -> [FieldDiff] {
        var oldValues: [String: String] = [:]
        for field in old { oldValues[field.path] = field.value }
        var seen = Set<String>()
        var diffs: [FieldDiff] = []
        for field in new {
            seen.insert(field.path)
            let before = oldValues[field.path]
            if before != field.value {
                diffs.append(FieldDiff(path: field.path, old: before, new: field.value, forces: field.kind))
            }
        }
        for field in old where !seen.contains(field.path) {
            diffs.append(FieldDiff(path: field.path, old: field.value, new: nil, forces: field.kind))
        }
        return diffs
    }
}
