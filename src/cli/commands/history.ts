// `routerctl history [--since 24h] [--json]`: what the watch saw — uptime, outages with cause and
// duration, latency and loss — from the history in the state dir.
import path from 'node:path';
import { HISTORY_DIR } from '../../report/bundle.js';
import { causeWords } from '../../watch/digest.js';
import { HistoryStore } from '../../watch/history.js';
import { parseDuration } from '../../watch/schedule.js';
import { summarize, type HistorySummary } from '../../watch/summary.js';
import type { App, GlobalArgs } from '../app.js';

export interface HistoryArgs extends GlobalArgs {
  since?: string | undefined;
}

const fmt = (iso: string | null | undefined): string => (iso ? iso.replace('T', ' ').slice(0, 16) : '—');

export function fmtDuration(s: number): string {
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

export async function readSummary(stateDir: string, maxFiles: number, since: string, now = Date.now()): Promise<HistorySummary & { skipped_lines: number }> {
  const sinceMs = now - parseDuration(since, now);
  const store = new HistoryStore({ dir: path.join(stateDir, HISTORY_DIR), maxBytes: Number.MAX_SAFE_INTEGER, maxFiles, retentionDays: 0 });
  const { records, skipped } = await store.read(sinceMs, now);
  return { ...summarize(records, sinceMs, now), skipped_lines: skipped };
}

export async function runHistory(app: App, args: HistoryArgs): Promise<Record<string, unknown>> {
  const since = args.since ?? '24h';
  const s = await readSummary(app.paths.stateDir, app.config.watch.history.maxFiles, since);
  const p = app.printer;
  if (s.cycles === 0) {
    p.line(`No watch history in the last ${since}. Start one with: routerctl watch (or routerctl watch --once from cron).`);
  } else {
    p.line(p.heading(`Watch history since ${fmt(s.since)} (${s.cycles} checks, ${fmt(s.first)} – ${fmt(s.last)})`));
    const ratio = s.uptime.ratio === null ? '—' : `${(s.uptime.ratio * 100).toFixed(2)} %`;
    p.line(`Uptime     ${s.outages.length ? p.bad(ratio) : p.good(ratio)}  (down ${fmtDuration(s.uptime.down_s)}${s.uptime.unknown_s > 0 ? `, not watched ${fmtDuration(s.uptime.unknown_s)}` : ''})`);
    p.line(`Now        ${s.state} (${s.verdict})`);
    if (s.outages.length) {
      p.line('Outages');
      for (const o of s.outages) p.line(`  ${fmt(o.start)} – ${o.ongoing ? 'now (ongoing)' : fmt(o.end).slice(11)}  ${fmtDuration(o.duration_s).padStart(9)}  ${causeWords(o.cause)}`);
    } else p.line('Outages    none');
    const lat = Object.entries(s.latency_ms);
    if (lat.length) p.line(`Latency    ${lat.map(([k, v]) => `${k} ${v.median} ms (p95 ${v.p95})`).join('; ')}`);
    const loss = Object.entries(s.loss_pct);
    if (loss.length) p.line(`Loss       ${loss.map(([k, v]) => `${k} ${v.mean} % (max ${v.max})`).join('; ')}`);
    if (s.heal.length) p.line(`Heals      ${s.heal.map((h) => `${fmt(h.ts)} ${h.action} ${h.result}`).join('; ')}`);
  }
  return { ...s };
}
