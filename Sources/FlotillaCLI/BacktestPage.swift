import FlotillaTrading
import Foundation

/// `flotilla backtest --report FILE.html`: one self-contained page (inline SVG and a few lines of
/// inline script, nothing fetched) with what backtesting.py's `plot()` shows — the equity curve,
/// the drawdown, the price with each trade's entry and exit marked — and the statistics table.
///
/// A million candles are drawn from at most `columns` columns: each keeps its lowest and highest
/// value, so spikes survive the thinning.
struct BacktestPage {
    let report: BacktestReport
    let bot: String
    let strategy: String
    let symbol: String
    let interval: String
    var columns = 1200

    static let width = 1100.0
    static let left = 70.0
    static let right = 16.0

    func html() -> String {
        let curve = report.curve ?? BacktestCurve()
        let title = "Backtest of \(bot): \(strategy) on \(symbol)"
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(Self.escape(title))</title>
            <style>
            body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1d2330; background: #fff; }
            h1 { font-size: 20px; margin: 0 0 4px; } .sub { color: #5b6475; margin-bottom: 16px; }
            .charts { max-width: \(Int(Self.width))px; } svg { display: block; width: 100%; height: auto; overflow: visible; }
            .panel-title { font-size: 12px; font-weight: 600; fill: #5b6475; } .axis { font-size: 11px; fill: #5b6475; }
            .grid { stroke: #e6e9ef; stroke-width: 1; } .equity { fill: none; stroke: #2b6cb0; stroke-width: 1.4; }
            .start { stroke: #9aa3b2; stroke-dasharray: 4 3; } .dd { fill: #e53e3e33; stroke: #c53030; stroke-width: 1; }
            .price { fill: none; stroke: #4a5568; stroke-width: 1.1; } .win { stroke: #2f855a; } .loss { stroke: #c53030; }
            .trade { stroke-width: 1.6; stroke-dasharray: 3 2; } .entry { fill: #2f855a; } .exit-win { fill: #2f855a; } .exit-loss { fill: #c53030; }
            .cursor { stroke: #1d2330; stroke-width: 0.6; } #readout { font: 12px ui-monospace, monospace; min-height: 1.4em; color: #1d2330; margin: 4px 0 12px; }
            table { border-collapse: collapse; margin-top: 8px; } td { padding: 2px 14px 2px 0; } td:first-child { color: #5b6475; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; } h2 { font-size: 16px; margin: 24px 0 4px; }
            .trades td { padding-right: 10px; font-size: 12px; } .trades th { text-align: left; font-size: 12px; color: #5b6475; padding-right: 10px; }
            </style></head><body>
            <h1>\(Self.escape(title))</h1>
            <div class="sub">\(Self.escape(report.start)) → \(Self.escape(report.end)), \(report.candles) candles of \(Self.escape(interval)); \
            fills at the next candle's open (market), stops and limits when the range reaches them.</div>
            <div class="charts">
            \(charts(curve))
            <div id="readout">Move the pointer over the charts to read a candle.</div>
            </div>
            <h2>Statistics</h2>
            \(statistics(curve))
            \(tradesTable())
            \(script(curve))
            </body></html>

            """
    }

    // MARK: Charts

    /// Candle indices thinned to at most 2 × `columns`: the lowest and highest of each column, in order.
    func thinned(_ values: [Double]) -> [Int] {
        let n = values.count
        guard n > 2 * columns else { return Array(0..<n) }
        var out: [Int] = []
        out.reserveCapacity(2 * columns + 1)
        for c in 0..<columns {
            let lo = c * n / columns, hi = (c + 1) * n / columns
            guard lo < hi else { continue }
            var minI = lo, maxI = lo
            for i in lo..<hi {
                if values[i] < values[minI] { minI = i }
                if values[i] > values[maxI] { maxI = i }
            }
            out.append(min(minI, maxI))
            if minI != maxI { out.append(max(minI, maxI)) }
        }
        if out.last != n - 1 { out.append(n - 1) }
        return out
    }

    struct Scale {
        var t0: Double, t1: Double, v0: Double, v1: Double, top: Double, height: Double
        func x(_ t: Double) -> Double { BacktestPage.left + (t1 > t0 ? (t - t0) / (t1 - t0) : 0.5) * (BacktestPage.width - BacktestPage.left - BacktestPage.right) }
        func y(_ v: Double) -> Double { top + height - (v1 > v0 ? (v - v0) / (v1 - v0) : 0.5) * height }
    }

    func charts(_ curve: BacktestCurve) -> String {
        guard curve.times.count >= 2 else { return "<p>Not enough candles to draw.</p>" }
        let t0 = Double(curve.times.first!), t1 = Double(curve.times.last!)
        var drawdown = [Double](repeating: 0, count: curve.equity.count)
        var peak = -Double.infinity
        for (i, e) in curve.equity.enumerated() {
            peak = max(peak, e)
            drawdown[i] = peak > 0 ? (e - peak) / peak * 100 : 0
        }
        let start = report.startingEquity.double
        let equityScale = Scale(t0: t0, t1: t1, v0: min(curve.equity.min()!, start), v1: max(curve.equity.max()!, start), top: 24, height: 200)
        let ddScale = Scale(t0: t0, t1: t1, v0: min(drawdown.min()!, -0.01), v1: 0, top: 268, height: 90)
        let tradePrices = report.trades.flatMap { [$0.entryPrice.double, $0.exitPrice.double] }
        let priceScale = Scale(t0: t0, t1: t1, v0: min(curve.closes.min()!, tradePrices.min() ?? .infinity),
                               v1: max(curve.closes.max()!, tradePrices.max() ?? -.infinity), top: 404, height: 300)
        var svg = "<svg id=\"chart\" viewBox=\"0 0 \(Int(Self.width)) 740\" role=\"img\" aria-label=\"equity, drawdown and price\">"
        svg += panel("Equity", equityScale, format: Self.number)
        svg += "<line class=\"start\" x1=\"\(f(Self.left))\" x2=\"\(f(Self.width - Self.right))\" y1=\"\(f(equityScale.y(start)))\" y2=\"\(f(equityScale.y(start)))\"/>"
        svg += "<path class=\"equity\" d=\"\(path(curve.times, curve.equity, equityScale))\"/>"
        svg += panel("Drawdown %", ddScale, format: { String(format: "%.1f", $0) })
        let ddIndices = thinned(drawdown)
        var area = "M\(f(ddScale.x(Double(curve.times[ddIndices[0]])))),\(f(ddScale.y(0)))"
        for i in ddIndices { area += "L\(f(ddScale.x(Double(curve.times[i])))),\(f(ddScale.y(drawdown[i])))" }
        area += "L\(f(ddScale.x(Double(curve.times[ddIndices.last!])))),\(f(ddScale.y(0)))Z"
        svg += "<path class=\"dd\" d=\"\(area)\"/>"
        svg += panel("Price (\(Self.escape(symbol))) — ▲ entry, ▼ exit", priceScale, format: Self.number)
        svg += "<path class=\"price\" d=\"\(path(curve.times, curve.closes, priceScale))\"/>"
        svg += tradeMarks(priceScale)
        svg += timeAxis(t0: t0, t1: t1, scale: priceScale, y: 724)
        svg += "<line id=\"cursor\" class=\"cursor\" x1=\"0\" x2=\"0\" y1=\"24\" y2=\"704\" visibility=\"hidden\"/>"
        svg += "</svg>"
        return svg
    }

    func path(_ times: [Int64], _ values: [Double], _ s: Scale) -> String {
        var d = ""
        d.reserveCapacity(columns * 30)
        for (k, i) in thinned(values).enumerated() {
            d += (k == 0 ? "M" : "L") + f(s.x(Double(times[i]))) + "," + f(s.y(values[i]))
        }
        return d
    }

    func panel(_ title: String, _ s: Scale, format: (Double) -> String) -> String {
        var out = "<text class=\"panel-title\" x=\"\(f(Self.left))\" y=\"\(f(s.top - 8))\">\(title)</text>"
        for k in 0...4 {
            let v = s.v0 + (s.v1 - s.v0) * Double(k) / 4
            let y = f(s.y(v))
            out += "<line class=\"grid\" x1=\"\(f(Self.left))\" x2=\"\(f(Self.width - Self.right))\" y1=\"\(y)\" y2=\"\(y)\"/>"
            out += "<text class=\"axis\" x=\"\(f(Self.left - 6))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(format(v))</text>"
        }
        return out
    }

    func tradeMarks(_ s: Scale) -> String {
        var out = ""
        // Thousands of trades would hide the price: mark at most 2,000 (the first ones).
        for trade in report.trades.prefix(2000) {
            guard let entry = ISOTime.parse(Array(trade.entryTime.utf8)), let exit = ISOTime.parse(Array(trade.exitTime.utf8)) else { continue }
            let won = trade.pnl.units > 0
            let x0 = s.x(Double(entry)), y0 = s.y(trade.entryPrice.double), x1 = s.x(Double(exit)), y1 = s.y(trade.exitPrice.double)
            out += "<line class=\"trade \(won ? "win" : "loss")\" x1=\"\(f(x0))\" y1=\"\(f(y0))\" x2=\"\(f(x1))\" y2=\"\(f(y1))\"/>"
            out += "<path class=\"entry\" d=\"M\(f(x0)),\(f(y0 - 1))l-4,7h8z\"><title>entry \(trade.entryTime) at \(trade.entryPrice)</title></path>"
            out += "<path class=\"\(won ? "exit-win" : "exit-loss")\" d=\"M\(f(x1)),\(f(y1 + 1))l-4,-7h8z\"><title>exit \(trade.exitTime) at \(trade.exitPrice), PnL \(trade.pnl)</title></path>"
        }
        return out
    }

    func timeAxis(t0: Double, t1: Double, scale: Scale, y: Double) -> String {
        var out = ""
        for k in 0...5 {
            let t = t0 + (t1 - t0) * Double(k) / 5
            let anchor = k == 0 ? "start" : k == 5 ? "end" : "middle"
            let text = String(ISOTime.format(Int64(t)).prefix(t1 - t0 > 5 * 86_400 ? 10 : 16)).replacingOccurrences(of: "T", with: " ")
            out += "<text class=\"axis\" x=\"\(f(scale.x(t)))\" y=\"\(f(y))\" text-anchor=\"\(anchor)\">\(text)</text>"
        }
        return out
    }

    // MARK: Tables

    func statistics(_ curve: BacktestCurve) -> String {
        let r = report
        let peak = curve.equity.max().map(Self.number) ?? r.finalEquity.description
        let buyAndHold = curve.closes.count >= 2 ? String(format: "%.2f", (curve.closes.last! / curve.closes.first! - 1) * 100) : "–"
        let returns = r.trades.map(\.returnPct)
        func pct(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "–" }
        let rows: [(String, String)] = [
            ("Start", r.start), ("End", r.end), ("Candles", "\(r.candles)"),
            ("Exposure time [%]", pct(r.exposurePct)),
            ("Equity start", r.startingEquity.description), ("Equity final", r.finalEquity.description), ("Equity peak", peak),
            ("Return [%]", pct(r.returnPct)), ("Buy & hold return [%]", buyAndHold),
            ("Max. drawdown [%]", pct(-r.maxDrawdownPct)), ("Sharpe ratio", String(format: "%.2f", r.sharpe)),
            ("# Trades", "\(r.tradeCount)"), ("Win rate [%]", pct(r.trades.isEmpty ? nil : r.winRatePct)),
            ("Best trade [%]", pct(returns.max())), ("Worst trade [%]", pct(returns.min())),
            ("Avg. trade [%]", pct(returns.isEmpty ? nil : returns.reduce(0, +) / Double(returns.count))),
            ("Fees paid", r.feesPaid.description), ("Open position", r.openPosition.description),
            ("Decisions / rejected", "\(r.decisions) / \(r.rejections.count)"),
            ("Gaps in the candles", BacktestCommand.gapsText(r.gaps)),
        ]
        return "<table id=\"stats\">" + rows.map { "<tr><td>\(Self.escape($0.0))</td><td class=\"num\">\(Self.escape($0.1))</td></tr>" }.joined() + "</table>"
    }

    func tradesTable() -> String {
        guard !report.trades.isEmpty else { return "<h2>Trades</h2><p>No closed trades.</p>" }
        var out = "<h2>Trades</h2><table class=\"trades\"><tr><th>#</th><th>side</th><th>entry</th><th>price</th><th>exit</th><th>price</th><th>quantity</th><th>PnL</th><th>return %</th></tr>"
        for (i, t) in report.trades.prefix(500).enumerated() {
            let cells = ["\(i + 1)", t.side, t.entryTime, t.entryPrice.description, t.exitTime, t.exitPrice.description, t.quantity.description, t.pnl.description,
                         String(format: "%.2f", t.returnPct)]
            out += "<tr>" + cells.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>"
        }
        out += "</table>"
        if report.trades.count > 500 { out += "<p>… and \(report.trades.count - 500) more (all of them: <code>flotilla backtest --json</code>).</p>" }
        return out
    }

    // MARK: Script

    /// The pointer readout: the candle under the pointer (from the thinned samples), its close and equity.
    func script(_ curve: BacktestCurve) -> String {
        guard curve.times.count >= 2 else { return "" }
        let indices = thinned(curve.closes)
        let t = indices.map { String(curve.times[$0]) }.joined(separator: ",")
        let c = indices.map { Self.number(curve.closes[$0]) }.joined(separator: ",")
        let e = indices.map { Self.number(curve.equity[$0]) }.joined(separator: ",")
        let t0 = curve.times.first!, t1 = curve.times.last!
        return """
            <script>
            (function () {
              var T = [\(t)], C = [\(c)], E = [\(e)], t0 = \(t0), t1 = \(t1), L = \(Self.left), W = \(Self.width), R = \(Self.right);
              var svg = document.getElementById("chart"), cursor = document.getElementById("cursor"), out = document.getElementById("readout");
              svg.addEventListener("mousemove", function (ev) {
                var box = svg.getBoundingClientRect(), x = (ev.clientX - box.left) / box.width * W;
                var t = t0 + (x - L) / (W - L - R) * (t1 - t0), lo = 0, hi = T.length - 1;
                while (lo < hi) { var mid = (lo + hi) >> 1; if (T[mid] < t) lo = mid + 1; else hi = mid; }
                var cx = L + (T[lo] - t0) / (t1 - t0) * (W - L - R);
                cursor.setAttribute("x1", cx); cursor.setAttribute("x2", cx); cursor.setAttribute("visibility", "visible");
                out.textContent = new Date(T[lo] * 1000).toISOString().replace(".000Z", "Z") + "   close " + C[lo] + "   equity " + E[lo];
              });
              svg.addEventListener("mouseleave", function () { cursor.setAttribute("visibility", "hidden"); });
            })();
            </script>
            """
    }

    // MARK: Formatting

    func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func number(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1 { return String(format: "%.2f", v) }
        if a == 0 { return "0" }
        return String(format: "%.6g", v)
    }

    static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }
}
