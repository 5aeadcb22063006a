import CoreMetrics
import NIOConcurrencyHelpers

/// Where the series Flotilla makes through swift-metrics live (`DescribedMetricsFactory` hands
/// them out): families by name, each a dictionary of series by their labels, changed in place, and
/// rendered in Prometheus's text format exactly as swift-prometheus writes it.
///
/// swift-prometheus 2.4's registry copies a family's whole dictionary on every series it adds or
/// removes. Ten thousand bots make eleven series each at their start and destroy them at their stop:
/// that was quadratic — most of a 12 s start and of a 104 s graceful stop. Here a series is made or
/// destroyed in constant time. Other libraries' series still go to swift-prometheus.
final class SeriesRegistry: Sendable {
    enum Kind: String, Sendable {
        case counter, gauge
    }

    /// One series: a counter (whole increments, and floating-point ones kept apart, as
    /// swift-prometheus keeps them) or a gauge.
    final class Series: CounterHandler, FloatingPointCounterHandler, RecorderHandler, MeterHandler, Sendable {
        let name: String
        let kind: Kind
        let key: [String]
        /// `name{label="value",…} `, written once.
        let prefix: [UInt8]
        private let value = NIOLockedValueBox((whole: Int64(0), fraction: 0.0))

        init(name: String, kind: Kind, labels: [(String, String)]) {
            self.name = name
            self.kind = kind
            key = labels.flatMap { [$0.0, $0.1] }
            var text = Array(name.utf8)
            if !labels.isEmpty {
                text.append(UInt8(ascii: "{"))
                for (i, (label, value)) in labels.enumerated() {
                    if i > 0 { text.append(UInt8(ascii: ",")) }
                    text.append(contentsOf: label.utf8)
                    text.append(contentsOf: #"=""#.utf8)
                    for byte in value.utf8 {
                        switch byte {
                        case UInt8(ascii: "\\"): text.append(contentsOf: #"\\"#.utf8)
                        case UInt8(ascii: "\""): text.append(contentsOf: #"\""#.utf8)
                        case UInt8(ascii: "\n"): text.append(contentsOf: #"\n"#.utf8)
                        default: text.append(byte)
                        }
                    }
                    text.append(UInt8(ascii: "\""))
                }
                text.append(UInt8(ascii: "}"))
            }
            text.append(UInt8(ascii: " "))
            prefix = text
        }

        // Counter
        func increment(by amount: Int64) { value.withLockedValue { $0.whole += amount } }
        func increment(by amount: Double) { value.withLockedValue { $0.fraction += amount } }
        func reset() { value.withLockedValue { $0 = (0, 0) } }
        // Gauge (a recorder that does not aggregate, or a meter)
        func record(_ v: Int64) { record(Double(v)) }
        func record(_ v: Double) { value.withLockedValue { $0.fraction = v } }
        func set(_ v: Int64) { record(Double(v)) }
        func set(_ v: Double) { record(v) }
        func decrement(by amount: Double) { value.withLockedValue { $0.fraction -= amount } }

        /// The series' line: a counter's whole count as an integer (its sum once it has a fraction),
        /// a gauge's value as a `Double` prints.
        func emit(into buffer: inout [UInt8]) {
            let (whole, fraction) = value.withLockedValue { $0 }
            buffer.append(contentsOf: prefix)
            switch kind {
            case .counter: buffer.append(contentsOf: (fraction == 0 ? "\(whole)" : "\(fraction + Double(whole))").utf8)
            case .gauge: buffer.append(contentsOf: "\(fraction)".utf8)
            }
            buffer.append(UInt8(ascii: "\n"))
        }
    }

    private struct Family {
        let kind: Kind
        let help: String
        var series: [[String]: Series] = [:]
    }

    private let families = NIOLockedValueBox([String: Family]())

    /// The series of this name and labels: the one made before, if any (as swift-prometheus
    /// returns the same series for the same labels), else a new one.
    func series(_ kind: Kind, name: String, labels: [(String, String)], help: String) -> Series {
        let made = Series(name: name, kind: kind, labels: labels)
        return families.withLockedValue { families in
            if families[name] == nil { families[name] = Family(kind: kind, help: help) }
            if let known = families[name]!.series[made.key] { return known }
            families[name]!.series[made.key] = made
            return made
        }
    }

    /// Forgets a series (the next render leaves it out), unless another one took its place.
    func destroy(_ series: Series) {
        families.withLockedValue { families in
            guard families[series.name]?.series[series.key] === series else { return }
            families[series.name]!.series[series.key] = nil
            if families[series.name]!.series.isEmpty { families[series.name] = nil }
        }
    }

    /// Every family: its `# HELP` and `# TYPE` lines, then its series.
    func emit(into buffer: inout [UInt8]) {
        families.withLockedValue { families in
            for (name, family) in families {
                if !family.help.isEmpty {
                    buffer.append(contentsOf: "# HELP \(name) ".utf8)
                    for byte in family.help.utf8 {
                        if byte == UInt8(ascii: "\\") { buffer.append(contentsOf: #"\\"#.utf8) } else { buffer.append(byte) }
                    }
                    buffer.append(UInt8(ascii: "\n"))
                }
                buffer.append(contentsOf: "# TYPE \(name) \(family.kind.rawValue)\n".utf8)
                for series in family.series.values { series.emit(into: &buffer) }
            }
        }
    }
}
