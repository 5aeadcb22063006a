import CoreMetrics
import Prometheus

/// swift-prometheus's `PrometheusMetricsFactory`, with each Flotilla series' help text: the
/// factory alone writes no `# HELP` line, and `promtool check metrics` refuses a series without
/// one. Series it has no help for (another library's) go to the Prometheus factory unchanged.
/// `flotilla up` bootstraps swift-metrics with one of these; a test server makes its own.
struct DescribedMetricsFactory: MetricsFactory {
    let prometheus: PrometheusMetricsFactory
    let help: [String: String]

    init(registry: PrometheusCollectorRegistry, help: [String: String] = MetricSeries.help) {
        prometheus = PrometheusMetricsFactory(registry: registry)
        self.help = help
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        guard let text = help[label] else { return prometheus.makeCounter(label: label, dimensions: dimensions) }
        return prometheus.registry.makeCounter(name: label, labels: dimensions, help: text)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        guard let text = help[label] else { return prometheus.makeFloatingPointCounter(label: label, dimensions: dimensions) }
        return prometheus.registry.makeCounter(name: label, labels: dimensions, help: text)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard !aggregate, let text = help[label] else { return prometheus.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate) }
        return prometheus.registry.makeGauge(name: label, labels: dimensions, help: text)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        guard let text = help[label] else { return prometheus.makeMeter(label: label, dimensions: dimensions) }
        return prometheus.registry.makeGauge(name: label, labels: dimensions, help: text)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        prometheus.makeTimer(label: label, dimensions: dimensions)
    }

    func destroyCounter(_ handler: any CounterHandler) { prometheus.destroyCounter(handler) }
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { prometheus.destroyFloatingPointCounter(handler) }
    func destroyRecorder(_ handler: any RecorderHandler) { prometheus.destroyRecorder(handler) }
    func destroyMeter(_ handler: any MeterHandler) { prometheus.destroyMeter(handler) }
    func destroyTimer(_ handler: any TimerHandler) { prometheus.destroyTimer(handler) }
}
