import FlotillaSpec
import FlotillaTesting
import Foundation
import Testing

/// A seeded generator, so a failing input can be reproduced from its index.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("The loader survives anything")
struct LoaderFuzzTests {
    static let tokens: [[UInt8]] = [
        "&a ", "*a", "- ", ": ", "{", "}", "[", "]", "\"", "'", "\n", "\t", "  ", "#", "---\n", "...\n", "!!str ", "!!binary ",
        "? ", "|\n", ">\n", "%YAML 1.2\n", "\\u0000", "~", "null", "1e999", "-0", "0x1F", ".nan", "true", "\u{FEFF}", "é", "\r\n",
    ].map { Array($0.utf8) }

    /// Mutates a valid spec: byte flips, deletions, insertions of YAML punctuation, truncation,
    /// duplicated or swapped lines; or, one time in eight, pure random bytes.
    static func mutate(_ seed: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        if rng.next() % 8 == 0 {
            return (0..<Int(rng.next() % 512)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        }
        var bytes = seed
        for _ in 0..<(1 + Int(rng.next() % 6)) {
            guard !bytes.isEmpty else { break }
            let at = Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 7 {
            case 0: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            case 1: bytes.remove(at: at)
            case 2: bytes.insert(contentsOf: tokens[Int(rng.next() % UInt64(tokens.count))], at: at)
            case 3: bytes.removeSubrange(at...)
            case 4:
                let end = min(bytes.count, at + Int(rng.next() % 80))
                bytes.insert(contentsOf: bytes[at..<end], at: at)
            case 5: bytes[at] = [UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: ":"), UInt8(ascii: "-")][Int(rng.next() % 4)]
            default:
                let other = Int(rng.next() % UInt64(bytes.count))
                bytes.swapAt(at, other)
            }
        }
        return bytes
    }

    @Test("100,000 random and mutated inputs: every one returns, none crashes")
    func fuzz() throws {
        let root = Fixtures.repositoryRoot
        let seeds = try ["bots.d/eth-trend.yaml", "bots.d/ltc-rsi.yaml", "bots.d/xrp-grid.yaml", "bots.d/alts-momentum.yaml", "profiles/moderate.yaml"]
            .map { Array(try Data(contentsOf: root.appendingPathComponent($0))) }
        let total = 100_000
        let workers = 2
        let counts = Counts()
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var rng = SplitMix64(state: UInt64(worker) &* 0x1234_5678_9ABC)
            var accepted = 0, rejected = 0, badMarks = 0
            for i in stride(from: worker, to: total, by: workers) {
                let seed = seeds[i % seeds.count]
                let input = Self.mutate(seed, &rng)
                let kind: DocumentKind = i % seeds.count == 4 ? .profile : .bot
                let diagnostics = SpecLoader.diagnose(bytes: input, file: "fuzz.yaml", kind: kind)
                if diagnostics.isEmpty { accepted += 1 } else { rejected += 1 }
                badMarks += diagnostics.filter { $0.mark.line < 1 || $0.mark.column < 1 || $0.message.isEmpty }.count
            }
            counts.add(accepted: accepted, rejected: rejected, badMarks: badMarks)
        }
        #expect(counts.accepted + counts.rejected == total)
        #expect(counts.rejected > total / 2, "most mutations break a spec")
        #expect(counts.badMarks == 0, "every diagnostic has a location and a message")
    }
}

final class Counts: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private(set) var accepted = 0
    private(set) var rejected = 0
    private(set) var badMarks = 0

    func add(accepted a: Int, rejected r: Int, badMarks b: Int) {
        lock.withLock {
            accepted += a
            rejected += r
            badMarks += b
        }
    }
}
