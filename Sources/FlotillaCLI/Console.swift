import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#endif

/// Where a command writes and reads: the terminal for the executable, a buffer for tests.
public final class Console: Sendable {
    /// What a capturing console recorded, and the answers it has left to give.
    private struct Captured {
        var output = ""
        var errors = ""
        var answers: [String]
    }

    private let captured: NIOLockedValueBox<Captured>
    private let echo: Bool
    /// Whether standard input is a terminal a person can answer prompts on.
    public let isInteractive: Bool
    /// The environment the command sees (FLOTILLA_SERVER, FLOTILLA_TOKEN).
    public let environment: [String: String]

    /// The process's own standard streams.
    public static func standard() -> Console {
        Console(echo: true, isInteractive: isatty(0) == 1, answers: [], environment: ProcessInfo.processInfo.environment)
    }

    /// A console that records output, for tests; `answers` are what a person types at prompts.
    public static func capturing(interactive: Bool = false, answers: [String] = [], environment: [String: String] = [:]) -> Console {
        Console(echo: false, isInteractive: interactive, answers: answers, environment: environment)
    }

    private init(echo: Bool, isInteractive: Bool, answers: [String], environment: [String: String]) {
        self.environment = environment
        self.echo = echo
        self.isInteractive = isInteractive
        self.captured = NIOLockedValueBox(Captured(answers: answers))
    }

    public func write(_ text: String) {
        if echo {
            Self.write(text, to: 1)
        } else {
            captured.withLockedValue { $0.output += text }
        }
    }

    public func line(_ text: String = "") { write(text + "\n") }

    public func error(_ text: String) {
        if echo {
            Self.write(text + "\n", to: 2)
        } else {
            captured.withLockedValue { $0.errors += text + "\n" }
        }
    }

    /// Writes all of `text` to a standard stream. A reader that went away (`| head`, a closed
    /// pipe: EPIPE, since the HTTP client ignores SIGPIPE) ends the command as SIGPIPE would,
    /// with status 141, quietly — never a crash.
    private static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == EPIPE { exit(141) }
                return  // another failure of a standard stream: nothing more can be said
            }
            bytes = bytes.dropFirst(n)
        }
    }

    /// Asks a question and returns the answer, or nil at end of input.
    public func ask(_ prompt: String) -> String? {
        write(prompt)
        if echo { return readLine() }
        return captured.withLockedValue { $0.answers.isEmpty ? nil : $0.answers.removeFirst() }
    }

    public var output: String { captured.withLockedValue { $0.output } }
    public var errors: String { captured.withLockedValue { $0.errors } }
}
