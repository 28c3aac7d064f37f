// Figures from a slice of the history: uptime, outages (runs of `down` with their cause and
// duration), latency and loss per target, and hourly (or coarser) buckets for trends and charts.
import type { HistoryRecord } from './types.js';

export interface Outage {
  start: string;
  /** null while it lasts. */
  end: string | null;
  duration_s: number;
  cause: string;
  /** Every cause seen during the outage, in order. */
  causes: string[];
  ongoing: boolean;
}

export interface SeriesStats {
  samples: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

export interface TrendBucket {
  start: string;
  cycles: number;
  /** Share of the bucket's known time outside outages (0–1), null when nothing is known. */
  up_ratio: number | null;
  latency_ms: Record<string, number>;
  loss_pct: Record<string, number>;
}

export interface HistorySummary {
  schema: 'routerctl.history/1';
  since: string;
  until: string;
  cycles: number;
  first?: string | undefined;
  last?: string | undefined;
  state?: string | undefined;
  verdict?: string | undefined;
  uptime: { ratio: number | null; up_s: number; down_s: number; unknown_s: number };
  outages: Outage[];
  verdicts: Record<string, number>;
  latency_ms: Record<string, SeriesStats>;
  loss_pct: Record<string, SeriesStats & { mean: number }>;
  trend: TrendBucket[];
  heal: { action: string; result: string; ts: string }[];
}

const ts = (r: HistoryRecord): number => Date.parse(r.ts);

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

function stats(values: number[]): SeriesStats {
  const s = [...values].sort((a, b) => a - b);
  return { samples: s.length, median: r1(quantile(s, 0.5)), p95: r1(quantile(s, 0.95)), min: r1(s[0]!), max: r1(s[s.length - 1]!) };
}

/** The usual gap between cycles (median), which bounds how long one record speaks for. */
export function typicalIntervalMs(records: HistoryRecord[]): number {
  const gaps: number[] = [];
  for (let i = 1; i < records.length; i++) {
    const g = ts(records[i]!) - ts(records[i - 1]!);
    if (g > 0) gaps.push(g);
  }
  if (gaps.length === 0) return 300_000;
  return quantile(gaps.sort((a, b) => a - b), 0.5);
}

/** Runs of non-up states that reached `down`. */
export function deriveOutages(records: HistoryRecord[], untilMs: number): Outage[] {
  const out: Outage[] = [];
  let i = 0;
  while (i < records.length) {
    if (records[i]!.state === 'up') {
      i++;
      continue;
    }
    const runStart = i;
    let reachedDown = false;
    let recoveryStart: number | undefined;
    const causes: string[] = [];
    while (i < records.length && records[i]!.state !== 'up') {
      const r = records[i]!;
      if (r.state === 'down') {
        reachedDown = true;
        recoveryStart = undefined;
        if (causes[causes.length - 1] !== r.verdict) causes.push(r.verdict);
      } else if (r.state === 'recovering' && recoveryStart === undefined && reachedDown) {
        recoveryStart = ts(r);
      }
      i++;
    }
    if (!reachedDown) continue;
    const start = ts(records[runStart]!);
    const next = records[i];
    const ongoing = next === undefined;
    const end = ongoing ? undefined : (recoveryStart ?? ts(next));
    out.push({
      start: new Date(start).toISOString(),
      end: end === undefined ? null : new Date(end).toISOString(),
      duration_s: Math.round(((end ?? untilMs) - start) / 1000),
      cause: causes[0] ?? 'unknown',
      causes: [...new Set(causes)],
      ongoing,
    });
  }
  return out;
}

function overlapMs(aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  return Math.max(0, Math.min(aEnd, bEnd) - Math.max(aStart, bStart));
}

function addTo(map: Map<string, number[]>, values: Record<string, number> | undefined): void {
  for (const [k, v] of Object.entries(values ?? {})) {
    if (!Number.isFinite(v)) continue;
    let list = map.get(k);
    if (!list) map.set(k, (list = []));
    list.push(v);
  }
}

/** Known time of each record: until the next one, but never more than 2 usual intervals. */
function spans(records: HistoryRecord[], untilMs: number): { start: number; end: number }[] {
  const interval = typicalIntervalMs(records);
  return records.map((r, i) => {
    const start = ts(r);
    const next = records[i + 1] ? ts(records[i + 1]!) : untilMs;
    return { start, end: Math.min(next, start + 2 * interval) };
  });
}

export function summarize(records: HistoryRecord[], sinceMs: number, untilMs: number, buckets = 24): HistorySummary {
  const outages = deriveOutages(records, untilMs);
  const known = spans(records, untilMs);
  const outageIntervals = outages.map((o) => ({ start: Date.parse(o.start), end: o.end ? Date.parse(o.end) : untilMs }));
  const downIn = (a: number, b: number): number => outageIntervals.reduce((sum, o) => sum + overlapMs(a, b, o.start, o.end), 0);

  let knownMs = 0;
  let downMs = 0;
  for (const s of known) {
    const a = Math.max(s.start, sinceMs);
    const b = Math.min(s.end, untilMs);
    if (b <= a) continue;
    knownMs += b - a;
    downMs += downIn(a, b);
  }
  downMs = Math.min(downMs, knownMs);

  const latency = new Map<string, number[]>();
  const loss = new Map<string, number[]>();
  const verdicts: Record<string, number> = {};
  for (const r of records) {
    addTo(latency, r.latency_ms);
    addTo(loss, r.loss_pct);
    verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;
  }

  // Trend buckets: the window cut into `buckets` equal slices.
  const width = Math.max(60_000, Math.ceil((untilMs - sinceMs) / buckets));
  const trend: TrendBucket[] = [];
  for (let b = sinceMs; b < untilMs; b += width) {
    const e = Math.min(untilMs, b + width);
    const inside = records.filter((r) => ts(r) >= b && ts(r) < e);
    let bKnown = 0;
    let bDown = 0;
    for (const s of known) {
      const a = Math.max(s.start, b);
      const z = Math.min(s.end, e);
      if (z <= a) continue;
      bKnown += z - a;
      bDown += downIn(a, z);
    }
    const lat = new Map<string, number[]>();
    const los = new Map<string, number[]>();
    for (const r of inside) {
      addTo(lat, r.latency_ms);
      addTo(los, r.loss_pct);
    }
    trend.push({
      start: new Date(b).toISOString(),
      cycles: inside.length,
      up_ratio: bKnown > 0 ? Math.round((1 - Math.min(bDown, bKnown) / bKnown) * 10_000) / 10_000 : null,
      latency_ms: Object.fromEntries([...lat].map(([k, v]) => [k, stats(v).median])),
      loss_pct: Object.fromEntries([...los].map(([k, v]) => [k, r1(v.reduce((x, y) => x + y, 0) / v.length)])),
    });
  }

  const last = records[records.length - 1];
  return {
    schema: 'routerctl.history/1',
    since: new Date(sinceMs).toISOString(),
    until: new Date(untilMs).toISOString(),
    cycles: records.length,
    first: records[0]?.ts,
    last: last?.ts,
    state: last?.state,
    verdict: last?.verdict,
    uptime: {
      ratio: knownMs > 0 ? Math.round((1 - downMs / knownMs) * 10_000) / 10_000 : null,
      up_s: Math.round((knownMs - downMs) / 1000),
      down_s: Math.round(downMs / 1000),
      unknown_s: Math.max(0, Math.round((untilMs - sinceMs - knownMs) / 1000)),
    },
    outages,
    verdicts,
    latency_ms: Object.fromEntries([...latency].map(([k, v]) => [k, stats(v)])),
    loss_pct: Object.fromEntries([...loss].map(([k, v]) => [k, { ...stats(v), mean: r1(v.reduce((x, y) => x + y, 0) / v.length) }])),
    trend,
    heal: records.filter((r) => r.heal).map((r) => ({ action: r.heal!.action, result: r.heal!.result, ts: r.ts })),
  };
}
