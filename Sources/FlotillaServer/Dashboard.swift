import FlotillaAPI
import Crypto
import Foundation
import Hummingbird

/// The dashboard at `/`: one self-contained page (no CDN, works offline) that polls the API. Its
/// inline style and script are allowed by their SHA-256 in the Content-Security-Policy, nothing
/// else: no other script, no framing, no form posts, fetches to this origin only.
enum Dashboard {
    static let style = #"""
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #0f1419; color: #e6e6e6; }
  header { padding: 12px 20px; background: #1b2430; display: flex; gap: 16px; align-items: baseline; }
  header h1 { margin: 0; font-size: 18px; }
  main { padding: 16px 20px; display: grid; gap: 20px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #2a3441; white-space: nowrap; }
  th { color: #9aa7b4; font-weight: 600; }
  .healthy { color: #5fd38d; } .degraded { color: #f2c14e; } .unhealthy, .dead, .Aborted, .Degraded { color: #ff6b6b; }
  .Progressing, .Paused { color: #6cb6ff; } .Completed { color: #5fd38d; }
  canvas { background: #151c24; border-radius: 4px; }
  #events td:last-child { white-space: normal; }
  #token { display: none; gap: 8px; }
  .muted { color: #9aa7b4; }
"""#

    static let script = #"""
const series = {};
// The login URL up prints carries the token in the fragment (#token=...), which is never sent to
// the server nor in a Referer: keep it, then drop it from the address bar.
(function () {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) { localStorage.setItem("flotillaToken", decodeURIComponent(m[1])); history.replaceState(null, "", location.pathname + location.search); }
})();
function token() { return localStorage.getItem("flotillaToken") || ""; }
document.getElementById("tokenSave").onclick = () => { localStorage.setItem("flotillaToken", document.getElementById("tokenInput").value); refresh(); };
async function get(path) {
  const headers = token() ? { Authorization: "Bearer " + token() } : {};
  const r = await fetch(path, { headers });
  if (r.status === 401) { document.getElementById("token").style.display = "flex"; throw new Error("token needed"); }
  return r.json();
}
function cell(text, cls) { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; return td; }
function sparkline(name, values) {
  const c = document.createElement("canvas"); c.width = 160; c.height = 28;
  const g = c.getContext("2d"); if (values.length < 2) return c;
  const min = Math.min(...values), max = Math.max(...values), span = (max - min) || 1;
  g.strokeStyle = values[values.length - 1] >= values[0] ? "#5fd38d" : "#ff6b6b"; g.beginPath();
  values.forEach((v, i) => { const x = i / (values.length - 1) * 158 + 1, y = 27 - (v - min) / span * 26; i ? g.lineTo(x, y) : g.moveTo(x, y); });
  g.stroke(); return c;
}
async function refresh() {
  try {
    const bots = await get("/api/v1/bots");
    const tbody = document.querySelector("#bots tbody"); tbody.innerHTML = "";
    const rtbody = document.querySelector("#rollouts tbody"); rtbody.innerHTML = "";
    let equity = 0;
    for (const b of bots) {
      equity += Number(b.equity);
      (series[b.name] = series[b.name] || []).push(Number(b.equity)); if (series[b.name].length > 120) series[b.name].shift();
      const tr = document.createElement("tr");
      const phases = {}; b.instances.forEach(i => phases[i.phase] = (phases[i.phase] || 0) + 1);
      const pnl = document.createElement("td"); pnl.appendChild(sparkline(b.name, series[b.name]));
      [cell(b.name), cell("r" + b.revision), cell(b.control), cell(Object.entries(phases).map(([k, v]) => v + " " + k).join(", ") || "-"),
       cell(b.capital), cell(Number(b.equity).toFixed(4)), pnl, cell(b.health, b.health)].forEach(td => tr.appendChild(td));
      // Anomaly flags: metrics that left their own baseline, with the details on hover.
      const flags = b.instances.flatMap(i => (i.metrics && i.metrics.anomalies) || []);
      const warn = cell(flags.length ? "⚠ " + flags.map(a => a.metric).join(", ") : "", flags.length ? "degraded" : "");
      warn.title = flags.map(a => a.metric + " " + a.value.toPrecision(3) + " vs " + a.mean.toPrecision(3) + " ± " + a.standardDeviation.toPrecision(3)).join("\n");
      tr.appendChild(warn);
      tbody.appendChild(tr);
      if (b.rollout && (b.rollout.phase !== "Completed")) {
        const r = b.rollout, row = document.createElement("tr");
        [cell(b.name), cell(r.strategy), cell((r.stable ? "r" + r.stable : "–") + " → r" + r.candidate), cell(r.phase, r.phase), cell(r.step),
         cell(r.lastAnalysis ? r.lastAnalysis.template + " " + r.lastAnalysis.phase : "-")].forEach(td => row.appendChild(td));
        rtbody.appendChild(row);
      }
    }
    document.getElementById("summary").textContent = bots.length + " bots · equity " + equity.toFixed(2) + " · " + new Date().toLocaleTimeString();
    const events = await get("/api/v1/events?limit=25");
    const etbody = document.querySelector("#events tbody"); etbody.innerHTML = "";
    for (const e of events.reverse()) {
      const tr = document.createElement("tr");
      [cell(new Date(e.time).toLocaleTimeString()), cell(e.bot || "-"), cell(e.kind), cell(e.message)].forEach(td => tr.appendChild(td));
      etbody.appendChild(tr);
    }
  } catch (e) { document.getElementById("summary").textContent = String(e); }
}
refresh(); setInterval(refresh, 2000);
"""#

    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Flotilla</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
"""# + style + #"""
</style>
</head>
<body>
<header><h1>Flotilla</h1><span id="summary" class="muted">loading…</span>
  <span id="token"><input id="tokenInput" placeholder="API token" size="40"><button id="tokenSave">Use token</button></span></header>
<main>
  <section><h2>Fleet</h2>
    <table id="bots"><thead><tr><th>Bot</th><th>Revision</th><th>Control</th><th>Instances</th><th>Capital</th><th>Equity</th><th>PnL</th><th>Health</th></tr></thead><tbody></tbody></table>
  </section>
  <section><h2>Rollouts in progress</h2>
    <table id="rollouts"><thead><tr><th>Bot</th><th>Strategy</th><th>Revisions</th><th>Phase</th><th>Step</th><th>Last analysis</th></tr></thead><tbody></tbody></table>
  </section>
  <section><h2>Recent events</h2>
    <table id="events"><thead><tr><th>Time</th><th>Bot</th><th>Event</th><th>Message</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script>
"""# + script + #"""
</script>
</body>
</html>
"""#

    static let contentSecurityPolicy =
        "default-src 'none'; script-src '\(hash(script))'; style-src '\(hash(style))'; img-src 'self' data:; connect-src 'self'; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    static func hash(_ text: String) -> String { "sha256-" + Data(SHA256.hash(data: Data(text.utf8))).base64EncodedString() }

    static func response() -> Response {
        var response = JSON.text(html, type: "text/html; charset=utf-8")
        response.headers[.contentSecurityPolicy] = contentSecurityPolicy
        return response
    }
}
