import FlotillaSpec
import Foundation

/// Renders a plan the way Terraform does: `+` create, `~` update in place, `-/+` replace, `-`
/// delete, field diffs `old → new`, a risk line, and the closing `Plan: …` or `No changes.` line.
public enum PlanText {
    public static func render(_ plan: Plan) -> String {
        var out = ""
        out.reserveCapacity(plan.changes.count * 600 + 512)
        if !plan.hasChanges {
            out += "No changes. The state (serial \(plan.stateSerial)) matches the files"
            out += plan.unchanged > 0 ? " for \(plan.unchanged) bot\(plan.unchanged == 1 ? "" : "s").\n" : ".\n"
            appendOrphans(plan, to: &out)
            return out
        }
        out += "Flotilla will perform the following actions (state serial \(plan.stateSerial)):\n"
        // Each bot's block is independent: render them in chunks on every core, then join.
        let changes = plan.changes
        let chunk = 256
        let chunks = (changes.count + chunk - 1) / chunk
        let texts = Slots<String>(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var text = ""
            text.reserveCapacity(chunk * 1200)
            for change in changes[(c * chunk)..<min(changes.count, (c + 1) * chunk)] {
                text += "\n"
                append(change, to: &text)
            }
            texts.set(c, text)
        }
        for text in texts.values() { out += text }
        appendOrphans(plan, to: &out)
        out += "\n"
        out += riskLine(plan.risk)
        out += "\n"
        if let accounts = plan.risk.accounts { out += accountLines(accounts) }
        for warning in plan.risk.policyWarnings ?? [] { out += "Warning: \(warning)\n" }
        out += "\n"
        let realMoney = plan.realMoneyBots
        if !realMoney.isEmpty {
            let shown = realMoney.prefix(10).joined(separator: ", ") + (realMoney.count > 10 ? " and \(realMoney.count - 10) more" : "")
            out += "REAL MONEY: \(realMoney.count) bot\(realMoney.count == 1 ? "" : "s") in this plan will trade real money on a live exchange account: \(shown).\n\n"
        }
        let s = plan.summary
        out += "Plan: \(s.add) to add, \(s.change) to change, \(s.replace) to replace, \(s.delete) to delete.\n"
        return out
    }

    static func append(_ change: BotChange, to out: inout String) {
        let name = change.name
        let strategy = change.deployStrategy
        switch change.action {
        case .create:
            out += "  # bot \"\(name)\" will be created at revision 1 (deploy: \(strategy))\n"
            if let bot = change.desired, let line = moneyLine(bot) { out += line }
            out += "  + bot \"\(name)\" {\n"
            appendCreatedFields(change, to: &out)
        case .update:
            out += "  # bot \"\(name)\" will be updated in place (revision \(change.revisionBefore ?? 0) keeps running)\n"
            if let bot = change.desired, let line = moneyLine(bot) { out += line }
            out += "  ~ bot \"\(name)\" {\n"
            for field in change.fields { appendDiff(field, marker: "~", to: &out) }
        case .replace:
            out += "  # bot \"\(name)\" will get a new revision (now \(change.revisionBefore ?? 0)), rolled out with \(strategy)\n"
            if let bot = change.desired, let line = moneyLine(bot) { out += line }
            out += "-/+ bot \"\(name)\" {\n"
            for field in change.fields { appendDiff(field, marker: "~", to: &out) }
        case .delete:
            out += "  # bot \"\(name)\" will be deleted: its instances stop (revision \(change.revisionBefore ?? 0))\n"
            out += "  - bot \"\(name)\" {\n"
            for field in change.fields where field.path.hasPrefix("spec.strategy") || field.path.hasPrefix("spec.market") || field.path == "spec.capital.quote" {
                out += "      - \(field.path) = \(field.old ?? "")\n"
            }
        }
        out += "    }\n"
    }

    /// A line under a bot's header saying which money its orders move, for bots on an exchange.
    static func moneyLine(_ bot: ResolvedBot) -> String? {
        let venue = bot.venue
        guard venue.kind.isExchange else { return nil }
        if venue.tradesRealMoney {
            return "  # REAL MONEY: orders go to \(venue.kind.rawValue) account \(venue.account) (mode live)\n"
        }
        return "  # play money: orders go to \(venue.kind.rawValue) account \(venue.account) (mode \(venue.mode?.rawValue ?? "unknown"))\n"
    }

    /// A created bot shows every field, except that settings it takes unchanged from its profile or
    /// the defaults are summarized in one line (`--json` lists them all).
    static func appendCreatedFields(_ change: BotChange, to out: inout String) {
        guard let bot = change.desired else { return }
        var inherited: [SettingKey] = []
        for field in change.fields {
            if let key = settingByPath[field.path], bot.sources[key] != .spec {
                inherited.append(key)
                continue
            }
            out += "      + "
            out += field.path
            out += " = "
            out += field.new ?? ""
            out += "\n"
        }
        if !inherited.isEmpty {
            out += "      # \(inherited.count) risk and runtime settings from profile \(bot.profile) and the defaults\n"
        }
    }

    private static let settingByPath: [String: SettingKey] = Dictionary(
        uniqueKeysWithValues: SettingKey.allCases.map { ("spec.\($0.path)", $0) })

    static func appendDiff(_ field: FieldDiff, marker: String, to out: inout String) {
        let note = field.forces == .replace ? "   # forces a new revision" : ""
        switch (field.old, field.new) {
        case (nil, let new?): out += "      + \(field.path) = \(new)\(note)\n"
        case (let old?, nil): out += "      - \(field.path) = \(old)\(note)\n"
        case (let old?, let new?): out += "      \(marker) \(field.path): \(old) → \(new)\(note)\n"
        case (nil, nil): break
        }
    }

    static func appendOrphans(_ plan: Plan, to out: inout String) {
        guard !plan.orphans.isEmpty else { return }
        out += "\nOrphaned (in the state, no longer in bots.d/; they keep running — plan with --prune to delete them):\n"
        for name in plan.orphans { out += "  ? bot \"\(name)\"\n" }
    }

    public static func riskLine(_ risk: RiskDelta) -> String {
        func pair(_ label: String, _ a: Decimal, _ b: Decimal) -> String {
            let before = money(a), after = money(b)
            return before == after ? "\(label) \(before)" : "\(label) \(before) → \(after)"
        }
        let parts = [
            pair("capital", risk.before.capital, risk.after.capital),
            pair("max exposure", risk.before.maxExposure, risk.after.maxExposure),
            pair("loss limits day", risk.before.dailyLossLimit, risk.after.dailyLossLimit),
            pair("week", risk.before.weeklyLossLimit, risk.after.weeklyLossLimit),
            pair("month", risk.before.monthlyLossLimit, risk.after.monthlyLossLimit),
        ]
        return "Risk: " + parts.joined(separator: " · ")
    }

    /// One line per account and asset: what its bots are allocated before → after, of what it
    /// holds (`Account paper/desk-a: USDT 3000.00 → 5000.00 of 10000.00`).
    public static func accountLines(_ accounts: [AccountAllocation]) -> String {
        var out = ""
        for a in accounts {
            let moved = a.before == a.after ? money(a.after) : "\(money(a.before)) → \(money(a.after))"
            let of = a.balance.map { " of \(money($0))" } ?? " (balance read from the venue)"
            let over = a.overAllocated ? " — OVER-ALLOCATED by \(money(a.after - a.balance!))" : ""
            out += "Account \(a.venue)/\(a.account): \(a.asset) \(moved) allocated\(of)\(over)\n"
        }
        return out
    }

    /// Two decimal places, exact rounding, no grouping: `1250.00`.
    static func money(_ value: Decimal) -> String {
        var v = value
        var rounded = Decimal()
        NSDecimalRound(&rounded, &v, 2, .plain)
        let text = rounded.canonicalText
        if let dot = text.firstIndex(of: ".") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            return decimals >= 2 ? text : text + String(repeating: "0", count: 2 - decimals)
        }
        return text + ".00"
    }
}
