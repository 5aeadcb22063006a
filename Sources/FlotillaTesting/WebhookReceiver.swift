import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#endif

/// A webhook receiver on 127.0.0.1 for alert tests: records each POST's body and answers from a
/// script — a status, or no answer at all (a receiver that hangs) — then 200 once the script is
/// used up. One thread, plain sockets; every connection is closed after its answer.
public final class WebhookReceiver: Sendable {
    public enum Answer: Sendable, Equatable {
        case status(Int)
        case hang
    }

    public let port: Int
    private let listener: Int32
    private let state = NIOLockedValueBox<(script: [Answer], bodies: [String], hung: [Int32], stopped: Bool)>(([], [], [], false))

    public init(answers: [Answer] = []) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Problem(description: "socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw Problem(description: "bind or listen failed")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        state.withLockedValue { $0.script = answers }
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// `http://127.0.0.1:PORT/hook`.
    public var url: String { "http://127.0.0.1:\(port)/hook" }

    /// The bodies received so far, in order (a hung request's included).
    public var bodies: [String] { state.withLockedValue { $0.bodies } }

    /// Stops accepting and closes every connection held open.
    public func stop() {
        let hung = state.withLockedValue { s -> [Int32] in
            s.stopped = true
            defer { s.hung = [] }
            return s.hung
        }
        for fd in hung { close(fd) }
    }

    deinit { close(listener) }

    private func serve() {
        while !state.withLockedValue({ $0.stopped }) {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 50) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            let body = readRequest(connection)
            let answer = state.withLockedValue { s -> Answer in
                s.bodies.append(body)
                return s.script.isEmpty ? .status(200) : s.script.removeFirst()
            }
            switch answer {
            case .hang:
                state.withLockedValue { $0.hung.append(connection) }
            case .status(let code):
                let text = "HTTP/1.1 \(code) Scripted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                _ = text.withCString { send(connection, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                close(connection)
            }
        }
    }

    /// The request's body: headers read to the blank line, then Content-Length bytes.
    private func readRequest(_ fd: Int32) -> String {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var expected: Int?
        var headerEnd = 0
        while data.count < 1 << 20 {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 2000) > 0 else { break }
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { break }
            data.append(contentsOf: buffer[0..<n])
            if expected == nil, let end = Self.find([13, 10, 13, 10], in: data) {
                headerEnd = end + 4
                let headers = String(decoding: data[0..<end], as: UTF8.self).lowercased()
                let length = headers.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                expected = headerEnd + length
            }
            if let expected, data.count >= expected { break }
        }
        return headerEnd > 0 ? String(decoding: data[headerEnd...], as: UTF8.self) : ""
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        return nil
    }
}
