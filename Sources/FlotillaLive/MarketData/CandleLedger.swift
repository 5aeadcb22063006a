import FlotillaTrading

/// What a feed has delivered, and the rule for what it delivers next: closed candles only, on the
/// interval's grid, each once, in time order. A batch from the venue (a backfill, a poll, a page
/// after an outage) is merged against it: duplicates and candles older than the last one
/// delivered are dropped, a candle still open is left for a later poll. A pure value.
public struct CandleLedger: Sendable, Equatable {
    public let schedule: CandleSchedule
    /// Open time (Unix seconds) of the last candle delivered; nil before the first.
    public private(set) var lastOpen: Int64?
    public private(set) var delivered = 0
    public private(set) var duplicatesDropped = 0
    public private(set) var outOfOrderDropped = 0
    public private(set) var misalignedDropped = 0
    /// Candles delivered past the one a poll expects: the ones a gap (an outage, a missed poll) left.
    public private(set) var gapsFilled = 0

    public init(schedule: CandleSchedule, lastOpen: Int64? = nil) {
        self.schedule = schedule
        self.lastOpen = lastOpen
    }

    /// What a merge decided.
    public struct Merge: Sendable, Equatable {
        /// New closed candles, oldest first: deliver these.
        public var fresh: [Candle] = []
        public var duplicates = 0
        public var outOfOrder = 0
        public var misaligned = 0
        /// Candles not yet closed (the venue's current candle): asked for again later.
        public var stillOpen = 0
    }

    /// The first open time (Unix seconds) the next request should ask from.
    public func nextWanted(orBackfillFrom start: Int64) -> Int64 { lastOpen.map { $0 + schedule.intervalSeconds } ?? start }

    /// Merges one batch, in the order the venue sent it.
    public mutating func merge(_ batch: [Candle], atMs nowMs: Int64) -> Merge {
        var out = Merge()
        for candle in batch {
            guard schedule.isAligned(candle.time) else {
                out.misaligned += 1
                continue
            }
            guard schedule.isClosed(openTime: candle.time, atMs: nowMs) else {
                out.stillOpen += 1
                continue
            }
            if let last = lastOpen {
                if candle.time == last {
                    out.duplicates += 1
                    continue
                }
                if candle.time < last {
                    out.outOfOrder += 1
                    continue
                }
            }
            out.fresh.append(candle)
            lastOpen = candle.time
        }
        delivered += out.fresh.count
        duplicatesDropped += out.duplicates
        outOfOrderDropped += out.outOfOrder
        misalignedDropped += out.misaligned
        return out
    }

    /// Counts the candles of a poll beyond the one expected as gap fill (a poll after an outage
    /// brings every candle it missed).
    public mutating func countGapFill(_ merge: Merge, wasBackfill: Bool) {
        if !wasBackfill, merge.fresh.count > 1 { gapsFilled += merge.fresh.count - 1 }
    }
}
