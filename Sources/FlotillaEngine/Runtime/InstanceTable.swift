/// The fleet's running instances by id, indexed by bot: a reconcile pass looks at one bot's
/// instances at a time, and with ten thousand bots a scan of every instance per bot (or a sort of
/// all of them) is what made a pass take half a minute.
struct InstanceTable: Sequence {
    private var byID: [String: BotInstance] = [:]
    private var byBot: [String: [String: BotInstance]] = [:]

    subscript(id: String) -> BotInstance? {
        get { byID[id] }
        set {
            if let old = byID[id] {
                // An instance leaving the fleet stops reading its live feed (the last reader stops the feed).
                if old !== newValue {
                    old.liveFeed?.cancel()
                    // Its exchange commands already handed over (a stop's cancels) still go out.
                    if let desk = old.desk { Task { await desk.finish(within: 5) } }
                }
                byBot[old.bot]?[id] = nil
                if byBot[old.bot]?.isEmpty == true { byBot[old.bot] = nil }
            }
            byID[id] = newValue
            if let newValue { byBot[newValue.bot, default: [:]][id] = newValue }
        }
    }

    var count: Int { byID.count }
    var isEmpty: Bool { byID.isEmpty }
    var values: Dictionary<String, BotInstance>.Values { byID.values }
    /// The bots that have an instance.
    var bots: Dictionary<String, [String: BotInstance]>.Keys { byBot.keys }

    /// A bot's instances, in id order.
    func of(_ bot: String) -> [BotInstance] {
        guard let mine = byBot[bot] else { return [] }
        return mine.values.sorted { $0.id < $1.id }
    }

    func makeIterator() -> Dictionary<String, BotInstance>.Iterator { byID.makeIterator() }
}
