// The technician report as one self-contained HTML page: no request leaves it (a Content-Security-
// Policy forbids every load; uPlot — MIT, 51 KB — and its CSS are inlined; the data is embedded as
// JSON). Tables are plain HTML, readable without JavaScript; the charts (latency and loss over time,
// outages shaded and labelled with their cause) are drawn by uPlot when the page opens.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { causeWords } from '../watch/digest.js';
import type { ReportBundle } from './bundle.js';

const require = createRequire(import.meta.url);

let uplotCache: { js: string; css: string } | undefined;
function uplotAssets(): { js: string; css: string } {
  uplotCache ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return uplotCache;
}

export function esc(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON that is safe inside <script>: no "</script", no line separators that break old parsers. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Inline code must not be able to close its own <script> or <style>. */
function inline(code: string): string {
  return code.replace(/<\/(script|style)/gi, '<\\/$1');
}

function fmtTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
}

function fmtDuration(s: number): string {
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

function valuesText(values: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(values)) {
    if (parts.length >= 10) {
      parts.push('…');
      break;
    }
    const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
    parts.push(`${k}=${text.length > 80 ? `${text.slice(0, 77)}…` : text}`);
  }
  return parts.join(' ');
}

const STATUS_MARK: Record<string, string> = { pass: '✓', warn: '!', fail: '✗', skip: '–', error: '✗' };

const CSS = `
:root { color-scheme: light; --fg:#1f2937; --muted:#6b7280; --line:#e5e7eb; --bad:#b91c1c; --warn:#b45309; --good:#15803d; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0; padding: 24px 32px 48px; max-width: 1100px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.muted { color: var(--muted); } .good { color: var(--good); } .bad { color: var(--bad); } .warn { color: var(--warn); }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; background: #f9fafb; } td.num { text-align: right; white-space: nowrap; }
table.kv th { width: 180px; background: none; }
.verdict { padding: 12px 16px; border-radius: 8px; background: #f3f4f6; } .verdict.critical { background: #fef2f2; } .verdict.warning { background: #fffbeb; } .verdict.ok { background: #f0fdf4; }
.figures { display: flex; gap: 24px; flex-wrap: wrap; } .figure b { display: block; font-size: 22px; }
.chart { margin: 8px 0 16px; min-height: 300px; } code, .values { font: 12px/1.4 ui-monospace, Menlo, Consolas, monospace; }
.values { color: var(--muted); word-break: break-all; }
`;

const DRAW = `
(function () {
  var B = JSON.parse(document.getElementById('routerctl-data').textContent);
  var S = B.series, charts = 0, drawn = 0;
  var COLORS = ['#2563eb', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be123c', '#4d7c0f', '#7c3aed'];
  var last = S.t.length ? S.t[S.t.length - 1] : Date.now() / 1000;
  function bands(u) {
    var ctx = u.ctx, r = window.devicePixelRatio || 1, L = u.bbox.left, R = u.bbox.left + u.bbox.width;
    var labelEnd = -Infinity, row = 0;
    ctx.save();
    ctx.font = Math.round(11 * r) + 'px sans-serif';
    B.outages.forEach(function (o) {
      var a = Date.parse(o.start) / 1000, b = o.end ? Date.parse(o.end) / 1000 : last;
      var x0 = Math.max(L, u.valToPos(a, 'x', true)), x1 = Math.min(R, Math.max(u.valToPos(b, 'x', true), x0 + 3 * r));
      if (x1 <= L || x0 >= R) return;
      ctx.fillStyle = 'rgba(220, 38, 38, 0.16)';
      ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
      // Labels of bands close together go on the next row; one that still does not fit is left out.
      var w = ctx.measureText(o.label).width, x = Math.min(x0 + 3 * r, R - w);
      row = x < labelEnd ? row + 1 : 0;
      if (row > 2) return;
      ctx.fillStyle = '#b91c1c';
      ctx.fillText(o.label, x, u.bbox.top + (13 + 13 * row) * r);
      labelEnd = Math.max(labelEnd, x + w + 6 * r);
    });
    ctx.restore();
  }
  function chart(id, title, unit, data) {
    var el = document.getElementById(id), names = Object.keys(data);
    if (!names.length || S.t.length < 2) { el.textContent = 'Not enough history for this chart yet.'; el.className += ' muted'; return; }
    charts++;
    var opts = {
      title: title, width: Math.max(600, el.clientWidth || 1000), height: 260,
      scales: { x: { time: true } },
      series: [{}].concat(names.map(function (n, i) {
        return { label: n, stroke: COLORS[i % COLORS.length], width: 1.5, points: { show: S.t.length < 120 },
          value: function (u, v) { return v == null ? '–' : v.toFixed(1) + ' ' + unit; } };
      })),
      axes: [{}, { label: unit, size: 60 }],
      hooks: { drawClear: [bands], draw: [function () { drawn++; document.body.setAttribute('data-charts-drawn', String(drawn)); }] }
    };
    new uPlot(opts, [S.t].concat(names.map(function (n) { return data[n]; })), el);
  }
  chart('chart-latency', 'Latency (median of each echo train)', 'ms', S.latency_ms);
  chart('chart-loss', 'Loss', '%', S.loss_pct);
  window.__routerctlReport = { charts: charts };
  document.body.setAttribute('data-charts', String(charts));
})();
`;

export function renderHtml(b: ReportBundle): string {
  const { js, css } = uplotAssets();
  const d = b.diagnosis;
  const s = b.summary;
  const r = b.router;
  const title = `routerctl report${r?.host ? ` — ${r.host}` : ''}`;
  const routerRows: [string, unknown][] = r
    ? [
        ['Address', r.host],
        ['Family', r.family],
        ['Model', r.model],
        ['Firmware', r.firmware],
        ['Internet connection', r.wan_proto ? `${r.wan_proto.toUpperCase()}${r.wan_server ? ` to ${r.wan_server}` : ''}` : undefined],
        ['WAN state', r.wan_state],
        ['Last WAN error', r.ppp_last_error],
        ['Router uptime', r.uptime_s !== undefined ? fmtDuration(r.uptime_s) : undefined],
      ]
    : [];
  const advice = d?.verdict.advice?.en;
  const uptime = s.uptime.ratio === null ? '—' : `${(s.uptime.ratio * 100).toFixed(2)} %`;
  const outages = b.outages.map((o) => ({ ...o, label: causeWords(o.cause).replace(/\s*\(.*\)$/, '') }));
  const data = { ...b, outages };

  const parts: string[] = [];
  parts.push(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="routerctl">
<title>${esc(title)}</title>
<style>${inline(css)}${CSS}</style>
</head><body>
<h1>${esc(title)}</h1>
<p class="muted">Generated ${esc(fmtTime(b.generated_at))} · history from ${esc(fmtTime(s.since))} to ${esc(fmtTime(s.until))} · ${s.cycles} checks recorded${b.thinned ? ' (chart points thinned)' : ''}</p>`);

  parts.push(`<h2>Router</h2>`);
  parts.push(
    r
      ? `<table class="kv">${routerRows.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`
      : `<p class="muted">No diagnosis recorded yet: run <code>routerctl watch --once</code>.</p>`,
  );

  if (d) {
    const sev = d.verdict.severity;
    parts.push(`<h2>Latest diagnosis</h2>
<div class="verdict ${esc(sev)}"><b class="${sev === 'ok' ? 'good' : sev === 'warning' ? 'warn' : 'bad'}">${esc(advice?.title ?? causeWords(d.verdict.id))}</b>
<div class="muted">verdict <code>${esc(d.verdict.id)}</code> · ${esc(sev)}${d.verdict.confidence ? ` · confidence ${esc(d.verdict.confidence)}` : ''}${d.verdict.support_code ? ` · support code ${esc(d.verdict.support_code)}` : ''} · ${esc(fmtTime(d.started_at))} · ${d.duration_ms} ms</div>
${advice?.steps?.length ? `<ol>${advice.steps.map((x) => `<li>${esc(x)}</li>`).join('')}</ol>` : ''}</div>
<table><thead><tr><th></th><th>Check</th><th>Layer</th><th>Result</th><th class="num">Time</th><th>Values / reason</th></tr></thead><tbody>
${d.checks
  .map(
    (c) =>
      `<tr><td class="${c.status === 'pass' ? 'good' : c.status === 'warn' ? 'warn' : c.status === 'skip' ? 'muted' : 'bad'}">${STATUS_MARK[c.status] ?? '?'}</td><td><code>${esc(c.id)}</code> ${esc(c.key)}</td><td>${esc(c.layer)}</td><td>${esc(c.status)}${c.problems.length ? ` <span class="muted">(${esc(c.problems.join(', '))})</span>` : ''}</td><td class="num">${c.status === 'skip' ? '' : `${c.duration_ms} ms`}</td><td class="values">${esc(c.status === 'skip' ? (c.skipped_reason ?? '') : valuesText(c.values))}</td></tr>`,
  )
  .join('\n')}
</tbody></table>`);
  }

  parts.push(`<h2>History</h2>
<div class="figures">
<div class="figure"><span class="muted">Uptime</span><b>${esc(uptime)}</b></div>
<div class="figure"><span class="muted">Down</span><b>${esc(fmtDuration(s.uptime.down_s))}</b></div>
<div class="figure"><span class="muted">Outages</span><b>${b.outages.length}</b></div>
${Object.entries(s.latency_ms)
  .slice(0, 3)
  .map(([k, v]) => `<div class="figure"><span class="muted">Latency ${esc(k)} (median / p95)</span><b>${v.median} / ${v.p95} ms</b></div>`)
  .join('\n')}
</div>
<div id="chart-latency" class="chart"></div>
<div id="chart-loss" class="chart"></div>
<h2>Outages</h2>
${
  b.outages.length
    ? `<table><thead><tr><th>Start</th><th>End</th><th class="num">Duration</th><th>Cause</th></tr></thead><tbody>${b.outages
        .map(
          (o) =>
            `<tr><td>${esc(fmtTime(o.start))}</td><td>${o.ongoing ? '<b class="bad">ongoing</b>' : esc(fmtTime(o.end))}</td><td class="num">${esc(fmtDuration(o.duration_s))}</td><td>${esc(causeWords(o.cause))} <span class="muted"><code>${esc(o.causes.join(' → '))}</code></span></td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="muted">No outage in this period.</p>'
}
${s.heal.length ? `<h2>Heal actions</h2><table><thead><tr><th>When</th><th>Action</th><th>Result</th></tr></thead><tbody>${s.heal.map((h) => `<tr><td>${esc(fmtTime(h.ts))}</td><td>${esc(h.action)}</td><td>${esc(h.result)}</td></tr>`).join('')}</tbody></table>` : ''}
<p class="muted">Charts: uPlot (MIT). This page loads nothing from the network.</p>
<script id="routerctl-data" type="application/json">${scriptJson(data)}</script>
<script>${inline(js)}</script>
<script>${inline(DRAW)}</script>
</body></html>
`);
  return parts.join('\n');
}
