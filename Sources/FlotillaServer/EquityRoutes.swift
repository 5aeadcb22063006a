import FlotillaStore
import Foundation
import Hummingbird

/// A bot's equity history from the store (recorded by the engine's `EquityRecorder`), downsampled,
/// with its rollout's steps as marks: what the dashboard draws on open.
enum EquityRoutes {
    static func add(to router: Router<FlotillaRequestContext>, server: ServerContext) {
        let store = server.store
        router.on(Routes.botEquity, server: server) { request, context in
            let view = try bot(context, store)
            let points = max(2, min(1000, Int(request.uri.queryParameters.get("points") ?? "") ?? 200))
            let samples = try store.equityHistory(bot: view.name, points: points)
            let since = (samples.first?.time ?? Int64(Date().timeIntervalSince1970 * 1000)) - 5_000  // the step that started the first sample
            let marks = try store.rolloutMarks(bot: view.name, since: since)
            func date(_ ms: Int64) -> Date { Date(timeIntervalSince1970: Double(ms) / 1000) }
            return try JSON.response(EquityHistoryView(
                bot: view.name, capital: view.capital,
                points: samples.map { .init(time: date($0.time), equity: $0.equity) },
                marks: marks.map { .init(time: date($0.time), kind: $0.kind, revision: $0.revision, message: $0.message) }))
        }
    }
}
