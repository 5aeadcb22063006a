import Foundation

/// Finds a key given twice in one object of a JSON text (`{"prune": false, "prune": true}`).
/// Foundation's decoders keep the last one silently, so a body could say two things and mean the
/// second; the server refuses it instead. One pass over the bytes, without building the tree.
enum DuplicateKeys {
    /// The first key repeated within one object, with the dotted path of that object (empty at the
    /// top), or nil. `data` must be valid JSON (it was parsed first).
    static func first(in data: Data) -> (key: String, path: String)? {
        data.withUnsafeBytes { raw -> (key: String, path: String)? in
            let bytes = raw.bindMemory(to: UInt8.self)
            struct Container {
                var isObject: Bool
                var keys: Set<String> = []
                var expectingKey = false
                /// Where this container sits in its parent (a key, or an index).
                var name: String
                var index = 0
            }
            var stack: [Container] = []
            var lastKey = ""
            var i = 0
            let n = bytes.count
            func path() -> String { stack.dropFirst().map(\.name).joined(separator: ".") }
            func childName() -> String {
                guard let top = stack.last else { return "" }
                return top.isObject ? lastKey : String(top.index)
            }
            while i < n {
                let b = bytes[i]
                switch b {
                case UInt8(ascii: "{"):
                    stack.append(Container(isObject: true, expectingKey: true, name: childName()))
                case UInt8(ascii: "["):
                    stack.append(Container(isObject: false, name: childName()))
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    _ = stack.popLast()
                case UInt8(ascii: ","):
                    if stack.last?.isObject == true { stack[stack.count - 1].expectingKey = true } else if !stack.isEmpty { stack[stack.count - 1].index += 1 }
                case UInt8(ascii: "\""):
                    let start = i + 1
                    var escaped = false
                    i += 1
                    while i < n, bytes[i] != UInt8(ascii: "\"") {
                        if bytes[i] == UInt8(ascii: "\\") {
                            escaped = true
                            i += 1
                        }
                        i += 1
                    }
                    if let top = stack.last, top.isObject, top.expectingKey {
                        let key: String
                        if escaped {
                            // `\u0061` and `a` are the same key: let the JSON reader unescape it.
                            let literal = Data(UnsafeBufferPointer(rebasing: bytes[(start - 1)...min(i, n - 1)]))
                            key = (try? JSONSerialization.jsonObject(with: literal, options: [.fragmentsAllowed])) as? String ?? ""
                        } else {
                            key = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<min(i, n)]), as: UTF8.self)
                        }
                        if top.keys.contains(key) { return (key, path()) }
                        stack[stack.count - 1].keys.insert(key)
                        stack[stack.count - 1].expectingKey = false
                        lastKey = key
                    }
                default:
                    break
                }
                i += 1
            }
            return nil
        }
    }
}
