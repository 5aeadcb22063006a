import FlotillaSpec
import Testing

@Suite("Profile switch edits")
struct ProfileEditTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var before: String
        var after: String?
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        .init(label: "block style keeps the comment after the value",
              before: "kind: Bot\nmetadata: { name: a }\nspec:\n  profile: moderate   # risk\n  capital: { quote: 1 }\n",
              after: "kind: Bot\nmetadata: { name: a }\nspec:\n  profile: aggressive   # risk\n  capital: { quote: 1 }\n"),
        .init(label: "flow style",
              before: "kind: Bot\nmetadata: { name: a }\nspec: { profile: moderate, capital: { quote: 1 } }\n",
              after: "kind: Bot\nmetadata: { name: a }\nspec: { profile: aggressive, capital: { quote: 1 } }\n"),
        .init(label: "a quoted value loses its quotes",
              before: "kind: Bot\nmetadata: { name: a }\nspec:\n  profile: \"moderate\"\n",
              after: "kind: Bot\nmetadata: { name: a }\nspec:\n  profile: aggressive\n"),
        .init(label: "only the chosen bot of a multi-document file",
              before: "kind: Bot\nmetadata: { name: b }\nspec:\n  profile: moderate\n---\nkind: Bot\nmetadata: { name: a }\nspec:\n  profile: moderate\n",
              after: "kind: Bot\nmetadata: { name: b }\nspec:\n  profile: moderate\n---\nkind: Bot\nmetadata: { name: a }\nspec:\n  profile: aggressive\n"),
        .init(label: "a file without the bot is not edited",
              before: "kind: Bot\nmetadata: { name: b }\nspec:\n  profile: moderate\n", after: nil),
        .init(label: "a profile is not a bot", before: "kind: Profile\nmetadata: { name: a }\nspec:\n  profile: moderate\n", after: nil),
    ]

    @Test("rewrites spec.profile of the chosen bots and nothing else", arguments: cases)
    func edit(_ c: Case) {
        #expect(ProfileEdit.apply(to: c.before, file: "bots.d/x.yaml", bots: ["a"], profile: "aggressive") == c.after)
    }
}
