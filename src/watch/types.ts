// Shapes shared by the watch loop, its history, alerts, metrics and the technician report.
import type { CheckResult, CheckStatus, PhaseTiming, RouterFacts, Severity } from '../diagnostics/types.js';

/**
 * The part of a `routerctl diagnose` report (schema routerctl.diagnose/1, src/diagnostics/present.ts)
 * that watch and the technician report read. Structural, so the real report is assignable to it (the
 * wiring in src/cli/commands/watch.ts checks that at compile time) and scripted reports in tests need
 * only these fields.
 */
export interface DiagnoseReport {
  schema: string;
  started_at: string;
  duration_ms: number;
  verdict: {
    id: string;
    severity: Severity;
    confidence?: string | undefined;
    layer?: string | undefined;
    segment?: string | undefined;
    evidence?: string[] | undefined;
    support_code?: string | undefined;
    heal?: { action: string; command?: string | undefined; automatic: boolean } | undefined;
    /** Per language: { title, steps[] } in the real report. */
    advice?: Partial<Record<'en' | 'ru' | 'uk', { title: string; steps: string[] }>> | undefined;
  };
  checks: CheckResult[];
  router?: RouterFacts | undefined;
  phases?: PhaseTiming[] | undefined;
  secondary?: { check: string; key: string; status: string; problems: string[]; text: string }[] | undefined;
}

/** One watch cycle: a light (cron) or full diagnosis, bounded by the signal. */
export type CycleFn = (opts: { light: boolean; signal: AbortSignal }) => Promise<DiagnoseReport>;

export const WATCH_STATES = ['up', 'suspect', 'down', 'recovering'] as const;
export type WatchState = (typeof WATCH_STATES)[number];

/** What one cycle says about the internet, as the state machine sees it. */
export interface Observation {
  /** The internet works (verdict ok or degraded). */
  ok: boolean;
  /** The verdict id, or `cycle_error` / `cycle_timeout` when the cycle itself failed. */
  cause: string;
  severity: Severity;
  /** A router fact that needs no repeated probing (cable out, provider refused the password). */
  deterministic: boolean;
}

export type WatchEventKind = 'down' | 'up' | 'cause_changed' | 'reminder' | 'heal';

/** A state change (or a heal action): logged once, alerted, stored in the history. */
export interface WatchEvent {
  schema: 'routerctl.watch-event/1';
  kind: WatchEventKind;
  ts: string;
  from: WatchState;
  to: WatchState;
  /** The verdict that explains the state (for `up`: the outage's cause). */
  cause: string;
  /** One sentence for people, e.g. "down: PPP authentication failed". */
  summary: string;
  /** `up`, `reminder`: how long the outage lasted (so far). */
  outage_s?: number | undefined;
  previous_cause?: string | undefined;
  router?: { host?: string | undefined; family?: string | undefined; model?: string | undefined } | undefined;
  heal?: HealRecord | undefined;
}

export interface HealRecord {
  action: 'sync_password' | 'reconnect_wan';
  /** done, unchanged (nothing to do), refused (rate limit etc.), failed. */
  result: 'done' | 'unchanged' | 'skipped' | 'failed';
  detail?: string | undefined;
}

export interface CheckDigest {
  s: CheckStatus;
  /** Problem codes, if any. */
  p?: string[] | undefined;
  /** A few scalar values (numbers, booleans, short strings). */
  v?: Record<string, number | string | boolean> | undefined;
  ms?: number | undefined;
}

/** One line of the history file (JSON lines), one per cycle. */
export interface HistoryRecord {
  v: 1;
  ts: string;
  cycle_ms: number;
  /** light (cron beat), recheck (fast re-check), full (--once without --light, report). */
  kind: 'light' | 'recheck' | 'full';
  state: WatchState;
  ok: boolean;
  verdict: string;
  severity: Severity;
  checks: Record<string, CheckDigest>;
  router?: { wan_state?: string | undefined; ppp_last_error?: string | undefined; ppp_uptime_s?: number | undefined } | undefined;
  /** Round-trip figures (ms) and loss (%) picked from the checks, for trends. */
  latency_ms?: Record<string, number> | undefined;
  loss_pct?: Record<string, number> | undefined;
  heal?: HealRecord | undefined;
  event?: WatchEventKind | undefined;
  error?: string | undefined;
}
