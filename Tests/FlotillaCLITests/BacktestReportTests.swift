import FlotillaCLI
import FlotillaTesting
import Foundation
import Testing

@Suite("flotilla backtest --report")
struct BacktestReportTests {
    static func specPath(_ p: Project) -> String { p.dir.appendingPathComponent("bots.d/eth-trend.yaml").path }

    @Test("writes one self-contained page: equity, drawdown, price with entries and exits, the statistics")
    func page() async throws {
        let p = try Project()
        let file = p.dir.appendingPathComponent("eth-trend.html")
        let r = await p.run("backtest", "-f", Self.specPath(p), "--report", file.path)
        #expect(r.code == 0, "\(r.err)")
        #expect(r.out.contains("Report written to \(file.path)"))
        let html = try String(contentsOf: file, encoding: .utf8)
        for part in ["<svg", "Equity", "Drawdown %", "Price (ETH-BTC)", "class=\"entry\"", "class=\"exit-", "id=\"stats\"", "Return [%]",
                     "Max. drawdown [%]", "Buy &amp; hold return [%]", "# Trades", "Win rate [%]", "Sharpe ratio", "<script>"] {
            #expect(html.contains(part), "the page has \(part)")
        }
        for outside in ["http://", "https://", "src=", "@import", "url("] {
            #expect(!html.contains(outside), "nothing is fetched: \(outside)")
        }
    }

    @Test("an existing file is replaced; a directory, a symbolic link or a missing directory are refused and nothing is run")
    func refusedPaths() async throws {
        let p = try Project()
        let spec = Self.specPath(p)
        let existing = p.dir.appendingPathComponent("old.html")
        try "old".write(to: existing, atomically: true, encoding: .utf8)
        let replaced = await p.run("backtest", "-f", spec, "--report", existing.path)
        #expect(replaced.code == 0, "\(replaced.err)")
        #expect(try String(contentsOf: existing, encoding: .utf8).hasPrefix("<!doctype html>"))

        let directory = p.dir.appendingPathComponent("reports")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let dir = await p.run("backtest", "-f", spec, "--report", directory.path)
        #expect(dir.code != 0)
        #expect(dir.err.contains("that is a directory; name a file such as \(directory.path)/backtest.html"), "\(dir.err)")

        let target = p.dir.appendingPathComponent("target.txt")
        try "keep".write(to: target, atomically: true, encoding: .utf8)
        let link = p.dir.appendingPathComponent("link.html")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        let linked = await p.run("backtest", "-f", spec, "--report", link.path)
        #expect(linked.code != 0)
        #expect(linked.err.contains("that is a symbolic link; the report is not written through it"), "\(linked.err)")
        #expect(try String(contentsOf: target, encoding: .utf8) == "keep")

        let nowhere = p.dir.appendingPathComponent("no/such/dir/r.html").path
        let missing = await p.run("backtest", "-f", spec, "--report", nowhere)
        #expect(missing.code != 0)
        #expect(missing.err.contains("does not exist; create it first"), "\(missing.err)")
        #expect(!replaced.out.isEmpty && dir.out.isEmpty && linked.out.isEmpty && missing.out.isEmpty, "a refused path runs nothing")
    }

    @Test("the report opens in headless Chromium; a screenshot is kept in .build/artifacts/backtest-report.png")
    func screenshot() async throws {
        try #require(ExternalTool.path("chromium") != nil, "chromium is needed (.ci/run installs it from Debian)")
        let p = try Project()
        let file = p.dir.appendingPathComponent("report.html")
        let r = await p.run("backtest", "-f", Self.specPath(p), "--report", file.path)
        try #require(r.code == 0, "\(r.err)")
        let dom = try HeadlessBrowser.dom(file.absoluteString)
        #expect(dom.contains("id=\"stats\""), "the page rendered")
        #expect(dom.contains("class=\"entry\""), "trades are marked")
        let shot = try HeadlessBrowser.artifact("backtest-report.png")
        let size = try HeadlessBrowser.screenshot(file.absoluteString, to: shot, width: 1200, height: 1100)
        #expect(size > 10_000, "screenshot saved at \(shot.path)")
    }
}
