import Foundation

/// Compact JSON from any `Encodable`, the bytes Foundation's `JSONEncoder` writes with the same
/// options (keys sorted or in encoding order, `/` escaped, doubles in their shortest exact form
/// with a whole value written without `.0`, `Decimal` as a number, `Data` as Base64, `URL` as its
/// string, non-finite doubles as given strings or an error), read back by `JSONDecoder`.
///
/// What the store persists for every instance on every tick, every spec of an apply and every
/// rollout step is encoded here: at ten thousand bots Foundation's encoder — a dynamic cast and a
/// fresh encoder with a copied coding path per value — was the largest part of a start and a stop.
public struct CompactJSONEncoder: Sendable {
    /// Strings written for non-finite doubles; nil: encoding one throws (as `JSONEncoder` does by default).
    public struct NonFinite: Sendable {
        public var positiveInfinity, negativeInfinity, nan: String
        public init(positiveInfinity: String, negativeInfinity: String, nan: String) {
            (self.positiveInfinity, self.negativeInfinity, self.nan) = (positiveInfinity, negativeInfinity, nan)
        }
    }

    public var sortedKeys: Bool
    public var nonFinite: NonFinite?
    /// `/` written as `\/` (Foundation's default; false is its `.withoutEscapingSlashes`).
    public var escapingSlashes: Bool

    public init(sortedKeys: Bool = false, nonFinite: NonFinite? = nil, escapingSlashes: Bool = true) {
        self.sortedKeys = sortedKeys
        self.nonFinite = nonFinite
        self.escapingSlashes = escapingSlashes
    }

    public func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try bytes(value), as: UTF8.self)
    }

    public func bytes<T: Encodable>(_ value: T) throws -> [UInt8] {
        let options = Options(sortedKeys: sortedKeys, nonFinite: nonFinite, escapingSlashes: escapingSlashes)
        let node = try JSONSink.node(of: value, options: options, parent: nil, key: nil)
        var out: [UInt8] = []
        out.reserveCapacity(512)
        node.write(into: &out, sorted: sortedKeys, slashes: escapingSlashes)
        return out
    }

    public func data<T: Encodable>(_ value: T) throws -> Data { Data(try bytes(value)) }
}

private struct Options {
    var sortedKeys: Bool
    var nonFinite: CompactJSONEncoder.NonFinite?
    var escapingSlashes: Bool
}

/// One encoded value: its JSON text when it is a scalar, or the container it is.
private enum JSONNode {
    case text(String)
    case object(ObjectBox)
    case array(ArrayBox)

    func write(into out: inout [UInt8], sorted: Bool, slashes: Bool) {
        switch self {
        case .text(let s):
            out.append(contentsOf: s.utf8)
        case .object(let box):
            out.append(UInt8(ascii: "{"))
            var order = Array(box.keys.indices)
            if sorted { order.sort { box.keys[$0].utf8.lexicographicallyPrecedes(box.keys[$1].utf8) } }
            var first = true
            for i in order {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                JSONText.appendQuoted(box.keys[i], to: &out, slashes: slashes)
                out.append(UInt8(ascii: ":"))
                box.values[i].write(into: &out, sorted: sorted, slashes: slashes)
            }
            out.append(UInt8(ascii: "}"))
        case .array(let box):
            out.append(UInt8(ascii: "["))
            for (i, v) in box.values.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.write(into: &out, sorted: sorted, slashes: slashes)
            }
            out.append(UInt8(ascii: "]"))
        }
    }
}

private final class ObjectBox {
    var keys: [String] = []
    var values: [JSONNode] = []

    /// A key encoded twice keeps its last value, as Foundation's encoder does.
    func set(_ key: String, _ value: JSONNode) {
        if let i = keys.lastIndex(of: key) { values[i] = value } else {
            keys.append(key)
            values.append(value)
        }
    }
}

private final class ArrayBox {
    var values: [JSONNode] = []
}

private enum JSONText {
    static func quoted(_ s: String, _ options: Options) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 2)
        appendQuoted(s, to: &out, slashes: options.escapingSlashes)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendQuoted(_ s: String, to out: inout [UInt8], slashes: Bool) {
        out.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "/") where slashes: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "/")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func double(_ value: Double, _ options: Options, path: () -> [any CodingKey]) throws -> String {
        guard value.isFinite else {
            guard let strings = options.nonFinite else {
                throw EncodingError.invalidValue(value, .init(codingPath: path(), debugDescription: "Unable to encode \(value) directly in JSON."))
            }
            return quoted(value.isNaN ? strings.nan : value > 0 ? strings.positiveInfinity : strings.negativeInfinity, options)
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    static func float(_ value: Float, _ options: Options, path: () -> [any CodingKey]) throws -> String {
        guard value.isFinite else { return try double(Double(value), options, path: path) }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }
}

/// The `Encoder` one value encodes itself into: it ends holding the value's node.
private final class JSONSink: Encoder {
    let options: Options
    let parent: JSONSink?
    let key: (any CodingKey)?
    var node: JSONNode?

    init(options: Options, parent: JSONSink?, key: (any CodingKey)?) {
        self.options = options
        self.parent = parent
        self.key = key
    }

    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var at: JSONSink? = self
        while let sink = at {
            if let key = sink.key { path.append(key) }
            at = sink.parent
        }
        return path.reversed()
    }

    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// `value`'s node: the types `JSONEncoder` writes its own way first, then the value's own encoding.
    static func node<T: Encodable>(of value: T, options: Options, parent: JSONSink?, key: (any CodingKey)?) throws -> JSONNode {
        // Metatype comparisons, not casts: a failed dynamic cast per value was a large part of
        // Foundation's cost.
        if T.self == String.self { return .text(JSONText.quoted(unsafeBitCast(value, to: String.self), options)) }
        if T.self == Double.self {
            return .text(try JSONText.double(unsafeBitCast(value, to: Double.self), options, path: { (parent?.codingPath ?? []) + (key.map { [$0] } ?? []) }))
        }
        if T.self == Int.self { return .text(String(unsafeBitCast(value, to: Int.self))) }
        if T.self == Int64.self { return .text(String(unsafeBitCast(value, to: Int64.self))) }
        if T.self == Bool.self { return .text(unsafeBitCast(value, to: Bool.self) ? "true" : "false") }
        if T.self == Decimal.self { return .text(unsafeBitCast(value, to: Decimal.self).description) }
        if T.self == Data.self { return .text(JSONText.quoted(unsafeBitCast(value, to: Data.self).base64EncodedString(), options)) }
        if T.self == URL.self { return .text(JSONText.quoted(unsafeBitCast(value, to: URL.self).absoluteString, options)) }
        let sink = JSONSink(options: options, parent: parent, key: key)
        try value.encode(to: sink)
        // A value that encoded nothing is an empty object, as in Foundation's encoder.
        return sink.node ?? .object(ObjectBox())
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let box: ObjectBox
        if case .object(let existing) = node { box = existing } else {
            box = ObjectBox()
            node = .object(box)
        }
        return KeyedEncodingContainer(KeyedSink<Key>(sink: self, box: box))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let box: ArrayBox
        if case .array(let existing) = node { box = existing } else {
            box = ArrayBox()
            node = .array(box)
        }
        return UnkeyedSink(sink: self, box: box)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleSink(sink: self) }
}

private struct IndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct KeyedSink<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let sink: JSONSink
    let box: ObjectBox
    var codingPath: [any CodingKey] { sink.codingPath }

    private func path(_ key: Key) -> () -> [any CodingKey] { { sink.codingPath + [key] } }

    mutating func encodeNil(forKey key: Key) throws { box.set(key.stringValue, .text("null")) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { box.set(key.stringValue, .text(value ? "true" : "false")) }
    mutating func encode(_ value: String, forKey key: Key) throws { box.set(key.stringValue, .text(JSONText.quoted(value, sink.options))) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        box.set(key.stringValue, .text(try JSONText.double(value, sink.options, path: path(key))))
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        box.set(key.stringValue, .text(try JSONText.float(value, sink.options, path: path(key))))
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { box.set(key.stringValue, .text(String(value))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { box.set(key.stringValue, .text(String(value))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { box.set(key.stringValue, .text(String(value))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { box.set(key.stringValue, .text(String(value))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { box.set(key.stringValue, .text(String(value))) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { box.set(key.stringValue, .text(String(value))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { box.set(key.stringValue, .text(String(value))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { box.set(key.stringValue, .text(String(value))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { box.set(key.stringValue, .text(String(value))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { box.set(key.stringValue, .text(String(value))) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        box.set(key.stringValue, try JSONSink.node(of: value, options: sink.options, parent: sink, key: key))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = JSONSink(options: sink.options, parent: sink, key: key)
        let container = nested.container(keyedBy: keyType)
        box.set(key.stringValue, nested.node!)
        return container
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = JSONSink(options: sink.options, parent: sink, key: key)
        let container = nested.unkeyedContainer()
        box.set(key.stringValue, nested.node!)
        return container
    }

    mutating func superEncoder() -> any Encoder { SuperSink(parentBox: .object(box, "super"), options: sink.options, parent: sink) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { SuperSink(parentBox: .object(box, key.stringValue), options: sink.options, parent: sink) }
}

private struct UnkeyedSink: UnkeyedEncodingContainer {
    let sink: JSONSink
    let box: ArrayBox
    var codingPath: [any CodingKey] { sink.codingPath }
    var count: Int { box.values.count }

    private func path() -> () -> [any CodingKey] { { [count] in sink.codingPath + [IndexKey(count)] } }

    mutating func encodeNil() throws { box.values.append(.text("null")) }
    mutating func encode(_ value: Bool) throws { box.values.append(.text(value ? "true" : "false")) }
    mutating func encode(_ value: String) throws { box.values.append(.text(JSONText.quoted(value, sink.options))) }
    mutating func encode(_ value: Double) throws { box.values.append(.text(try JSONText.double(value, sink.options, path: path()))) }
    mutating func encode(_ value: Float) throws { box.values.append(.text(try JSONText.float(value, sink.options, path: path()))) }
    mutating func encode(_ value: Int) throws { box.values.append(.text(String(value))) }
    mutating func encode(_ value: Int8) throws { box.values.append(.text(String(value))) }
    mutating func encode(_ value: Int16) throws { box.values.append(.text(String(value))) }
    mutating func encode(_ value: Int32) throws { box.values.append(.text(String(value))) }
    mutating func encode(_ value: Int64) throws { box.values.append(.text(String(value))) }
    mutating func encode(_ value: UInt) throws { box.values.append(.text(String(value))) }
    mutating func encode(_ value: UInt8) throws { box.values.append(.text(String(value))) }
    mutating func encode(_ value: UInt16) throws { box.values.append(.text(String(value))) }
    mutating func encode(_ value: UInt32) throws { box.values.append(.text(String(value))) }
    mutating func encode(_ value: UInt64) throws { box.values.append(.text(String(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        box.values.append(try JSONSink.node(of: value, options: sink.options, parent: sink, key: IndexKey(count)))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = JSONSink(options: sink.options, parent: sink, key: IndexKey(count))
        let container = nested.container(keyedBy: keyType)
        box.values.append(nested.node!)
        return container
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = JSONSink(options: sink.options, parent: sink, key: IndexKey(count))
        let container = nested.unkeyedContainer()
        box.values.append(nested.node!)
        return container
    }

    mutating func superEncoder() -> any Encoder {
        box.values.append(.text("null"))
        return SuperSink(parentBox: .array(box, box.values.count - 1), options: sink.options, parent: sink)
    }
}

private struct SingleSink: SingleValueEncodingContainer {
    let sink: JSONSink
    var codingPath: [any CodingKey] { sink.codingPath }

    private func set(_ node: JSONNode) { sink.node = node }
    mutating func encodeNil() throws { set(.text("null")) }
    mutating func encode(_ value: Bool) throws { set(.text(value ? "true" : "false")) }
    mutating func encode(_ value: String) throws { set(.text(JSONText.quoted(value, sink.options))) }
    mutating func encode(_ value: Double) throws { set(.text(try JSONText.double(value, sink.options, path: { sink.codingPath }))) }
    mutating func encode(_ value: Float) throws { set(.text(try JSONText.float(value, sink.options, path: { sink.codingPath }))) }
    mutating func encode(_ value: Int) throws { set(.text(String(value))) }
    mutating func encode(_ value: Int8) throws { set(.text(String(value))) }
    mutating func encode(_ value: Int16) throws { set(.text(String(value))) }
    mutating func encode(_ value: Int32) throws { set(.text(String(value))) }
    mutating func encode(_ value: Int64) throws { set(.text(String(value))) }
    mutating func encode(_ value: UInt) throws { set(.text(String(value))) }
    mutating func encode(_ value: UInt8) throws { set(.text(String(value))) }
    mutating func encode(_ value: UInt16) throws { set(.text(String(value))) }
    mutating func encode(_ value: UInt32) throws { set(.text(String(value))) }
    mutating func encode(_ value: UInt64) throws { set(.text(String(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws { set(try JSONSink.node(of: value, options: sink.options, parent: sink.parent, key: sink.key)) }
}

/// A super encoder: what the superclass encodes lands under its key (or array slot) when it is done.
private final class SuperSink: Encoder {
    enum Slot {
        case object(ObjectBox, String)
        case array(ArrayBox, Int)
    }

    let slot: Slot
    let inner: JSONSink

    init(parentBox: Slot, options: Options, parent: JSONSink) {
        slot = parentBox
        inner = JSONSink(options: options, parent: parent, key: nil)
    }

    deinit {
        let node = inner.node ?? .object(ObjectBox())
        switch slot {
        case .object(let box, let key): box.set(key, node)
        case .array(let box, let index): box.values[index] = node
        }
    }

    var codingPath: [any CodingKey] { inner.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { inner.container(keyedBy: type) }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { inner.unkeyedContainer() }
    func singleValueContainer() -> any SingleValueEncodingContainer { inner.singleValueContainer() }
}
