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
    /// A store made by an older version is made private the same way.
    static func createPrivately(_ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if fd >= 0 {
            close(fd)
            return
        }
        for file in [path, path + "-wal", path + "-shm"] { _ = chmod(file, 0o600) }
    }
}
