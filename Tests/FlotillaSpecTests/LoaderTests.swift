import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

/// The fixture's first line says what the loader must report: `# expect: <text>`.
func expectation(of url: URL) throws -> String {
    let first = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", maxSplits: 1)[0]
    return String(first.dropFirst("# expect: ".count))
}

@Suite("Loading bot specs and profiles")
struct LoaderTests {
    @Test("the shipped examples and profiles are valid")
    func shippedExamplesAreValid() throws {
        let specs = try SpecLoader.load(ProjectLayout(root: Fixtures.repositoryRoot))
        #expect(specs.bots.map(\.name) == ["alts-momentum", "dash-macd", "eth-trend", "ltc-rsi", "synthetic-smoke", "xrp-grid"])
        #expect(specs.profiles.keys.sorted() == ["aggressive", "conservative", "moderate"])
        let strategies = Set(specs.bots.map { $0.deploy.strategy.name })
        #expect(strategies == Set(DeployStrategy.Name.allCases), "the examples cover every deploy strategy")
    }

    @Test("each invalid bot spec is rejected with a located, specific message", arguments: Fixtures.files(in: "invalid/bot"))
    func invalidBot(_ url: URL) throws {
        try checkRejected(url, kind: .bot)
    }

    @Test("each invalid profile is rejected with a located, specific message", arguments: Fixtures.files(in: "invalid/profile"))
    func invalidProfile(_ url: URL) throws {
        try checkRejected(url, kind: .profile)
    }

    @Test("each invalid account is rejected with a located, specific message", arguments: Fixtures.files(in: "invalid/account"))
    func invalidAccount(_ url: URL) throws {
        try checkRejected(url, kind: .account)
    }

    @Test("rules between fields, files and names are enforced", arguments: Fixtures.files(in: "semantic"))
    func semanticRules(_ url: URL) throws {
        let expected = try expectation(of: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        let sources = try Fixtures.shippedProfiles() + [SpecSource(name: "bots.d/\(url.lastPathComponent)", text: text, kind: .bot)]
        #expect(throws: ValidationFailure.self) { try SpecLoader.load(sources: sources) }
        do {
            _ = try SpecLoader.load(sources: sources)
        } catch {
            let lines = error.diagnostics.map(\.description)
            #expect(lines.contains { $0.contains(expected) }, "\(lines)")
            #expect(lines.allSatisfy { $0.hasPrefix("bots.d/\(url.lastPathComponent):") })
        }
    }

    private func checkRejected(_ url: URL, kind: DocumentKind) throws {
        let expected = try expectation(of: url)
        let bytes = Array(try Data(contentsOf: url))
        let name = "\(kind.directory)/\(url.lastPathComponent)"
        let diagnostics = SpecLoader.diagnose(bytes: bytes, file: name, kind: kind)
        #expect(!diagnostics.isEmpty, "\(url.lastPathComponent) should be rejected")
        let lines = diagnostics.map(\.description)
        #expect(lines.contains { $0.contains(expected) }, "expected «\(expected)» in \(lines)")
        for diagnostic in diagnostics {
            #expect(diagnostic.mark.line >= 2 && diagnostic.mark.column >= 1, "points into the document: \(diagnostic)")
            #expect(diagnostic.description.hasPrefix("\(name):\(diagnostic.mark.line):\(diagnostic.mark.column): "))
        }
    }

    @Test("an error names the exact line and column of the bad value")
    func exactLocation() {
        let yaml = Fixtures.botYAML(["risk: { maxPositionPct: 25 }": "risk: { maxPositionPct: 250 }"])
        let diagnostics = SpecLoader.diagnose(bytes: Array(yaml.utf8), file: "bots.d/x.yaml", kind: .bot)
        #expect(diagnostics.map(\.description) == [
            "bots.d/x.yaml:12:27: spec.risk.maxPositionPct: must be greater than 0 and at most 100 (got 250)"
        ])
    }

    @Test("every problem in a file is reported at once")
    func allErrorsAtOnce() {
        let yaml = Fixtures.botYAML([
            "name: test-bot": "name: Test_Bot", "fast: 10": "fast: ten", "quote: 1000": "quote: -1", "symbol: ETH-BTC": "simbol: ETH-BTC",
        ])
        let paths = SpecLoader.diagnose(bytes: Array(yaml.utf8), file: "f.yaml", kind: .bot).map(\.path)
        #expect(Set(paths).isSuperset(of: ["metadata.name", "spec.strategy.params.fast", "spec.capital.quote", "spec.market.simbol"]))
    }

    @Test("duplicate bot names across files are caught, naming the first definition")
    func duplicateNamesAcrossFiles() throws {
        let sources = try Fixtures.shippedProfiles() + [
            SpecSource(name: "bots.d/a.yaml", text: Fixtures.botYAML(name: "same"), kind: .bot),
            SpecSource(name: "bots.d/b.yaml", text: Fixtures.botYAML(name: "same"), kind: .bot),
        ]
        do {
            _ = try SpecLoader.load(sources: sources)
            Issue.record("duplicate names must be rejected")
        } catch {
            #expect(error.diagnostics.map(\.description) == [
                "bots.d/b.yaml:1:1: metadata.name: bot \"same\" is already defined in bots.d/a.yaml:1; bot names must be unique"
            ])
        }
    }

    @Test("several documents per file, empty documents skipped, anchors and aliases allowed")
    func multipleDocuments() throws {
        let text = "---\n" + Fixtures.botYAML(name: "one") + "---\n---\n" + Fixtures.botYAML(name: "two", ["risk: { maxPositionPct: 25 }": "risk: &r { maxPositionPct: 25 }\n  runtime: { strategyInterval: 30s }"])
        let bots = try Fixtures.resolve(text)
        #expect(bots.map(\.name) == ["one", "two"])
        #expect(bots[1].setting(.strategyInterval) == .duration(.seconds(30)))
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var label: String
        var bytes: [UInt8]
        var expected: String
        var testDescription: String { label }
    }

    static let badInputs: [BadInput] = {
        let nested = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let bomb = """
            a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
            c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
            d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
            f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
            g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
            h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
            i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
            """
        var binary: [UInt8] = []
        var seed: UInt64 = 7
        for _ in 0..<4096 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            binary.append(UInt8(truncatingIfNeeded: seed >> 33))
        }
        return [
            BadInput(label: "empty file", bytes: [], expected: "file holds no YAML documents"),
            BadInput(label: "only comments", bytes: Array("# nothing here\n".utf8), expected: "file holds no YAML documents"),
            BadInput(label: "binary", bytes: binary, expected: "not valid UTF-8"),
            BadInput(label: "invalid UTF-8", bytes: Array("name: ".utf8) + [0xC3, 0x28, 0x0A], expected: "not valid UTF-8"),
            BadInput(label: "huge", bytes: Array(repeating: UInt8(ascii: "a"), count: 2 << 20), expected: "spec files are limited to 1048576 bytes"),
            BadInput(label: "deeply nested", bytes: Array(nested.utf8), expected: "nesting is deeper than 64 levels"),
            BadInput(label: "billion laughs", bytes: Array(bomb.utf8), expected: "document expands to more than 50000 nodes"),
            BadInput(label: "tab indentation", bytes: Array("kind: Bot\n\tspec: 1\n".utf8), expected: "tabs are not allowed"),
            BadInput(label: "unclosed quote", bytes: Array("kind: \"Bot\n".utf8), expected: "YAML syntax error"),
            BadInput(label: "list at the top", bytes: Array("- a\n- b\n".utf8), expected: "expected a mapping, got a list"),
            BadInput(label: "scalar at the top", bytes: Array("hello\n".utf8), expected: "expected a mapping, got a string"),
            BadInput(label: "undefined alias", bytes: Array("kind: *nowhere\n".utf8), expected: "alias *nowhere refers to no anchor"),
            BadInput(label: "non-text key", bytes: Array("? [a, b]\n: 1\n".utf8), expected: "mapping keys must be text"),
        ]
    }()

    @Test("bad input of every kind gives a clear error, never a crash or a hang", arguments: badInputs)
    func badInput(_ input: BadInput) {
        let start = ContinuousClock.now
        let diagnostics = SpecLoader.diagnose(bytes: input.bytes, file: "bots.d/bad.yaml", kind: .bot)
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(diagnostics.contains { $0.message.contains(input.expected) }, "\(diagnostics.map(\.description))")
    }

    @Test("a missing directory is reported with what to do")
    func missingDirectory() throws {
        let empty = try Fixtures.temporaryDirectory()
        do {
            _ = try SpecLoader.load(ProjectLayout(root: empty))
            Issue.record("must fail")
        } catch {
            #expect(error.diagnostics.map(\.file) == ["bots.d", "profiles"].sorted())
            #expect(error.diagnostics[0].message.contains("directory not found"))
        }
    }
}
