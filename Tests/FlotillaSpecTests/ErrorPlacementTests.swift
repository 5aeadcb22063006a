import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

/// Errors point at the mistake: the line and column where it is, in words a person uses.
@Suite("errors that point at the mistake")
struct ErrorPlacementTests {
    static let valid = Fixtures.botYAML()

    static func lines(_ text: String) -> [String] { text.components(separatedBy: "\n") }

    @Test("invalid UTF-8 is reported where it is")
    func invalidUTF8() throws {
        var bytes = Array(Self.valid.utf8)
        let seventh = Self.lines(Self.valid).prefix(6).map { $0.utf8.count + 1 }.reduce(0, +)
        bytes.insert(0xFF, at: seventh + 4)
        let d = try #require(SpecLoader.diagnose(bytes: bytes, file: "bots.d/x.yaml", kind: .bot).first)
        #expect(d.mark.line == 7 && d.mark.column == 5, "\(d)")
        #expect(d.message.contains("not valid UTF-8") && d.message.contains("0xFF"), "\(d)")
    }

    @Test("a tab used for indentation says so")
    func tab() throws {
        let text = Self.valid.replacingOccurrences(of: "\n  profile: moderate", with: "\n\tprofile: moderate")
        let d = try #require(SpecLoader.diagnose(bytes: Array(text.utf8), file: "bots.d/x.yaml", kind: .bot).first)
        #expect(d.message.contains("tabs are not allowed for indentation"), "\(d)")
        #expect(d.mark.line == 7, "\(d)")
    }

    @Test("an unterminated quote points at the opening quote")
    func unterminatedQuote() throws {
        let text = Self.valid.replacingOccurrences(of: "profile: moderate", with: "profile: \"moderate")
        let d = try #require(SpecLoader.diagnose(bytes: Array(text.utf8), file: "bots.d/x.yaml", kind: .bot).first)
        #expect(d.mark.line == 7 && d.mark.column == 12, "\(d)")
        #expect(d.message.contains("never closed"), "\(d)")
    }

    @Test("a number too large to hold says it is out of range", arguments: ["1e308", "1e-300", "123456789012345678901234567890123456789012"])
    func outOfRange(_ number: String) throws {
        let text = Self.valid.replacingOccurrences(of: "speed: 600", with: "speed: \(number)")
        let d = try #require(SpecLoader.diagnose(bytes: Array(text.utf8), file: "bots.d/x.yaml", kind: .bot).first)
        #expect(d.path == "spec.market.source.speed" && (d.message.contains("out of range") || d.message.contains("must be")), "\(d)")
        #expect(!d.message.contains("got a number"), "\(d)")
    }

    @Test("a directory named like a spec file and a dangling symlink say what they are, not \"(permissions?)\"")
    func notFiles() throws {
        let root = try Fixtures.projectCopy()
        try FileManager.default.createDirectory(at: root.appendingPathComponent("bots.d/x.yaml"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("bots.d/gone.yaml").path, withDestinationPath: "nowhere.yaml")
        do {
            _ = try SpecLoader.load(ProjectLayout(root: root))
            Issue.record("must fail")
        } catch {
            let byFile = Dictionary(error.diagnostics.map { ($0.file, $0.message) }) { a, _ in a }
            #expect(byFile["bots.d/x.yaml"]?.contains("not a regular file") == true, "\(byFile)")
            #expect(byFile["bots.d/gone.yaml"]?.contains("does not exist") == true, "\(byFile)")
            #expect(!error.diagnostics.contains { $0.message.contains("permissions?") })
        }
    }

    @Test("a file over the size limit is refused before it is read")
    func sizeFirst() throws {
        let root = try Fixtures.projectCopy()
        let big = root.appendingPathComponent("bots.d/big.yaml")
        #expect(FileManager.default.createFile(atPath: big.path, contents: Data("a: b\n".utf8)))
        let handle = try FileHandle(forWritingTo: big)
        try handle.truncate(atOffset: 50 << 20)
        try handle.close()
        do {
            _ = try SpecLoader.load(ProjectLayout(root: root))
            Issue.record("must fail")
        } catch {
            #expect(error.diagnostics.contains { $0.file == "bots.d/big.yaml" && $0.message.contains("limited to") })
        }
    }
}
