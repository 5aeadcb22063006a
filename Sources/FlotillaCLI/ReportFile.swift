import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file a person names for output (`flotilla backtest --report FILE.html`): written where they
/// said, replacing a regular file there — but never a directory, never through a symbolic link
/// (a link planted at a predictable name must not redirect the write), never half-written (a
/// temporary file next to it, renamed into place).
enum ReportFile {
    /// Refuses a path that cannot be written as asked, before any work is done.
    static func check(_ path: String) throws(UsageProblem) {
        guard !path.isEmpty, !path.contains("\0") else { throw UsageProblem("--report: name a file such as backtest.html") }
        var info = stat()
        if lstat(path, &info) == 0 {
            switch info.st_mode & S_IFMT {
            case S_IFDIR: throw UsageProblem("--report \(path): that is a directory; name a file such as \(path.hasSuffix("/") ? path : path + "/")backtest.html")
            case S_IFLNK: throw UsageProblem("--report \(path): that is a symbolic link; the report is not written through it (name the file itself)")
            case S_IFREG: break
            default: throw UsageProblem("--report \(path): that is not a regular file; name a file such as backtest.html")
            }
        }
        let parent = directory(of: path)
        var dir = stat()
        guard stat(parent, &dir) == 0, (dir.st_mode & S_IFMT) == S_IFDIR else {
            throw UsageProblem("--report \(path): the directory \(parent) does not exist; create it first or name a file elsewhere")
        }
        guard access(parent, W_OK) == 0 else { throw UsageProblem("--report \(path): the directory \(parent) is not writable") }
    }

    /// Writes `text` to `path` (checked again: it may have changed since `check`).
    static func write(_ text: String, to path: String) throws(UsageProblem) {
        try check(path)
        let temporary = directory(of: path) + "/.\(URL(fileURLWithPath: path).lastPathComponent).\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw UsageProblem("--report \(path): cannot create a file in \(directory(of: path)) (\(String(cString: strerror(errno))))") }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { b in systemWrite(fd, b.baseAddress! + written, bytes.count - written) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw UsageProblem("--report \(path): writing failed (\(reason)); nothing was replaced")
            }
            written += n
        }
        close(fd)
        // rename replaces the name itself: a symbolic link swapped in since the check is replaced, not followed.
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw UsageProblem("--report \(path): cannot put the report in place (\(reason))")
        }
    }

    private static func directory(of path: String) -> String {
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return parent.isEmpty ? "." : parent
    }
}

private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        return Glibc.write(fd, buffer, count)
    #else
        return Darwin.write(fd, buffer, count)
    #endif
}
