import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

/// The JSON Schemas in schemas/ and the loader must agree: both accept the examples, both reject
/// the invalid fixtures. The schema side runs Python's `jsonschema` (draft 2020-12), installed by
/// .ci/run, on documents read with PyYAML.
@Suite("JSON Schemas agree with the loader")
struct SchemaAgreementTests {
    @Test("the committed schemas are exactly what the loader's tables generate")
    func committedSchemasAreCurrent() throws {
        let root = Fixtures.repositoryRoot
        let bot = try String(contentsOf: root.appendingPathComponent("schemas/bot.schema.json"), encoding: .utf8)
        let profile = try String(contentsOf: root.appendingPathComponent("schemas/profile.schema.json"), encoding: .utf8)
        #expect(bot == JSONSchemas.bot(), "run: swift run flotilla schema bot > schemas/bot.schema.json")
        #expect(profile == JSONSchemas.profile(), "run: swift run flotilla schema profile > schemas/profile.schema.json")
        let account = try String(contentsOf: root.appendingPathComponent("schemas/account.schema.json"), encoding: .utf8)
        #expect(account == JSONSchemas.account(), "run: swift run flotilla schema account > schemas/account.schema.json")
    }

    @Test("every example and profile validates against its schema")
    func examplesValidate() throws {
        let root = Fixtures.repositoryRoot
        let bots = try files(root.appendingPathComponent("bots.d"))
        let profiles = try files(root.appendingPathComponent("profiles"))
        #expect(bots.count >= 4 && profiles.count == 3)
        let accounts = try files(root.appendingPathComponent("accounts"))
        #expect(!accounts.isEmpty)
        let results = try validate(schema: "bot", bots) + validate(schema: "profile", profiles) + validate(schema: "account", accounts)
        for (file, verdict) in results {
            #expect(verdict == "valid", "\(file): \(verdict)")
        }
    }

    @Test("every invalid fixture is rejected by the schema too")
    func invalidFixturesRejected() throws {
        let bots = Fixtures.files(in: "invalid/bot")
        let profiles = Fixtures.files(in: "invalid/profile")
        let accounts = Fixtures.files(in: "invalid/account")
        #expect(bots.count >= 20 && accounts.count >= 8)
        for (file, verdict) in try validate(schema: "bot", bots) + validate(schema: "profile", profiles) + validate(schema: "account", accounts) {
            #expect(verdict != "valid", "\(file) passed the schema but the loader rejects it")
            let kind: DocumentKind = file.contains("/profile/") ? .profile : file.contains("/account/") ? .account : .bot
            let loader = SpecLoader.diagnose(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: file))), file: file, kind: kind)
            #expect(!loader.isEmpty, "\(file) is rejected by the schema but not the loader")
        }
    }

    private func files(_ dir: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }.sorted().map { dir.appendingPathComponent($0) }
    }

    /// Runs the schema over files in Python; returns (path, "valid" | first error).
    private func validate(schema: String, _ files: [URL]) throws -> [(String, String)] {
        let script = """
            import json, sys, yaml, jsonschema
            schema = json.load(open(sys.argv[1]))
            jsonschema.Draft202012Validator.check_schema(schema)
            v = jsonschema.Draft202012Validator(schema)
            for f in sys.argv[2:]:
                try:
                    docs = [d for d in yaml.safe_load_all(open(f)) if d is not None]
                    errs = [e.message for d in docs for e in v.iter_errors(d)]
                except Exception as e:
                    errs = ["unreadable: %s" % e]
                print(f + "\\t" + ("valid" if not errs else errs[0].replace("\\n", " ")))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let schemaPath = Fixtures.repositoryRoot.appendingPathComponent("schemas/\(schema).schema.json").path
        process.arguments = ["python3", "-c", script, schemaPath] + files.map(\.path)
        let pipe = Pipe()
        let errors = Pipe()
        process.standardOutput = pipe
        process.standardError = errors
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 with jsonschema and pyyaml is needed (.ci/run installs them): \(errorText)")
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
    }
}
