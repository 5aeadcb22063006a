import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

/// `fleet-policy.yaml`: the loader and the JSON Schema agree — the example validates, each
/// invalid fixture is refused with a located, specific message.
@Suite("The fleet policy file")
struct FleetPolicyFileTests {
    @Test("the example reads as written")
    func example() throws {
        let url = Fixtures.repositoryRoot.appendingPathComponent("examples/fleet-policy.yaml")
        let policy = try #require(FleetPolicyFile.load(url)).get()
        #expect(policy.exposure == [
            .init(path: "spec.exposure[0]", subject: .symbol("BTC-USDT"), maxNotional: 20000),
            .init(path: "spec.exposure[1]", subject: .asset("ETH"), account: "desk", maxPctOfEquity: 30, maxQuantity: 10),
        ])
        #expect(policy.conflicts == .block)
        #expect(policy.maxSymbolPctOfEquity == 50)
        #expect(FleetPolicyFile.load(Fixtures.repositoryRoot.appendingPathComponent("no-such-policy.yaml")) == nil, "no file, no rules")
    }

    @Test("a policy that is a FIFO, a symlink out of the project or too large is refused before it is read, never waited on")
    func hostileFiles() throws {
        let dir = try Fixtures.temporaryDirectory()
        let file = dir.appendingPathComponent("fleet-policy.yaml")
        #expect(mkfifo(file.path, 0o644) == 0)
        guard case .failure(let fifo)? = FleetPolicyFile.load(file) else { Issue.record("a FIFO was read"); return }
        #expect(fifo.diagnostics.first?.message == "is not a regular file")
        try FileManager.default.removeItem(at: file)
        let outside = try Fixtures.temporaryDirectory().appendingPathComponent("policy.yaml")
        try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("examples/fleet-policy.yaml"), encoding: .utf8).write(to: outside, atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(at: file, withDestinationURL: outside)
        guard case .failure(let link)? = FleetPolicyFile.load(file) else { Issue.record("a symlink out of the project was read"); return }
        #expect(link.diagnostics.first?.message.contains("outside the project directory") == true)
        try FileManager.default.removeItem(at: file)
        try Data(repeating: 0x20, count: FleetPolicyFile.maxBytes + 1).write(to: file)
        guard case .failure(let big)? = FleetPolicyFile.load(file) else { Issue.record("an oversized file was read"); return }
        #expect(big.diagnostics.first?.message == "is \(FleetPolicyFile.maxBytes + 1) bytes; the limit is \(FleetPolicyFile.maxBytes) bytes")
    }

    @Test("each invalid fleet policy is refused with a located, specific message", arguments: Fixtures.files(in: "invalid/fleet-policy"))
    func invalid(_ url: URL) throws {
        let expected = try expectation(of: url)
        guard case .failure(let failure)? = FleetPolicyFile.load(url, displayName: "fleet-policy.yaml") else {
            Issue.record("\(url.lastPathComponent) should be refused")
            return
        }
        let lines = failure.diagnostics.map(\.description)
        #expect(lines.contains { $0.contains(expected) }, "expected «\(expected)» in \(lines)")
        for d in failure.diagnostics { #expect(d.mark.line >= 5, "points at the bad value: \(d)") }
    }

    @Test("the committed schema is the generated one; it accepts the example and refuses every invalid fixture")
    func schemaAgrees() throws {
        let committed = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("schemas/fleet-policy.schema.json"), encoding: .utf8)
        #expect(committed == JSONSchemas.fleetPolicy(), "run: swift run flotilla schema fleet-policy > schemas/fleet-policy.schema.json")
        let files = [Fixtures.repositoryRoot.appendingPathComponent("examples/fleet-policy.yaml")] + Fixtures.files(in: "invalid/fleet-policy")
        let script = """
            import json, sys, yaml, jsonschema
            v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
            for f in sys.argv[2:]:
                errs = [e.message for d in yaml.safe_load_all(open(f)) if d is not None for e in v.iter_errors(d)]
                print(f + "\\t" + ("valid" if not errs else "invalid"))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, Fixtures.repositoryRoot.appendingPathComponent("schemas/fleet-policy.schema.json").path] + files.map(\.path)
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "python3 with jsonschema and pyyaml is needed (.ci/run installs them)")
        let verdicts = Dictionary(uniqueKeysWithValues: out.split(separator: "\n").map { line in
            let parts = line.split(separator: "\t").map(String.init)
            return (parts[0], parts[1])
        })
        #expect(verdicts[files[0].path] == "valid")
        for file in files.dropFirst() { #expect(verdicts[file.path] == "invalid", "\(file.lastPathComponent) passed the schema but the loader refuses it") }
    }
}
