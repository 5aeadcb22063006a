import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The store's files on disk: created private to their owner, opened and migrated one process at
/// a time.
enum StoreFiles {
    /// Runs `body` holding an exclusive `flock` on `directory` (waits for other processes holding
    /// it). The lock is on the directory, never on the database file: closing another descriptor
    /// of the database would drop SQLite's own POSIX locks on it.
    static func exclusively<T>(in directory: URL, _ body: () throws -> T) throws -> T {
        let fd = open(directory.path, O_RDONLY)
        guard fd >= 0 else { return try body() }  // can't lock (permissions): SQLite's busy timeout still serializes writes
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { return try body() }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// Creates an empty database file with mode 0600 unless one exists; SQLite then creates its
    /// -wal and -shm files with the same mode.
    /// A store made by an older version is made private the same way — only when the path is a
    /// regular file (never through a symlink) that is an SQLite database, so a mistyped `--state`
    /// naming some other file changes nothing about it.
    static func createPrivately(_ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600)
        if fd >= 0 {
            close(fd)
            return
        }
        // Only a store that is not private yet is opened to read its header: opening and closing
        // a descriptor of a database this process already has open would drop SQLite's POSIX locks.
        let files = [path, path + "-wal", path + "-shm"].filter { isRegular($0) && !isPrivate($0) }
        guard !files.isEmpty, isRegular(path), isDatabase(path) else { return }
        for file in files { _ = chmod(file, 0o600) }
    }

    private static func isRegular(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    private static func isPrivate(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & 0o077 == 0
    }

    /// Empty (just created) or starting with SQLite's header.
    private static func isDatabase(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var header = [UInt8](repeating: 0, count: 16)
        let n = header.withUnsafeMutableBytes { read(fd, $0.baseAddress!, 16) }
        return n == 0 || (n == 16 && header == Array("SQLite format 3\0".utf8))
    }
}
