import CoreMetrics
@testable import FlotillaServer
import Prometheus
import Testing

/// Flotilla's series moved out of swift-prometheus's registry (which copies a family on every
/// series added or removed) into `SeriesRegistry`: the text `/metrics` serves must not change.
@Suite("Metric series registry")
struct SeriesRegistryTests {
    /// The lines of a family, sorted (both registries keep series in a dictionary).
    static func lines(_ bytes: [UInt8]) -> [String] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init).sorted()
    }

    @Test("the same series, values and help render the same text as swift-prometheus writes", arguments: [
        // name, labels, value or increments
        ("flotilla_capital_pct", [("bot", "eth-trend"), ("symbol", "ETH-BTC"), ("revision", "1")], 100.0),
        ("flotilla_equity", [("bot", "a \"quoted\" \\ name\nwith a newline")], -0.000012),
        ("flotilla_state_serial", [], 12.0),
        ("trading_bot_positions_active", [("bot", "x")], 1e21),
    ] as [(String, [(String, String)], Double)])
    func gaugesAsPrometheus(name: String, labels: [(String, String)], value: Double) {
        let prometheus = PrometheusCollectorRegistry()
        prometheus.makeGauge(name: name, labels: labels, help: "Help with a \\ backslash").set(to: value)
        let own = SeriesRegistry()
        own.series(.gauge, name: name, labels: labels, help: "Help with a \\ backslash").record(value)
        var a: [UInt8] = [], b: [UInt8] = []
        prometheus.emit(into: &a)
        own.emit(into: &b)
        #expect(Self.lines(b) == Self.lines(a))
    }

    @Test("counters count as swift-prometheus's do: whole increments as an integer, a reset to zero")
    func countersAsPrometheus() {
        let prometheus = PrometheusCollectorRegistry()
        let own = SeriesRegistry()
        let labels = [("bot", "b"), ("action", "buy")]
        let theirs = prometheus.makeCounter(name: "trading_bot_trades_total", labels: labels, help: "Fills by side")
        let ours = own.series(.counter, name: "trading_bot_trades_total", labels: labels, help: "Fills by side")
        func same() -> Bool {
            var a: [UInt8] = [], b: [UInt8] = []
            prometheus.emit(into: &a)
            own.emit(into: &b)
            return Self.lines(a) == Self.lines(b)
        }
        theirs.increment(by: Int64(7)); ours.increment(by: Int64(7))
        #expect(same())
        theirs.reset(); ours.reset()
        #expect(same())
        theirs.increment(by: Int64(3)); ours.increment(by: Int64(3))
        #expect(same())
    }

    @Test("a series asked for twice is one series; a destroyed one leaves the text, and its family with its last series")
    func makeAndDestroy() {
        let own = SeriesRegistry()
        let a = own.series(.gauge, name: "flotilla_equity", labels: [("bot", "a")], help: "h")
        #expect(own.series(.gauge, name: "flotilla_equity", labels: [("bot", "a")], help: "h") === a)
        let b = own.series(.gauge, name: "flotilla_equity", labels: [("bot", "b")], help: "h")
        own.destroy(a)
        var text: [UInt8] = []
        own.emit(into: &text)
        #expect(Self.lines(text) == ["# HELP flotilla_equity h", "# TYPE flotilla_equity gauge", #"flotilla_equity{bot="b"} 0.0"#])
        own.destroy(b)
        text = []
        own.emit(into: &text)
        #expect(text.isEmpty)
    }

    @Test("ten thousand bots' series are made and destroyed through swift-metrics, each once")
    func fleetScale() {
        let own = SeriesRegistry()
        let factory = DescribedMetricsFactory(registry: PrometheusCollectorRegistry(), series: own)
        let gauges = (0..<10_000).map { CoreMetrics.Gauge(label: MetricSeries.equity, dimensions: [("bot", "bot-\($0)")], factory: factory) }
        var text: [UInt8] = []
        own.emit(into: &text)
        #expect(Self.lines(text).count == 10_002)
        for gauge in gauges { gauge.destroy() }
        text = []
        own.emit(into: &text)
        #expect(text.isEmpty)
    }
}
