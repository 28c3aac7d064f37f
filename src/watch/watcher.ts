// The watch loop: a node-cron schedule (with jitter), fast re-checks asked for by the state machine,
// never two cycles at once, each cycle bounded in time. After each cycle: the state machine, one log
// line per change, alerts (cool-down), healing (opt-in), metrics, the history record, the last full
// diagnosis for `routerctl report`, and the dead-man's-switch ping. Everything is injected, so the
// loop is tested with scripted diagnoses; the CLI wires the real ones (src/cli/commands/watch.ts).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import cron, { type ScheduledTask } from 'node-cron';
import { writeFileAtomic } from '../core/secrets.js';
import { ensurePrivateDir } from '../config/paths.js';
import type { AppLogger } from '../log/logger.js';
import type { SecretRegistry } from '../log/redact.js';
import { postWebhook, runCommandHook, urlOrigin, type AlertOutcome, type AlertPolicy, type AlertPolicyState, type CommandOptions, type WebhookOptions } from './alerts.js';
import { causeWords, failedObservation, observationOf, recordOf } from './digest.js';
import type { Healer } from './heal.js';
import type { HistoryStore } from './history.js';
import type { WatchMetrics } from './metrics.js';
import { lightRequest } from './light-http.js';
import { jitterMs, type Schedule } from './schedule.js';
import { initialMemory, observe, type MachineConfig, type MachineEvent, type MachineMemory } from './state.js';
import type { CycleFn, DiagnoseReport, HealRecord, HistoryRecord, Observation, WatchEvent, WatchState } from './types.js';

export interface WatcherOptions {
  cycle: CycleFn;
  machine: MachineConfig;
  cycleTimeoutMs: number;
  logger: AppLogger;
  /** Secrets registered during the run: events, records and reports are redacted with them. */
  secrets?: SecretRegistry | undefined;
  history?: HistoryStore | undefined;
  metrics?: WatchMetrics | undefined;
  alerts?: {
    policy: AlertPolicy;
    webhook?: Omit<WebhookOptions, 'signal'> | undefined;
    command?: CommandOptions | undefined;
  } | undefined;
  healer?: Healer | undefined;
  deadman?: { url: string; timeoutMs: number } | undefined;
  /** State machine and alert policy kept between runs (`--once` under system cron). */
  stateFile?: string | undefined;
  /** A saved state older than this is ignored. */
  staleStateMs?: number | undefined;
  /** The last full diagnosis, for `routerctl report` (0600). */
  lastReportFile?: string | undefined;
  onEvent?: ((e: WatchEvent) => void) | undefined;
  /** Router facts for events when the report has none. */
  routerHint?: { host?: string | undefined; family?: string | undefined } | undefined;
  now?: (() => number) | undefined;
}

export interface CycleOutcome {
  kind: HistoryRecord['kind'];
  record: HistoryRecord;
  report?: DiagnoseReport | undefined;
  observation: Observation;
  state: WatchState;
  events: WatchEvent[];
  heal?: HealRecord | undefined;
}

interface SavedState {
  format: 'routerctl-watch-state/1';
  updated: number;
  memory: MachineMemory;
  alerts?: AlertPolicyState | undefined;
}

const fmtDuration = (ms: number): string => {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
};

export function eventSummary(e: { kind: WatchEvent['kind']; cause: string; previousCause?: string | undefined; outageMs?: number | undefined }, heal?: HealRecord): string {
  switch (e.kind) {
    case 'down':
      return `down: ${causeWords(e.cause)}`;
    case 'up':
      return `up: the internet works again${e.outageMs !== undefined ? ` after ${fmtDuration(e.outageMs)}` : ''} (it was down: ${causeWords(e.cause)})`;
    case 'cause_changed':
      return `still down, now: ${causeWords(e.cause)} (was: ${causeWords(e.previousCause ?? 'unknown')})`;
    case 'reminder':
      return `still down${e.outageMs !== undefined ? ` for ${fmtDuration(e.outageMs)}` : ''}: ${causeWords(e.cause)}`;
    case 'heal':
      return `heal: ${heal?.action ?? '?'} ${heal?.result ?? '?'}${heal?.detail ? ` — ${heal.detail}` : ''}`;
  }
}

/** Nagios-style code of a cycle, for the dead-man's switch: 0 ok, 1 degraded, 2 down, 3 unknown. */
function cycleCode(o: Observation): number {
  if (o.cause === 'cycle_error' || o.cause === 'cycle_timeout') return 3;
  return o.severity === 'ok' ? 0 : o.severity === 'warning' ? 1 : 2;
}

export class Watcher {
  readonly #o: WatcherOptions;
  #memory: MachineMemory;
  #busy = false;
  #stopping = false;
  #task: ScheduledTask | undefined;
  #recheck: NodeJS.Timeout | undefined;
  #jitterTimer: { cancel(): void } | undefined;
  /** A cycle whose promise has not settled (even past its bound). */
  #hung: Promise<unknown> | undefined;
  #current: AbortController | undefined;
  #currentDone: Promise<unknown> | undefined;
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #stop = new AbortController();
  #lastCycleEnd: number | undefined;
  #historyProblem: string | undefined;
  #skipped = 0;
  cycles = 0;

  constructor(o: WatcherOptions) {
    this.#o = o;
    this.#memory = initialMemory(this.#now());
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  get state(): WatchState {
    return this.#memory.state;
  }

  get memory(): Readonly<MachineMemory> {
    return this.#memory;
  }

  /** Beats skipped because a cycle was still running. */
  get skippedBeats(): number {
    return this.#skipped;
  }

  /** Loads the saved state (when fresh enough). */
  async init(): Promise<void> {
    if (!this.#o.stateFile) return;
    try {
      const saved = JSON.parse(await readFile(this.#o.stateFile, 'utf8')) as SavedState;
      if (saved.format !== 'routerctl-watch-state/1' || !saved.memory) return;
      if (this.#now() - saved.updated > (this.#o.staleStateMs ?? 3_600_000)) return;
      this.#memory = saved.memory;
      if (saved.alerts) this.#o.alerts?.policy.restore(saved.alerts);
      this.#o.metrics?.setState(this.#memory.state);
    } catch {
      // none yet, or unreadable: start fresh
    }
  }

  async #saveState(): Promise<void> {
    if (!this.#o.stateFile) return;
    const data: SavedState = {
      format: 'routerctl-watch-state/1',
      updated: this.#now(),
      memory: this.#memory,
      alerts: this.#o.alerts?.policy.snapshot(),
    };
    try {
      await ensurePrivateDir(path.dirname(this.#o.stateFile));
      await writeFileAtomic(this.#o.stateFile, JSON.stringify(this.#clean(data)) + '\n');
    } catch {
      // the history problem (same folder) is reported already
    }
  }

  #clean<T>(v: T): T {
    return this.#o.secrets ? (this.#o.secrets.value(v) as T) : v;
  }

  #track(p: Promise<unknown>): void {
    const q = p.catch(() => undefined).finally(() => this.#inflight.delete(q));
    this.#inflight.add(q);
  }

  /** Starts the schedule. Resolves at once; stop() ends it. */
  start(schedule: Schedule, o: { jitterRatio: number; jitterMaxMs: number; random?: () => number }): void {
    this.#task = cron.schedule(
      schedule.expression,
      () => {
        if (this.#stopping) return;
        if (this.#busy || this.#hung) {
          this.#skipped++;
          this.#o.logger.debug(this.#hung ? 'beat skipped: the previous cycle is still running past its bound' : 'beat skipped: a cycle is running');
          return;
        }
        const delay = jitterMs(schedule.minGapSeconds, o.jitterRatio, o.jitterMaxMs, o.random);
        this.#busy = true;
        const t = setTimeout(() => {
          this.#jitterTimer = undefined;
          this.#busy = false;
          void this.runCycle('light').catch((err: unknown) => this.#o.logger.error('watch cycle failed', { error: (err as Error).message }));
        }, delay);
        this.#jitterTimer = {
          cancel: () => {
            clearTimeout(t);
            this.#busy = false;
          },
        };
      },
      { name: 'routerctl-watch', noOverlap: false },
    );
  }

  #scheduleRecheck(ms: number): void {
    clearTimeout(this.#recheck);
    if (this.#stopping) return;
    this.#recheck = setTimeout(() => {
      this.#recheck = undefined;
      if (this.#busy || this.#hung || this.#stopping) return;
      void this.runCycle('recheck').catch((err: unknown) => this.#o.logger.error('watch re-check failed', { error: (err as Error).message }));
    }, ms);
  }

  /** One cycle; undefined when another one is running (never two at once). */
  async runCycle(kind: HistoryRecord['kind'] = 'light'): Promise<CycleOutcome | undefined> {
    if (this.#busy || this.#hung || this.#stopping) {
      if (!this.#stopping) this.#skipped++;
      return undefined;
    }
    this.#busy = true;
    clearTimeout(this.#recheck);
    this.#recheck = undefined;
    let done!: () => void;
    this.#currentDone = new Promise<void>((r) => (done = r));
    try {
      return await this.#cycle(kind);
    } finally {
      this.#busy = false;
      this.#current = undefined;
      done();
    }
  }

  async #cycle(kind: HistoryRecord['kind']): Promise<CycleOutcome | undefined> {
    const o = this.#o;
    const startedAt = this.#now();
    if (o.deadman) this.#track(this.#ping('start'));
    const ac = new AbortController();
    this.#current = ac;
    const t0 = performance.now();
    let report: DiagnoseReport | undefined;
    let error: string | undefined;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort(new Error('cycle timeout'));
    }, o.cycleTimeoutMs);
    const running = o.cycle({ light: kind !== 'full', signal: ac.signal });
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    try {
      report = await Promise.race([
        running,
        new Promise<never>((_, reject) => ac.signal.addEventListener('abort', () => reject(ac.signal.reason as Error), { once: true })),
      ]);
    } catch (err) {
      error = timedOut ? `the cycle did not finish within ${o.cycleTimeoutMs} ms` : (err as Error).message;
    } finally {
      clearTimeout(timer);
    }
    // A cycle that ignores its signal keeps the loop from starting another one until it settles.
    if (error !== undefined) {
      this.#hung = settled.finally(() => (this.#hung = undefined));
    }
    const cycleMs = performance.now() - t0;
    if (this.#stopping && error !== undefined) return undefined; // stopped mid-cycle: nothing to judge

    const now = this.#now();
    const obs = report ? observationOf(report) : failedObservation(timedOut ? 'cycle_timeout' : 'cycle_error');
    const prev = this.#memory;
    const step = observe(prev, obs, now, o.machine);
    this.#memory = step.memory;
    this.cycles++;
    const state = step.memory.state;

    // Metrics first (they do not depend on anything below).
    const m = o.metrics;
    if (m) {
      if (report) m.cycle(report, cycleMs / 1000);
      else m.cycleFailed(cycleMs / 1000);
      m.setState(state);
      if (step.transition) m.transition(step.transition.to);
      if (prev.state === 'down' || prev.state === 'recovering') m.outage(prev.cause ?? obs.cause, Math.max(0, (now - (this.#lastCycleEnd ?? now)) / 1000));
    }

    const record: HistoryRecord = report
      ? recordOf(report, { state, kind, cycleMs, ok: obs.ok })
      : {
          v: 1,
          ts: new Date(startedAt).toISOString(),
          cycle_ms: Math.round(cycleMs),
          kind,
          state,
          ok: false,
          verdict: obs.cause,
          severity: 'critical',
          checks: {},
          error: error?.slice(0, 300),
        };

    const events: WatchEvent[] = [];
    const routerOf = (): WatchEvent['router'] => {
      const r = report?.router;
      const host = r?.host ?? o.routerHint?.host;
      const family = r?.family ?? o.routerHint?.family;
      return host || family ? { host, family, model: r?.model } : undefined;
    };
    const makeEvent = (e: MachineEvent): WatchEvent => ({
      schema: 'routerctl.watch-event/1',
      kind: e.kind,
      ts: new Date(now).toISOString(),
      from: e.from,
      to: e.to,
      cause: e.cause,
      summary: eventSummary(e),
      ...(e.outageMs !== undefined ? { outage_s: Math.round(e.outageMs / 1000) } : {}),
      ...(e.previousCause !== undefined ? { previous_cause: e.previousCause } : {}),
      router: routerOf(),
    });

    if (step.event) {
      const ev = makeEvent(step.event);
      events.push(ev);
      record.event = ev.kind;
      const level = ev.kind === 'up' ? 'info' : 'warn';
      o.logger[level](ev.summary, { event: ev.kind, from: ev.from, to: ev.to, cause: ev.cause, outage_s: ev.outage_s });
    } else if (step.transition) {
      const { from, to } = step.transition;
      o.logger.info(`state ${from} -> ${to}: ${causeWords(obs.cause)}`, { from, to, cause: obs.cause });
    }

    // Healing: only while down (confirmed), bounded by the healer.
    let heal: HealRecord | undefined;
    if (o.healer && report && state === 'down') {
      heal = await o.healer.consider(report, String(this.#memory.outageStart ?? this.#memory.since), report.router?.host ?? o.routerHint?.host, this.#stop.signal);
      if (heal) {
        record.heal = heal;
        m?.heal(heal);
        const ev: WatchEvent = {
          schema: 'routerctl.watch-event/1',
          kind: 'heal',
          ts: new Date(this.#now()).toISOString(),
          from: state,
          to: state,
          cause: obs.cause,
          summary: eventSummary({ kind: 'heal', cause: obs.cause }, heal),
          heal,
          router: routerOf(),
        };
        events.push(ev);
        o.logger[heal.result === 'failed' ? 'warn' : 'info'](ev.summary, { event: 'heal', action: heal.action, result: heal.result });
        if (heal.result === 'done' && !this.#stopping) step.recheckInMs = Math.min(step.recheckInMs ?? o.machine.recheckMs, o.machine.recheckMs);
      }
    }

    for (const ev of events) this.#emit(ev, now);
    const due = o.alerts?.policy.due(now, state === 'down');
    if (due) this.#send(due);

    await this.#writeHistory(record);
    if (report && o.lastReportFile) await this.#saveReport(report);
    await this.#saveState();
    if (o.deadman) this.#track(this.#ping(String(cycleCode(obs))));
    this.#lastCycleEnd = this.#now();
    if (step.recheckInMs !== undefined) this.#scheduleRecheck(step.recheckInMs);
    return { kind, record, report, observation: obs, state, events, heal };
  }

  #emit(ev: WatchEvent, now: number): void {
    const clean = this.#clean(ev);
    this.#o.onEvent?.(clean);
    const decided = this.#o.alerts?.policy.decide(clean, now);
    if (decided) this.#send(decided);
    else if (this.#o.alerts && ev.kind !== 'up') this.#o.logger.debug('alert held back by the cool-down', { event: ev.kind });
  }

  #send(ev: WatchEvent): void {
    const a = this.#o.alerts;
    if (!a) return;
    const note = (r: AlertOutcome): void => {
      this.#o.metrics?.alert(r);
      if (r.result === 'sent') this.#o.logger.debug(`alert sent (${r.channel})`, { event: ev.kind, attempts: r.attempts });
      else this.#o.logger.warn(`alert not delivered (${r.channel}): ${r.detail ?? 'failed'}`, { event: ev.kind, attempts: r.attempts, ...(r.channel === 'webhook' && a.webhook ? { to: urlOrigin(a.webhook.url) } : {}) });
    };
    if (a.webhook) this.#track(postWebhook(ev, { ...a.webhook, signal: this.#stop.signal }).then(note));
    if (a.command) this.#track(runCommandHook(ev, a.command).then(note));
  }

  async #ping(suffix: string): Promise<void> {
    const d = this.#o.deadman!;
    const base = d.url.replace(/\/+$/, '');
    try {
      await lightRequest(`${base}/${suffix}`, { method: 'GET', signal: AbortSignal.timeout(d.timeoutMs) });
    } catch (err) {
      this.#o.logger.debug("dead-man's switch ping failed", { to: urlOrigin(d.url), error: (err as Error).name });
    }
  }

  async #writeHistory(record: HistoryRecord): Promise<void> {
    const h = this.#o.history;
    if (!h) return;
    await h.append(this.#clean(record));
    const problem = h.problem;
    if (problem && problem !== this.#historyProblem) {
      this.#o.logger.error(`${problem}; the watch keeps running and keeps up to ${1000} records in memory until it can write again`);
    } else if (!problem && this.#historyProblem) {
      this.#o.logger.info('the watch history can be written again; the records kept in memory were saved');
    }
    this.#historyProblem = problem;
    this.#o.metrics?.historyWritable.set(problem ? 0 : 1);
  }

  async #saveReport(report: DiagnoseReport): Promise<void> {
    try {
      await ensurePrivateDir(path.dirname(this.#o.lastReportFile!));
      await writeFileAtomic(this.#o.lastReportFile!, JSON.stringify(this.#clean(report)) + '\n');
    } catch {
      // reported through the history problem
    }
  }

  /** Alerts and pings still on their way (tests, and stop()). */
  async settle(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.all([...this.#inflight]);
  }

  /** SIGTERM/SIGINT: no new cycles, the one in flight ends (aborted), history and alerts flushed. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    await this.#task?.destroy();
    this.#task = undefined;
    clearTimeout(this.#recheck);
    this.#jitterTimer?.cancel();
    this.#current?.abort(new Error('stopping'));
    this.#stop.abort(new Error('stopping'));
    const bounded = (p: Promise<unknown> | undefined): Promise<unknown> => Promise.race([p ?? Promise.resolve(), new Promise((r) => setTimeout(r, graceMs).unref())]);
    await bounded(this.#currentDone);
    await bounded(this.settle());
    await this.#o.history?.flush();
    await this.#saveState();
  }
}
