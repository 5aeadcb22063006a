import FlotillaEngine
import FlotillaSpec
import FlotillaStore
import FlotillaTesting
import FlotillaTrading
import Foundation
import Testing

/// What the store persists is encoded by `CompactJSONEncoder`: the bytes Foundation's
/// `JSONEncoder` writes with the same options, so stored JSON reads back the same and compares
/// equal whichever wrote it.
@Suite("Compact JSON")
struct CompactJSONTests {
    static func foundation<T: Encodable>(_ value: T, sorted: Bool, nonFinite: Bool = false) throws -> String {
        let encoder = JSONEncoder()
        if sorted { encoder.outputFormatting = .sortedKeys }
        if nonFinite { encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan") }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func compact<T: Encodable>(_ value: T, sorted: Bool, nonFinite: Bool = false) throws -> String {
        try CompactJSONEncoder(sortedKeys: sorted, nonFinite: nonFinite ? .init(positiveInfinity: "+inf", negativeInfinity: "-inf", nan: "nan") : nil)
            .string(value)
    }

    struct Edges: Codable {
        var text: String
        var double: Double
        var doubles: [Double]
        var int: Int
        var int64: Int64
        var uint8: UInt8
        var flag: Bool
        var missing: String?
        var present: Int?
        var decimal: Decimal
        var data: Data
        var url: URL
        var byInt: [Int: String]
        var nested: [[String: [Int]]]
        var fixed: Fixed
    }

    static let edges: [Edges] = [
        Edges(text: "plain", double: 0, doubles: [], int: 0, int64: 0, uint8: 0, flag: false, missing: nil, present: nil, decimal: 0,
              data: Data(), url: URL(string: "https://example.com/a?b=c")!, byInt: [:], nested: [], fixed: .zero),
        Edges(text: "quote \" backslash \\ slash / newline \n tab \t bell \u{07} é 日本 🚀", double: 5,
              doubles: [0.1 + 0.2, -0.0, 1e-7, 1e20, 1e21, 123456789012345680000, -3.25, 5e-324, 1.7976931348623157e308, 0.000001, 100],
              int: Int.min, int64: Int64.max, uint8: 255, flag: true, missing: nil, present: 7, decimal: Decimal(string: "-12.3400")!,
              data: Data([0, 1, 2, 250, 255]), url: URL(fileURLWithPath: "/tmp/x y"), byInt: [3: "c"], nested: [["k": [1, 2]], [:]],
              fixed: Fixed(parsing: "-0.00000001")!),
    ]

    @Test("values of every kind encode to Foundation's bytes, keys sorted or in order", arguments: 0..<2)
    func edgeValues(index: Int) throws {
        let value = Self.edges[index]
        #expect(try Self.compact(value, sorted: true) == Self.foundation(value, sorted: true))
        #expect(try Self.compact(value, sorted: false) == Self.foundation(value, sorted: false))
    }

    @Test("non-finite doubles: the given strings when asked for, an error otherwise")
    func nonFiniteDoubles() throws {
        let values: [Double] = [.infinity, -.infinity, .nan, 1.5]
        #expect(try Self.compact(values, sorted: true, nonFinite: true) == #"["+inf","-inf","nan",1.5]"#)
        #expect(try Self.compact(values, sorted: true, nonFinite: true) == Self.foundation(values, sorted: true, nonFinite: true))
        #expect(throws: EncodingError.self) { try Self.compact(values, sorted: true) }
    }

    @Test("a resolved spec, and an instance's venue, trader state and metrics after trading, encode to Foundation's bytes")
    func persistedTypes() async throws {
        let spec = try #require(try Fixtures.resolve(Fixtures.botYAML()).first)
        #expect(try Self.compact(spec, sorted: true) == Self.foundation(spec, sorted: true))

        let fleet = try await RestartableFleet(SyntheticBotFixture(seed: 5, strategy: "kind: rsi, params: { period: 5, oversold: 40, overbought: 60 }"))
        try await fleet.tick(through: 300)
        #expect(try !fleet.fills().isEmpty, "the bot must trade for its state to be worth comparing")
        let stored = try fleet.stored()
        let venue = try fleet.venue()
        #expect(try Self.compact(venue, sorted: true) == Self.foundation(venue, sorted: true))
        let trader = try TraderState<AnyStrategy>(json: try #require(stored.traderJSON))
        #expect(stored.traderJSON == (try trader.json()), "the stored trader state is what TraderState.json() writes")
        let metrics = try fleet.metrics()
        #expect(try Self.compact(metrics, sorted: true) == Self.foundation(metrics, sorted: true))
        for fill in try fleet.fills() { #expect(try Self.compact(fill, sorted: false) == Self.foundation(fill, sorted: false)) }
    }
}
