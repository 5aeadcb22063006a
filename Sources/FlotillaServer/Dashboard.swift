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
  .healthy { color: #5fd38d; } .degraded { color: #f2c14e; } .unhealthy, .dead, .Aborted, .Degraded { color: #ff6b6b; } .stopped { color: #9aa7b4; }
  .Progressing, .Paused { color: #6cb6ff; } .Completed { color: #5fd38d; }
  svg.pnl { background: #151c24; border-radius: 4px; display: block; }
  #events td:last-child { white-space: normal; }
  #token { display: none; gap: 8px; }
  .muted { color: #9aa7b4; }
"""#

    static let script = #"""
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
// Each bot's equity curve: its history from the store (GET /api/v1/bots/NAME/equity) loaded on
// open, then the live equity of every refresh appended; the rollout's steps as vertical marks.
const curves = {};
const loading = {};
function needsHistory(name) { return !curves[name] && !(Date.now() - (loading[name] || 0) < 30000); }
async function loadHistory(name) {
  loading[name] = Date.now();
  try {
    const h = await get("/api/v1/bots/" + encodeURIComponent(name) + "/equity?points=200");
    const points = h.points.map(p => [Date.parse(p.time), Number(p.equity)]);
    const live = (curves[name] && curves[name].points) || [];
    const last = points.length ? points[points.length - 1][0] : 0;
    curves[name] = { points: points.concat(live.filter(p => p[0] > last)), marks: h.marks.map(m => [Date.parse(m.time), m.kind, m.message]),
                      fromStore: points.length };
  } catch (e) { /* tried again in 30 s */ }
}
// Loads the histories a few at a time, so a fleet of a thousand bots does not queue a thousand requests at once.
async function loadHistories(names) {
  const queue = names.filter(needsHistory);
  await Promise.all([0, 1, 2, 3].map(async () => { while (queue.length) await loadHistory(queue.shift()); }));
}
// SVG's namespace, as the HTML parser gives it (the page names no URL but its own).
const svgNS = (() => { const d = document.createElement("div"); d.innerHTML = "<svg></svg>"; return d.firstChild.namespaceURI; })();
function svg(tag, attributes) { const e = document.createElementNS(svgNS, tag); for (const k in attributes) e.setAttribute(k, attributes[k]); return e; }
function markColor(kind) { return /Aborted|Failed|RolledBack/.test(kind) ? "#ff6b6b" : /Completed|Successful|Promoted/.test(kind) ? "#5fd38d" : "#6cb6ff"; }
function curve(name) {
  const W = 200, H = 32, h = curves[name] || { points: [], marks: [], fromStore: 0 };
  const points = h.points;
  const e = svg("svg", { width: W, height: H, viewBox: "0 0 " + W + " " + H, class: "pnl", "data-bot": name,
                          "data-points": points.length, "data-history": h.fromStore || 0, "data-marks": 0 });
  if (points.length < 2) return e;
  const t0 = points[0][0], t1 = points[points.length - 1][0], dt = (t1 - t0) || 1;
  const values = points.map(p => p[1]), min = Math.min(...values), max = Math.max(...values), span = max - min;
  // A flat curve (no trade yet) is drawn through the middle.
  const x = t => 1 + (t - t0) / dt * (W - 2), y = v => span ? H - 2 - (v - min) / span * (H - 4) : H / 2;
  let marks = 0;
  for (const [t, kind, message] of h.marks) {
    if (t < t0 - 5000 || t > t1) continue;
    const line = svg("line", { x1: x(Math.max(t, t0)), x2: x(Math.max(t, t0)), y1: 0, y2: H, stroke: markColor(kind), "stroke-width": 1, "stroke-dasharray": "2,2", class: "mark" });
    const title = svg("title", {}); title.textContent = kind + ": " + message; line.appendChild(title);
    e.appendChild(line); marks++;
  }
  e.setAttribute("data-marks", marks);
  const d = points.map((p, i) => (i ? "L" : "M") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1)).join(" ");
  e.appendChild(svg("path", { d, fill: "none", stroke: values[values.length - 1] >= values[0] ? "#5fd38d" : "#ff6b6b", "stroke-width": 1.5 }));
  return e;
}
async function refresh() {
  try {
    const bots = await get("/api/v1/bots");
    const tbody = document.querySelector("#bots tbody"); tbody.innerHTML = "";
    const rtbody = document.querySelector("#rollouts tbody"); rtbody.innerHTML = "";
    let equity = 0;
    for (const b of bots) {
      if (b.equity !== "unknown") equity += Number(b.equity);
      if (curves[b.name] && b.equity !== "unknown") {
        const p = curves[b.name].points; p.push([Date.now(), Number(b.equity)]); if (p.length > 400) p.shift();
      }
      const tr = document.createElement("tr");
      const phases = {}; b.instances.forEach(i => phases[i.phase] = (phases[i.phase] || 0) + 1);
      const pnl = document.createElement("td"); pnl.appendChild(curve(b.name));
      [cell(b.name), cell("r" + b.revision), cell(b.halt ? "HALTED" + (b.halt.mode === "reduce-only" ? " reduce-only" : "") + ": " + b.halt.reason : b.control, b.halt ? "Degraded" : ""), cell(Object.entries(phases).map(([k, v]) => v + " " + k).join(", ") || "-"),
       cell(b.capital), cell(b.equity === "unknown" ? "unknown" : Number(b.equity).toFixed(4)), pnl, cell(b.health, b.health)].forEach(td => tr.appendChild(td));
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
    if (bots.some(b => needsHistory(b.name))) loadHistories(bots.map(b => b.name)).then(() => refresh());
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
