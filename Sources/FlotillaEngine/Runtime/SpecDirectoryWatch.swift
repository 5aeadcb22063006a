import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// inotify on the spec directories (`bots.d/`, `profiles/`, `accounts/`) and on the directories
/// that hold them, so a directory replaced under its name (a `git checkout`, an `mv`) is followed:
/// the parent sees the new entry and the watch is placed again on what the name now is.
///
/// Only what can change the desired state wakes a reader: a `.yaml`/`.yml` file written, moved,
/// deleted or re-permissioned, a watched directory (or a watched extra file such as the alerts
/// file) appearing or going; an editor's swap and backup files do not.
final class SpecDirectoryWatch: @unchecked Sendable {
    // The watch descriptors are touched only by the one reader of `wait` (the watcher's loop,
    // which never calls it from two places at once); `fd` is immutable.
    private let fd: Int32
    private let directories: [String]
    /// Parent directory → the names in it that matter (the watched directories, the extra files).
    private let parents: [String: Set<String>]
    private var watched: [Int32: String] = [:]
    /// The descriptor each watched path has now.
    private var current: [String: Int32] = [:]

    // inotify(7)'s masks.
    static let inModify: UInt32 = 0x0000_0002, inAttrib: UInt32 = 0x0000_0004, inCloseWrite: UInt32 = 0x0000_0008
    static let inMovedFrom: UInt32 = 0x0000_0040, inMovedTo: UInt32 = 0x0000_0080, inCreate: UInt32 = 0x0000_0100
    static let inDelete: UInt32 = 0x0000_0200, inDeleteSelf: UInt32 = 0x0000_0400, inMoveSelf: UInt32 = 0x0000_0800
    static let inQueueOverflow: UInt32 = 0x0000_4000, inIgnored: UInt32 = 0x0000_8000, inOnlyDir: UInt32 = 0x0100_0000
    static let inIsDir: UInt32 = 0x4000_0000

    static let directoryMask = inCloseWrite | inModify | inAttrib | inMovedFrom | inMovedTo | inCreate | inDelete | inDeleteSelf | inMoveSelf | inOnlyDir
    static let parentMask = inCreate | inDelete | inMovedFrom | inMovedTo | inCloseWrite | inAttrib | inOnlyDir

    /// nil when inotify is not available here (`inotify_init1` failed: no kernel support, the
    /// per-user instance limit reached): the caller polls instead.
    init?(directories: [URL], files: [URL] = []) {
        #if canImport(Glibc)
        let fd = inotify_init1(0o4000 | 0o2000000)  // IN_NONBLOCK | IN_CLOEXEC
        guard fd >= 0 else { return nil }
        self.fd = fd
        #else
        return nil
        #endif
        self.directories = directories.map(\.standardizedFileURL.path)
        var parents: [String: Set<String>] = [:]
        for url in directories + files {
            let standard = url.standardizedFileURL
            parents[standard.deletingLastPathComponent().path, default: []].insert(standard.lastPathComponent)
        }
        self.parents = parents
        place()
    }

    deinit { close(fd) }

    /// (Re)places every watch: a path whose directory was replaced gets a new descriptor; an
    /// unchanged one keeps its own (inotify returns the same descriptor for the same inode).
    /// A directory that does not exist yet is watched through its parent until it does.
    private func place() {
        #if canImport(Glibc)
        func watch(_ path: String, _ mask: UInt32) {
            let wd = inotify_add_watch(fd, path, mask)
            if let old = current[path], old != wd {
                // The name now holds another directory: the one moved away is not ours any more.
                inotify_rm_watch(fd, old)
                watched[old] = nil
                current[path] = nil
            }
            guard wd >= 0 else { return }
            watched[wd] = path
            current[path] = wd
        }
        for path in parents.keys { watch(path, Self.parentMask) }
        for path in directories { watch(path, Self.directoryMask) }
        #endif
    }

    /// Waits up to `milliseconds` for events and reads all that are queued. True when one of them
    /// can have changed the desired state.
    func wait(milliseconds: Int32) -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, milliseconds)
        guard ready > 0 else { return false }
        return drain()
    }

    private func drain() -> Bool {
        var relevant = false
        var replace = false
        let size = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer, size)
            guard count > 0 else { break }
            var offset = 0
            // struct inotify_event { int wd; uint32_t mask; uint32_t cookie; uint32_t len; char name[]; }
            while offset + 16 <= count {
                let wd = buffer.load(fromByteOffset: offset, as: Int32.self)
                let mask = buffer.load(fromByteOffset: offset + 4, as: UInt32.self)
                let length = Int(buffer.load(fromByteOffset: offset + 12, as: UInt32.self))
                let name: String
                if length > 0 {
                    let start = buffer.advanced(by: offset + 16).assumingMemoryBound(to: UInt8.self)
                    let bytes = UnsafeBufferPointer(start: start, count: min(length, count - offset - 16))
                    name = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                } else {
                    name = ""
                }
                offset += 16 + length
                if mask & Self.inQueueOverflow != 0 {
                    (relevant, replace) = (true, true)
                    continue
                }
                let path = watched[wd]
                if mask & Self.inIgnored != 0 {
                    if let path, current[path] == wd { current[path] = nil }
                    watched[wd] = nil
                    replace = true
                    continue
                }
                guard let path else { continue }
                if let names = parents[path], !directories.contains(path) {
                    // An event in a parent: only the names it holds for us matter.
                    if names.contains(name) { (relevant, replace) = (true, true) }
                    continue
                }
                if mask & (Self.inDeleteSelf | Self.inMoveSelf) != 0 {
                    (relevant, replace) = (true, true)
                } else if mask & Self.inIsDir == 0, Self.isSpecFile(name) {
                    relevant = true
                }
            }
        }
        if replace { place() }
        return relevant
    }

    static func isSpecFile(_ name: String) -> Bool {
        (name.hasSuffix(".yaml") || name.hasSuffix(".yml")) && !name.hasPrefix(".")
    }
}

/// The quiet time that makes a burst of events one change: an editor's write, rename and chmod,
/// or a `git checkout` of many files, arrive within a few milliseconds of each other. The change
/// is read once no event came for `quiet`, and at the latest `longest` after the first, so a
/// stream of writes cannot hold a change back for ever.
struct Debounce: Sendable, Equatable {
    var quiet: Duration = .milliseconds(20)
    var longest: Duration = .milliseconds(200)

    /// How long to wait for the next event, `elapsed` after the first; nil when it is time to read.
    func nextWait(elapsed: Duration) -> Duration? {
        guard elapsed < longest else { return nil }
        return min(quiet, longest - elapsed)
    }
}
