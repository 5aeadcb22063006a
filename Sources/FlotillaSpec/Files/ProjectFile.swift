import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file the program reads because someone named it — a spec in `bots.d/`, a candle file a spec
/// replays, a file posted to the API. A GitOps repository is someone else's input, so such a file
/// must be a regular file (not a FIFO or a device that blocks or never ends) whose real path,
/// symlinks resolved, lies inside the project directory, and no larger than its kind allows.
/// Checked before a byte is read; what it holds is never echoed in a problem.
public struct ProjectFile: Sendable, Equatable {
    /// The path with every symlink resolved.
    public var realPath: String
    public var size: Int

    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case missing
        case outside(root: String)
        case notRegular
        case tooLarge(bytes: Int, limit: Int)

        public var description: String {
            switch self {
            case .missing: return "does not exist"
            case .outside(let root):
                return "resolves to a place outside the project directory \(root) (through a symlink or ..); keep the file inside the project"
            case .notRegular: return "is not a regular file"
            case .tooLarge(let bytes, let limit): return "is \(bytes) bytes; the limit is \(limit) bytes"
            }
        }
    }

    /// Checks `path` (absolute, or relative to the working directory) against `root` (nil: no
    /// containment, for files a person names on the command line).
    public static func check(_ path: String, inside root: URL?, maxBytes: Int) -> Result<ProjectFile, Problem> {
        if let root {
            // Outside by its very name (`/etc/x`, `../../x`): said so whether or not it exists.
            let lexical = URL(fileURLWithPath: path).standardizedFileURL.path
            let top = root.standardizedFileURL.path
            if !(lexical == top || lexical.hasPrefix(top.hasSuffix("/") ? top : top + "/")) {
                return .failure(.outside(root: realPath(top) ?? top))
            }
        }
        guard let real = realPath(path) else { return .failure(.missing) }
        if let root {
            let top = realPath(root.path) ?? root.standardizedFileURL.path
            guard real == top || real.hasPrefix(top.hasSuffix("/") ? top : top + "/") else { return .failure(.outside(root: top)) }
        }
        var info = stat()
        guard stat(real, &info) == 0 else { return .failure(.missing) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return .failure(.notRegular) }
        let size = Int(info.st_size)
        guard size <= maxBytes else { return .failure(.tooLarge(bytes: size, limit: maxBytes)) }
        return .success(ProjectFile(realPath: real, size: size))
    }

    /// Whether a directory's real path lies inside `root` (the directory itself counts).
    public static func isInside(_ directory: URL, root: URL) -> Bool {
        guard let real = realPath(directory.path) else { return true }  // missing: reported elsewhere
        let top = realPath(root.path) ?? root.standardizedFileURL.path
        return real == top || real.hasPrefix(top.hasSuffix("/") ? top : top + "/")
    }

    /// Reads the whole file, refusing one that grew past `maxBytes` since it was checked.
    public func read(maxBytes: Int) -> [UInt8]? { bytes(upTo: maxBytes + 1).flatMap { $0.count <= maxBytes ? $0 : nil } }

    /// The first `count` bytes at most (a header check).
    public func prefix(_ count: Int) -> [UInt8]? { bytes(upTo: count) }

    /// Opens the checked path once — not following a symlink swapped in since the check, never
    /// blocking on a FIFO swapped in — and reads from that descriptor only if it is still a
    /// regular file.
    private func bytes(upTo limit: Int) -> [UInt8]? {
        let fd = open(realPath, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        var out = [UInt8](repeating: 0, count: min(limit, Int(info.st_size) + 1))
        var filled = 0
        while filled < out.count {
            let n = out.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 { if errno == EINTR { continue } else { return nil } }
            if n == 0 { break }
            filled += n
        }
        out.removeSubrange(filled...)
        return out
    }

    /// Why a rewrite failed, in words (not a Cocoa error code).
    public struct RewriteProblem: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot rewrite \(path): \(reason)" }
    }

    /// Replaces a file's contents without replacing the file itself: a symlink stays a symlink
    /// (its target is rewritten), the file keeps its mode and owner, and a hard-linked file is
    /// written in place so every name sees the new text. Otherwise atomic (a new file renamed over).
    public static func rewrite(_ path: String, with bytes: Data) throws {
        func failure(_ what: String) -> RewriteProblem { RewriteProblem(path: path, reason: "\(what): \(String(cString: strerror(errno)))") }
        guard let real = realPath(path) else { throw failure("resolving it") }
        var info = stat()
        guard stat(real, &info) == 0 else { throw failure("reading its attributes") }
        let mode = info.st_mode & 0o7777
        if info.st_nlink > 1 {
            let fd = open(real, O_WRONLY | O_TRUNC | O_NOFOLLOW)
            guard fd >= 0 else { throw failure("opening it") }
            defer { close(fd) }
            guard writeAll(fd, bytes), fsync(fd) == 0 else { throw failure("writing it") }
            return
        }
        let temporary = real + ".flotilla-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw failure("creating a temporary file beside it") }
        var ok = fchmod(fd, mode) == 0
        _ = fchown(fd, info.st_uid, info.st_gid)  // as root: keep the owner; otherwise it is ours already
        ok = ok && writeAll(fd, bytes) && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, real) == 0 else {
            let problem = failure("replacing it")
            unlink(temporary)
            throw problem
        }
    }

    private static func writeAll(_ fd: Int32, _ bytes: Data) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 { if errno == EINTR { continue } else { return false } }
                offset += written
            }
            return true
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        return Glibc.read(fd, buffer, count)
    #else
        return Darwin.read(fd, buffer, count)
    #endif
}
