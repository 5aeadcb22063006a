import CoreMetrics
import Prometheus

/// The swift-metrics factory `/metrics` exports: each Flotilla series, with its help text (
/// `promtool check metrics` refuses a series without a `# HELP` line), in a `SeriesRegistry`;
/// series it has no help for (another library's) go to swift-prometheus's `PrometheusMetricsFactory`
/// unchanged. `flotilla up` bootstraps swift-metrics with one of these; a test server makes its own.
struct DescribedMetricsFactory: MetricsFactory {
    let prometheus: PrometheusMetricsFactory
    let series: SeriesRegistry
    let help: [String: String]

    init(registry: PrometheusCollectorRegistry, series: SeriesRegistry, help: [String: String] = MetricSeries.help) {
        prometheus = PrometheusMetricsFactory(registry: registry)
        self.series = series
        self.help = help
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        guard let text = help[label] else { return prometheus.makeCounter(label: label, dimensions: dimensions) }
        return series.series(.counter, name: label, labels: dimensions, help: text)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        guard let text = help[label] else { return prometheus.makeFloatingPointCounter(label: label, dimensions: dimensions) }
        return series.series(.counter, name: label, labels: dimensions, help: text)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard !aggregate, let text = help[label] else { return prometheus.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate) }
        return series.series(.gauge, name: label, labels: dimensions, help: text)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        guard let text = help[label] else { return prometheus.makeMeter(label: label, dimensions: dimensions) }
        return series.series(.gauge, name: label, labels: dimensions, help: text)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        prometheus.makeTimer(label: label, dimensions: dimensions)
    }

    func destroyCounter(_ handler: any CounterHandler) {
        if let own = handler as? SeriesRegistry.Series { series.destroy(own) } else { prometheus.destroyCounter(handler) }
    }

    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let own = handler as? SeriesRegistry.Series { series.destroy(own) } else { prometheus.destroyFloatingPointCounter(handler) }
    }

    func destroyRecorder(_ handler: any RecorderHandler) {
        if let own = handler as? SeriesRegistry.Series { series.destroy(own) } else { prometheus.destroyRecorder(handler) }
    }

    func destroyMeter(_ handler: any MeterHandler) {
        if let own = handler as? SeriesRegistry.Series { series.destroy(own) } else { prometheus.destroyMeter(handler) }
    }

    func destroyTimer(_ handler: any TimerHandler) { prometheus.destroyTimer(handler) }
}
