/// A fixed-capacity window of the last `capacity` values; allocated once, never again.
public struct RingBuffer: Sendable, Codable, Equatable {
    private var storage: [Double]
    private var head = 0
    public private(set) var count = 0

    public init(capacity: Int) {
        storage = Array(repeating: 0, count: max(1, capacity))
    }

    public var capacity: Int { storage.count }
    public var isFull: Bool { count == storage.count }

    /// Appends `value`; returns the value it pushed out when full.
    @discardableResult
    public mutating func push(_ value: Double) -> Double? {
        let evicted: Double? = isFull ? storage[head] : nil
        storage[head] = value
        head = head + 1 == storage.count ? 0 : head + 1
        if count < storage.count { count += 1 }
        return evicted
    }

    /// The i-th newest value (0 = newest).
    public subscript(newest i: Int) -> Double {
        var index = head - 1 - i
        if index < 0 { index += storage.count }
        return storage[index]
    }
}
