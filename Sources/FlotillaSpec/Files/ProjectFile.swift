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
    public func read(maxBytes: Int) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: realPath) else { return nil }
        defer { try? handle.close() }
        do {
            let data = try handle.read(upToCount: maxBytes + 1) ?? Data()
            return data.count <= maxBytes ? [UInt8](data) : nil
        } catch {
            return nil
        }
    }

    /// The first `count` bytes at most (a header check).
    public func prefix(_ count: Int) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: realPath) else { return nil }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            return nil
        }
    }

    /// Replaces a file's contents atomically without replacing the file itself: a symlink stays a
    /// symlink (its target is rewritten), and the file keeps its mode.
    public static func rewrite(_ path: String, with bytes: Data) throws {
        guard let real = realPath(path) else { throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path]) }
        var info = stat()
        guard stat(real, &info) == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: path]) }
        let mode = info.st_mode & 0o7777
        let temporary = real + ".flotilla-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary]) }
        var ok = fchmod(fd, mode) == 0
        ok = ok && bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 { if errno == EINTR { continue } else { return false } }
                offset += written
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, real) == 0 else {
            unlink(temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
