import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

@Suite("Resolution: defaults ← profile ← spec")
struct ResolutionTests {
    @Test("a spec value beats the profile's, the profile's beats the default, and each knows its source")
    func precedence() throws {
        let bot = try #require(try Fixtures.resolve(Fixtures.botYAML()).first)
        #expect(bot.setting(.maxPositionPct) == .number(25))
        #expect(bot.sources[.maxPositionPct] == .spec)
        #expect(bot.setting(.stopLossPct) == .number(2))
        #expect(bot.sources[.stopLossPct] == .profile("moderate"))
    }

    @Test("stopLossPct: 0 and takeProfitPct: 0 are valid (none); a negative one is an error naming the field")
    func zeroStopMeansNone() throws {
        let sources = try Fixtures.shippedProfiles() + [
            SpecSource(name: "bots.d/b.yaml", text: Fixtures.botYAML(["risk: { maxPositionPct: 25 }": "risk: { maxPositionPct: 25, stopLossPct: 0, takeProfitPct: 0 }"]), kind: .bot)
        ]
        let bot = try #require(try SpecLoader.load(sources: sources).bots.first)
        #expect(bot.setting(.stopLossPct) == .number(0))
        #expect(bot.setting(.takeProfitPct) == .number(0))
        let negative = SpecLoader.diagnose(
            bytes: Array(Fixtures.botYAML(["risk: { maxPositionPct: 25 }": "risk: { maxPositionPct: 25, takeProfitPct: -1 }"]).utf8), file: "bots.d/b.yaml", kind: .bot)
        #expect(negative.map(\.description).contains { $0.contains("spec.risk.takeProfitPct: must be from 0 to 100 (got -1)") }, "\(negative)")
    }

    @Test("a setting the profile leaves out comes from the built-in default")
    func defaultsFillGaps() throws {
        let profile = """
            apiVersion: flotilla/v1
            kind: Profile
            metadata: { name: tiny }
            spec: { risk: { stopLossPct: 1 } }
            """
        let sources = [
            SpecSource(name: "profiles/tiny.yaml", text: profile, kind: .profile),
            SpecSource(name: "bots.d/b.yaml", text: Fixtures.botYAML(["profile: moderate": "profile: tiny"]), kind: .bot),
        ]
        let bot = try #require(try SpecLoader.load(sources: sources).bots.first)
        #expect(bot.sources[.stopLossPct] == .profile("tiny"))
        #expect(bot.sources[.dailyLossLimitPct] == .builtInDefault)
        #expect(bot.setting(.dailyLossLimitPct) == .number(5))
        #expect(bot.setting(.circuitBreakerFailures) == .number(5))
        #expect(bot.setting(.retryMaxDelay) == .duration(.seconds(60)))
    }

    @Test("the shipped profiles differ in risk numbers: conservative is tighter, aggressive looser")
    func profilesOrdered() throws {
        let specs = try SpecLoader.load(sources: Fixtures.shippedProfiles())
        func value(_ profile: String, _ key: SettingKey) -> Decimal {
            specs.profiles[profile]!.settings[key]!.value.number!
        }
        for key in [SettingKey.maxPositionPct, .dailyLossLimitPct, .weeklyLossLimitPct, .monthlyLossLimitPct, .maxConcurrentTrades, .stopLossPct] {
            #expect(value("conservative", key) < value("moderate", key), "\(key)")
            #expect(value("moderate", key) < value("aggressive", key), "\(key)")
        }
        // moderate carries the seeds' defaults
        for key in SettingKey.allCases {
            #expect(specs.profiles["moderate"]!.settings[key]?.value == key.defaultValue, "\(key)")
        }
    }

    @Test("hashes are stable for equal content and change with any field")
    func hashing() throws {
        let a = try #require(try Fixtures.resolve(Fixtures.botYAML()).first)
        let b = try #require(try Fixtures.resolve(Fixtures.botYAML(), file: "bots.d/elsewhere.yaml").first)
        #expect(a.specHash == b.specHash, "the file name is not content")
        let relabeled = try #require(try Fixtures.resolve(Fixtures.botYAML(["team: alpha": "team: beta"])).first)
        #expect(relabeled.specHash != a.specHash)
        #expect(relabeled.revisionHash == a.revisionHash, "labels do not make a new revision")
        let retuned = try #require(try Fixtures.resolve(Fixtures.botYAML(["fast: 10": "fast: 11"])).first)
        #expect(retuned.revisionHash != a.revisionHash)
    }

    @Test("the resolved spec survives a JSON round trip exactly, decimals included")
    func jsonRoundTrip() throws {
        let bot = try #require(try Fixtures.resolve(Fixtures.botYAML(["quote: 1000": "quote: 1234.56789012", "maxPositionPct: 25": "maxPositionPct: 25.123456789012345"])).first)
        let data = try JSONEncoder().encode(bot)
        let back = try JSONDecoder().decode(ResolvedBot.self, from: data)
        #expect(back == bot)
        #expect(back.capital.quote.canonicalText == "1234.56789012")
        #expect(back.number(.maxPositionPct).canonicalText == "25.123456789012345")
        #expect(back.specHash == bot.specHash)
    }
}

@Suite("Durations")
struct TimeSpanTests {
    @Test("durations parse and print canonically", arguments: [
        ("30s", 30_000 as Int64, "30s"), ("5m", 300_000, "5m"), ("1h30m", 5_400_000, "1h30m"), ("90m", 5_400_000, "1h30m"),
        ("500ms", 500, "500ms"), ("2d", 172_800_000, "2d"), ("0s", 0, "0s"),
    ])
    func parse(_ text: String, _ ms: Int64, _ canonical: String) throws {
        let span = try #require(TimeSpan(parsing: text))
        #expect(span.milliseconds == ms)
        #expect(span.description == canonical)
    }

    @Test("malformed durations are refused", arguments: ["", "5", "m", "5 m", "1h30", "-5s", "99999999999999999999d", "5x"])
    func refuse(_ text: String) {
        #expect(TimeSpan(parsing: text) == nil)
    }
}

@Suite("Field classes")
struct FieldClassTests {
    @Test("every field of every example carries the class FieldClass.of(path) documents")
    func classesAgree() throws {
        let specs = try SpecLoader.load(ProjectLayout(root: Fixtures.repositoryRoot))
        for bot in specs.bots {
            for field in bot.fields {
                #expect(field.kind == FieldClass.of(field.path), "\(bot.name): \(field.path)")
            }
        }
    }
}
