import Foundation

/// Merges defaults ← profile ← spec, field by field, remembering where each value came from.
public enum Resolver {
    /// `account`: the `kind: Account` an exchange bot trades through (its mode and endpoint
    /// become part of the bot).
    public static func resolve(_ bot: BotSpec, profile: ProfileSpec, account: AccountSpec? = nil) -> ResolvedBot {
        var venue = bot.venue
        if venue.kind.isExchange, let account, account.venue == venue.kind {
            venue.mode = account.mode
            venue.endpoint = account.endpoint
            venue.credentials = account.credentials.mapValues(\.description)
        }
        var settings: [SettingKey: SettingValue] = [:]
        var sources: [SettingKey: SettingSource] = [:]
        for key in SettingKey.allCases {
            if let override = bot.overrides[key] {
                settings[key] = override.value
                sources[key] = .spec
            } else if let fromProfile = profile.settings[key] {
                settings[key] = fromProfile.value
                sources[key] = .profile(profile.name)
            } else {
                settings[key] = key.defaultValue
                sources[key] = .builtInDefault
            }
        }
        return ResolvedBot(
            name: bot.name, labels: bot.labels, profile: profile.name, venue: venue, market: bot.market,
            strategy: bot.strategy, capital: bot.capital, settings: settings, sources: sources, deploy: bot.deploy,
            file: bot.file)
    }

    /// Rules between settings that no single field's range can say. Each returns the key that is
    /// wrong and the message.
    static func crossCheck(_ value: (SettingKey) -> SettingValue) -> [(SettingKey, String)] {
        var problems: [(SettingKey, String)] = []
        func ordered(_ low: SettingKey, _ high: SettingKey) {
            let a = value(low), b = value(high)
            let wrong: Bool
            switch (a, b) {
            case (.number(let x), .number(let y)): wrong = x > y
            case (.duration(let x), .duration(let y)): wrong = x > y
            default: wrong = false
            }
            if wrong {
                problems.append((low, "\(low.rawValue) (\(a)) must not be larger than \(high.rawValue) (\(b))"))
            }
        }
        ordered(.dailyLossLimitPct, .weeklyLossLimitPct)
        ordered(.weeklyLossLimitPct, .monthlyLossLimitPct)
        ordered(.retryInitialDelay, .retryMaxDelay)
        return problems
    }
}
