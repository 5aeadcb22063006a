import FlotillaAPI
import Foundation

/// The process's file descriptor limit: `up` raises the soft limit to the hard one at start, so the
/// connection cap, not the default 1,024, is what bounds sockets.
public enum FileLimit {
    /// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force.
    @discardableResult
    public static func raiseToHard() -> UInt64 {
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return UInt64(limit.rlim_cur)
    }
}
