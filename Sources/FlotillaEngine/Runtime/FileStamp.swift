import Foundation

/// A file's modification time and size as `stat` reads them (zero when it can't be read).
struct FileStamp: Equatable, Sendable {
    var seconds: Int
    var nanoseconds: Int
    var size: Int64

    init(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 || lstat(path, &info) == 0 else {
            (seconds, nanoseconds, size) = (0, 0, 0)
            return
        }
        seconds = Int(info.st_mtim.tv_sec)
        nanoseconds = Int(info.st_mtim.tv_nsec)
        size = Int64(info.st_size)
    }
}
