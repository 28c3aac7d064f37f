// The technician report's data: the router (never a secret), the latest diagnosis with every check,
// the history summary (uptime, outages with cause and duration, latency and loss) and the time series
// the charts draw. `routerctl report --json` prints exactly this; the HTML page embeds it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { HISTORY_DIR as HISTORY_DIR_NAME, HistoryStore } from '../watch/history.js';
import { summarize, type HistorySummary, type Outage } from '../watch/summary.js';
import type { DiagnoseReport, HistoryRecord } from '../watch/types.js';

export const LAST_DIAGNOSIS_FILE = 'last-diagnosis.json';
export { HISTORY_DIR } from '../watch/history.js';

export interface ReportRouter {
  host?: string | undefined;
  family?: string | undefined;
  model?: string | undefined;
  firmware?: string | undefined;
  wan_proto?: string | undefined;
  wan_server?: string | undefined;
  wan_state?: string | undefined;
  ppp_last_error?: string | undefined;
  uptime_s?: number | undefined;
}

export interface ReportSeries {
  /** Seconds since the epoch. */
  t: number[];
  ok: (0 | 1)[];
  state: string[];
  latency_ms: Record<string, (number | null)[]>;
  loss_pct: Record<string, (number | null)[]>;
}

export interface ReportBundle {
  schema: 'routerctl.report/1';
  generated_at: string;
  router: ReportRouter | null;
  diagnosis: DiagnoseReport | null;
  summary: HistorySummary;
  outages: Outage[];
  series: ReportSeries;
  /** Points were thinned to keep the page small. */
  thinned: boolean;
}

export const MAX_POINTS = 4000;

export function routerOf(d: DiagnoseReport | null): ReportRouter | null {
  const r = d?.router;
  if (!r) return null;
  // The PPP login is left out on purpose: the page is meant to be passed around.
  return {
    host: r.host,
    family: r.family,
    model: r.model,
    firmware: r.firmware,
    wan_proto: r.wan_proto,
    wan_server: r.wan_server,
    wan_state: r.wan_state,
    ppp_last_error: r.ppp_last_error,
    uptime_s: r.uptime_s,
  };
}

export function seriesOf(records: HistoryRecord[], maxPoints = MAX_POINTS): { series: ReportSeries; thinned: boolean } {
  const step = Math.max(1, Math.ceil(records.length / maxPoints));
  // Thinning keeps every record that is not up, so no outage disappears from the chart.
  const picked = records.filter((r, i) => i % step === 0 || r.state !== 'up' || i === records.length - 1);
  const names = (key: 'latency_ms' | 'loss_pct'): string[] => [...new Set(picked.flatMap((r) => Object.keys(r[key] ?? {})))].slice(0, 8);
  const lat = names('latency_ms');
  const loss = names('loss_pct');
  return {
    thinned: step > 1,
    series: {
      t: picked.map((r) => Math.round(Date.parse(r.ts) / 1000)),
      ok: picked.map((r) => (r.ok ? 1 : 0)),
      state: picked.map((r) => r.state),
      latency_ms: Object.fromEntries(lat.map((n) => [n, picked.map((r) => r.latency_ms?.[n] ?? null)])),
      loss_pct: Object.fromEntries(loss.map((n) => [n, picked.map((r) => r.loss_pct?.[n] ?? null)])),
    },
  };
}

export async function readLastDiagnosis(stateDir: string): Promise<DiagnoseReport | null> {
  try {
    const d = JSON.parse(await readFile(path.join(stateDir, LAST_DIAGNOSIS_FILE), 'utf8')) as DiagnoseReport;
    return d && typeof d === 'object' && d.verdict && Array.isArray(d.checks) ? d : null;
  } catch {
    return null;
  }
}

export function buildBundle(o: { records: HistoryRecord[]; diagnosis: DiagnoseReport | null; sinceMs: number; untilMs: number }): ReportBundle {
  const summary = summarize(o.records, o.sinceMs, o.untilMs);
  const { series, thinned } = seriesOf(o.records);
  return {
    schema: 'routerctl.report/1',
    generated_at: new Date(o.untilMs).toISOString(),
    router: routerOf(o.diagnosis),
    diagnosis: o.diagnosis,
    summary,
    outages: summary.outages,
    series,
    thinned,
  };
}

export async function loadBundle(o: { stateDir: string; sinceMs: number; untilMs: number; historyFiles: number }): Promise<ReportBundle> {
  const store = new HistoryStore({ dir: path.join(o.stateDir, HISTORY_DIR_NAME), maxBytes: Number.MAX_SAFE_INTEGER, maxFiles: o.historyFiles, retentionDays: 0 });
  const { records } = await store.read(o.sinceMs, o.untilMs);
  return buildBundle({ records, diagnosis: await readLastDiagnosis(o.stateDir), sinceMs: o.sinceMs, untilMs: o.untilMs });
}
