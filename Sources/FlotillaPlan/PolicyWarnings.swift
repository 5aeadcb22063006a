import FlotillaSpec
import Foundation

/// The rules of `fleet-policy.yaml` that the bots' allocations alone could breach: every bot on a
/// rule's symbol (or asset, within one quote) at its profile's largest position — capital ×
/// maxPositionPct × maxLeverage — summed past the rule's `maxNotional`. A warning, not an error:
/// the rule still refuses the order that would pass it at runtime.
enum PolicyWarnings {
    static func find(_ policy: FleetPolicySpec, bots: [ResolvedBot]) -> [String] {
        var out: [String] = []
        for rule in policy.exposure {
            guard let max = rule.maxNotional else { continue }
            // quote → (bot, its largest position)
            var held: [String: [(bot: String, most: Decimal)]] = [:]
            for bot in bots where rule.account == nil || rule.account == bot.venue.account {
                let symbols = bot.market.symbols.filter {
                    switch rule.subject {
                    case .symbol(let s): $0 == s
                    case .asset(let a): $0.hasPrefix(a + "-")
                    }
                }
                for symbol in symbols {
                    guard let quote = symbol.split(separator: "-").last.map(String.init) else { continue }
                    let most = bot.capital.quote * bot.number(.maxPositionPct) * bot.number(.maxLeverage) / 100
                    held[quote, default: []].append((bot.name, most))
                }
            }
            for (quote, list) in held.sorted(by: { $0.key < $1.key }) {
                let total = list.reduce(Decimal(0)) { $0 + $1.most }
                guard total > max else { continue }
                let ranked = list.sorted { ($0.most, $1.bot) > ($1.most, $0.bot) }
                var names = ranked.prefix(5).map { "\($0.bot) \($0.most.canonicalText)" }.joined(separator: ", ")
                if ranked.count > 5 { names += " and \(ranked.count - 5) more" }
                let place = rule.account.map { "on account \($0)" } ?? "fleet-wide"
                out.append("\(policy.file) \(rule.path) (\(rule.subject) \(place), maxNotional \(max.canonicalText)): the bots' allocations alone could reach \(total.canonicalText) \(quote) at their largest positions (\(names)); entries past the limit will be refused")
            }
        }
        return out
    }
}
