import FlotillaAPI
import Foundation
import NIOCore
import NIOHTTPTypes
import Synchronization

/// At most `maximum` connections are held open. An idle connection costs a file descriptor and
/// nothing else, so a client can open them until the process runs out (1,100 idle sockets against
/// `ulimit -n 1024` made `/healthz` unreachable and crashed the process). Refusing new connections
/// at the cap would lock the health probes out too; instead, when a new connection arrives at the
/// cap the connection idle the longest (no request in progress) is closed to make room, so a probe
/// always gets through. Only when every held connection is busy is the new one closed. Idle
/// connections are also closed after the server's idle timeout (Hummingbird's `idleTimeout`).
final class ConnectionLimit: Sendable {
    let maximum: Int
    private let state = Mutex(Held())

    struct Held {
        var nextID = 0
        var open: [Int: Entry] = [:]
    }

    struct Entry {
        var channel: any Channel
        /// Complete requests (head and body received) not yet answered. A request still arriving
        /// (a body dripped a byte at a time) is not work the server owes, so it doesn't count.
        var requestsInProgress = 0
        /// The client stopped reading its answers (the socket's send buffer is full).
        var blocked = false
        var lastActive: NIODeadline

        /// May be closed to make room: nothing is owed to it, or its client isn't reading.
        var sheddable: Bool { requestsInProgress == 0 || blocked }
    }

    init(maximum: Int) { self.maximum = max(1, maximum) }

    /// The handler one connection's pipeline gets (after HTTP decoding).
    func handler() -> ConnectionWatch { ConnectionWatch(limit: self) }

    var openCount: Int { state.withLock { $0.open.count } }

    /// Registers a new connection; nil when it was closed because every held one is busy.
    func opened(_ channel: any Channel) -> Int? {
        let (id, shed): (Int?, (any Channel)?) = state.withLock { held in
            var shed: (any Channel)?
            if held.open.count >= maximum {
                guard let oldest = held.open.filter({ $0.value.sheddable }).min(by: { $0.value.lastActive < $1.value.lastActive }) else {
                    return (nil, channel)
                }
                held.open[oldest.key] = nil
                shed = oldest.value.channel
            }
            let id = held.nextID
            held.nextID += 1
            held.open[id] = Entry(channel: channel, lastActive: .now())
            return (id, shed)
        }
        shed?.close(promise: nil)
        return id
    }

    func closed(_ id: Int) { state.withLock { _ = $0.open.removeValue(forKey: id) } }

    func requestStarted(_ id: Int) {
        state.withLock { held in
            held.open[id]?.requestsInProgress += 1
            held.open[id]?.lastActive = .now()
        }
    }

    func writability(_ id: Int, writable: Bool) {
        state.withLock { held in held.open[id]?.blocked = !writable }
    }

    func responseFinished(_ id: Int) {
        state.withLock { held in
            if let n = held.open[id]?.requestsInProgress, n > 0 { held.open[id]?.requestsInProgress = n - 1 }
            held.open[id]?.lastActive = .now()
        }
    }
}

/// Tells the `ConnectionLimit` when its connection opens, starts and finishes a request, and closes.
final class ConnectionWatch: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let limit: ConnectionLimit
    private var id: Int?
    private var registered = false

    init(limit: ConnectionLimit) { self.limit = limit }

    private func register(_ context: ChannelHandlerContext) {
        guard !registered else { return }
        registered = true
        id = limit.opened(context.channel)
        if id == nil { context.close(promise: nil) }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { register(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if let id { limit.closed(id) }
        id = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        register(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let id { limit.closed(id) }
        id = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if let id, case .end = unwrapInboundIn(data) { limit.requestStarted(id) }
        context.fireChannelRead(data)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if let id { limit.writability(id, writable: context.channel.isWritable) }
        context.fireChannelWritabilityChanged()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if let id, case .end = unwrapOutboundIn(data) { limit.responseFinished(id) }
        context.write(data, promise: promise)
    }
}
