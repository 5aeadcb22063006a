import FlotillaSpec
import Foundation

/// A resolved spec as YAML, optionally with a comment on each setting saying where it came from.
enum SpecYAML {
    static func render(_ bot: ResolvedBot, revision: Int?, showSources: Bool) -> String {
        var out = "apiVersion: flotilla/v1\nkind: Bot\nmetadata:\n"
        out += "  name: \(bot.name)\n"
        if !bot.labels.isEmpty {
            out += "  labels:\n"
            for key in bot.labels.keys.sorted() { out += "    \(key): \(quoted(bot.labels[key]!))\n" }
        }
        if let revision { out += "  revision: \(revision)   # current revision in the state\n" }
        out += "spec:\n"
        out += "  profile: \(bot.profile)\n"
        if bot.deploy.isSuspended { out += "  suspend: true   # reconciliation frozen: no rollout steps, no reverts\n" }
        if bot.deploy.driftPolicy != .report { out += "  drift: \(bot.deploy.driftPolicy.rawValue)\n" }
        out += "  venue: { kind: \(bot.venue.kind.rawValue), account: \(bot.venue.account) }"
        if let mode = bot.venue.mode { out += "   # account mode \(mode.rawValue)\(bot.venue.tradesRealMoney ? ": REAL MONEY" : "")" }
        out += "\n"
        out += "  market:\n"
        if bot.market.symbols.count == 1 {
            out += "    symbol: \(bot.market.symbols[0])\n"
        } else {
            out += "    symbols: [\(bot.market.symbols.joined(separator: ", "))]\n"
        }
        out += "    interval: \(bot.market.interval)\n"
        out += "    source:\n"
        switch bot.market.source.feed {
        case .replay(let file): out += "      replay: \(quoted(file))\n"
        case .synthetic(let seed, let start, let vol, let drift):
            out += "      synthetic: { seed: \(seed), startPrice: \(start.canonicalText), volatilityPct: \(vol.canonicalText), driftPct: \(drift.canonicalText) }\n"
        case .live(let venue, let account):
            out += "      live: \(venue.rawValue)\n"
            if let account { out += "      account: \(quoted(account))\n" }
        }
        out += "      speed: \(bot.market.source.speed.canonicalText)\n"
        out += "  strategy:\n    kind: \(bot.strategy.kind.rawValue)\n    longOnly: \(bot.strategy.longOnly)\n    params:\n"
        for parameter in bot.strategy.kind.parameters {
            let value = bot.strategy.params[parameter.name] ?? parameter.defaultValue
            out += "      \(parameter.name): \(value.canonicalText)\n"
        }
        if let llm = bot.strategy.llm {
            out += "      endpoint: \(quoted(llm.endpoint))\n      model: \(quoted(llm.model))\n      timeout: \(llm.timeout)\n"
            if let template = llm.template { out += "      promptTemplate: \(template)\n" } else { out += "      prompt: \(quoted(llm.prompt).replacingOccurrences(of: "\n", with: "\\n"))\n" }
            if let key = llm.apiKey { out += "      apiKey: \(quoted(key))\n" }
        }
        out += "  capital: { quote: \(bot.capital.quote.canonicalText) }\n"
        for group in [SettingKey.Group.risk, .runtime] {
            out += "  \(group.rawValue):\n"
            let keys = SettingKey.keys(in: group)
            let width = keys.map { $0.rawValue.count + 2 + bot.setting($0).description.count }.max() ?? 0
            for key in keys {
                let value = bot.setting(key)
                let text = key == .timeZone ? quoted(value.description) : value.description
                var line = "    \(key.rawValue): \(text)"
                if showSources, let source = bot.sources[key] {
                    line = line.padding(toLength: width + 6, withPad: " ", startingAt: 0) + "# \(source)"
                }
                out += line + "\n"
            }
        }
        out += "  deploy:\n    strategy: \(bot.deploy.strategy.name.rawValue)\n"
        switch bot.deploy.strategy {
        case .immediate: break
        case .staged(let stages):
            out += "    staged:\n      stages:\n"
            for stage in stages {
                var parts = ["name: \(stage.name.rawValue)"]
                if let d = stage.duration { parts.append("duration: \(d)") }
                if let a = stage.analysis { parts.append("analysis: \(a)") }
                out += "        - { \(parts.joined(separator: ", ")) }\n"
            }
        case .canary(let steps):
            out += "    canary:\n      steps:\n"
            for step in steps { out += "        - \(step)\n" }
        case .blueGreen(let b):
            out += "    blueGreen:\n      previewDuration: \(b.previewDuration)\n"
            if let a = b.prePromotionAnalysis { out += "      prePromotionAnalysis: \(a)\n" }
            if let a = b.postPromotionAnalysis { out += "      postPromotionAnalysis: \(a)\n" }
            out += "      autoPromote: \(b.autoPromote)\n      scaleDownDelay: \(b.scaleDownDelay)\n"
        case .rolling(let r):
            out += "    rolling: { maxUnavailable: \(r.maxUnavailable), maxSurge: \(r.maxSurge), minHealthyTime: \(r.minHealthyTime) }\n"
        }
        out += "    progressDeadline: \(bot.deploy.progressDeadline)\n"
        out += "    autoRollback: \(bot.deploy.autoRollback)\n"
        out += "    revisionHistoryLimit: \(bot.deploy.revisionHistoryLimit)\n"
        if !bot.deploy.analysisTemplates.isEmpty {
            out += "    analysisTemplates:\n"
            for name in bot.deploy.analysisTemplates.keys.sorted() {
                let t = bot.deploy.analysisTemplates[name]!
                out += "      \(name):\n        minTrades: \(t.minTrades)\n        checks:\n"
                for c in t.checks {
                    var parts = ["metric: \(c.metric.rawValue)"]
                    if c.relativeToStable { parts.append("relativeToStable: true") }
                    if let m = c.min { parts.append("min: \(m.canonicalText)") }
                    if let m = c.max { parts.append("max: \(m.canonicalText)") }
                    out += "          - { \(parts.joined(separator: ", ")) }\n"
                }
            }
        }
        return out
    }

    /// Double-quotes text that YAML would otherwise read as something else.
    static func quoted(_ text: String) -> String {
        let plainSafe = !text.isEmpty && text.allSatisfy { $0.isLetter || $0.isNumber || "-_./".contains($0) }
            && Decimal.parseExactPublic(text) == nil && !["true", "false", "null", "yes", "no", "on", "off", "~"].contains(text.lowercased())
        if plainSafe { return text }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
