import Foundation

extension Array where Element: Sendable {
    /// `map` with the work spread over the cores, in order: for pure per-bot work (encoding and
    /// decoding specs and persisted state) over thousands of elements. Small arrays map on the
    /// caller's thread.
    public func concurrentMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        let lanes = Swift.min(ProcessInfo.processInfo.activeProcessorCount, 16)
        guard count >= 64, lanes > 1 else { return map(transform) }
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer {
            _ = results.deinitialize()
            results.deallocate()
        }
        // Each lane writes only its own slots (i ≡ lane mod lanes).
        nonisolated(unsafe) let slots = results
        let items = self
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            var i = lane
            while i < items.count {
                slots[i] = transform(items[i])
                i += lanes
            }
        }
        return results.map { $0! }
    }
}
