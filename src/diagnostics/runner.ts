// Runs the catalogue: phases in order, the checks of a step in parallel, every check time-boxed with
// an AbortSignal, every phase bounded, and the whole run bounded by diagnostics.budgetMs (the
// throughput test, asked for explicitly, comes on top). A failed check skips its dependants with the
// reason. The router phase runs inside one router session (one login, lockout budget respected); when
// the login fails, the router checks are skipped and the diagnosis goes on from this device only.
import { RouterctlError } from '../core/errors.js';
import { CATALOGUE, type CheckDef } from './catalogue.js';
import { RouterReads, type DiagContext, type OpenRouterFn } from './context.js';
import type { CheckId, CheckOutcome, CheckResult, Json, PhaseName, PhaseTiming } from './types.js';

export interface RunOptions {
  /** Opens the router; absent = no router access (router checks skipped). */
  openRouter?: OpenRouterFn | undefined;
  checks?: readonly CheckDef[] | undefined;
  onPhase?: ((phase: PhaseName) => void) | undefined;
}

export interface RunOutcome {
  results: CheckResult[];
  phases: PhaseTiming[];
  startedAt: Date;
  durationMs: number;
}

const BOUNDED: readonly PhaseName[] = ['host', 'lan', 'router', 'internet'];

function clean(values: CheckOutcome['values']): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(values ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

function result(def: CheckDef, o: CheckOutcome, ms: number): CheckResult {
  return {
    id: def.id,
    key: def.key,
    layer: def.layer,
    segment: def.segment,
    phase: def.phase,
    status: o.status,
    problems: o.problems ?? [],
    values: clean(o.values),
    thresholds: clean(o.thresholds),
    duration_ms: Math.round(ms),
    ...(o.status === 'skip' ? { skipped_reason: o.skippedReason ?? 'not run' } : {}),
  };
}

export async function runDiagnosis(ctx: DiagContext, opts: RunOptions = {}): Promise<RunOutcome> {
  const defs = opts.checks ?? CATALOGUE;
  const startedAt = new Date(ctx.now());
  const t0 = performance.now();
  const deadline = t0 + ctx.cfg.budgetMs;
  const results = new Map<CheckId, CheckResult>();
  /** Skipped because something they need failed: their own dependants are skipped too. */
  const blocked = new Set<CheckId>();
  const phases: PhaseTiming[] = [];
  const routerRequestMs = ctx.config.http.requestTimeoutMs;
  const phaseMax = (p: PhaseName): number => ctx.cfg.phaseMs[p as keyof typeof ctx.cfg.phaseMs];

  const blockedBy = (def: CheckDef): string | undefined => {
    for (const dep of def.dependsOn) {
      const r = results.get(dep);
      if (!r) continue;
      if (r.status === 'fail' || r.status === 'error') return `${r.key} ${r.status === 'fail' ? 'failed' : 'did not finish'}`;
      if (blocked.has(dep)) return `${r.key} did not run`;
    }
    return undefined;
  };

  const skip = (def: CheckDef, reason: string, isBlocked: boolean): void => {
    results.set(def.id, result(def, { status: 'skip', skippedReason: reason }, 0));
    if (isBlocked) blocked.add(def.id);
  };

  const runCheck = async (def: CheckDef, phaseEnd: number, phaseSignal: AbortSignal): Promise<void> => {
    const why = blockedBy(def);
    if (why) return skip(def, why, true);
    if (!def.run) return skip(def, 'not runnable on its own', false);
    const started = performance.now();
    const budget = Math.max(50, Math.min(def.timeoutMs(ctx.cfg, routerRequestMs), phaseEnd - started));
    const own = new AbortController();
    const signal = AbortSignal.any([own.signal, phaseSignal]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<CheckOutcome>((resolve) => {
      timer = setTimeout(() => {
        own.abort();
        resolve({ status: 'error', problems: ['timeout'], values: { timeout_ms: Math.round(budget) } });
      }, budget);
    });
    const work = def.run(ctx, signal, budget).catch(
      (err: unknown): CheckOutcome => ({
        status: 'error',
        problems: [err instanceof RouterctlError ? err.code : 'exception'],
        values: { message: err instanceof Error ? err.message.slice(0, 300) : String(err).slice(0, 300) },
      }),
    );
    const outcome = await Promise.race([work, timedOut]);
    clearTimeout(timer);
    own.abort(); // stop whatever the check left running (sockets, pings)
    results.set(def.id, result(def, outcome, performance.now() - started));
  };

  const runSteps = async (list: CheckDef[], phaseEnd: number, signal: AbortSignal): Promise<void> => {
    const steps = [...new Set(list.map((d) => d.step))].sort((a, b) => a - b);
    for (const step of steps) {
      const here = list.filter((d) => d.step === step);
      if (performance.now() >= phaseEnd || signal.aborted) {
        for (const d of here) if (!results.has(d.id)) skip(d, 'the phase ran out of time', true);
        continue;
      }
      await Promise.all(here.map((d) => runCheck(d, phaseEnd, signal)));
    }
  };

  for (const phase of ['host', 'lan', 'router', 'internet', 'throughput'] as const) {
    const list = defs.filter((d) => d.phase === phase);
    if (list.length === 0) continue;
    if (phase === 'throughput' && !ctx.flags.throughput) {
      for (const d of list) skip(d, 'on request only (diagnose --throughput)', false);
      continue;
    }
    const pStart = performance.now();
    let phaseEnd: number;
    if (phase === 'throughput') {
      phaseEnd = pStart + ctx.cfg.throughput.seconds * 1000 + 3000;
    } else {
      // A budget below the phases' sum (watch's light cycle) shrinks every phase alike.
      const scale = Math.min(1, ctx.cfg.budgetMs / BOUNDED.reduce((n, p) => n + phaseMax(p), 0));
      const later = BOUNDED.slice(BOUNDED.indexOf(phase) + 1).reduce((n, p) => n + phaseMax(p) * scale, 0);
      phaseEnd = Math.max(pStart + 200, Math.min(pStart + phaseMax(phase) * scale, deadline - later));
    }
    opts.onPhase?.(phase);
    const ctrl = new AbortController();
    const phaseTimer = setTimeout(() => ctrl.abort(), Math.max(0, phaseEnd - pStart) + 150);
    let timedOut = false;
    try {
      if (phase === 'router') timedOut = await runRouterPhase(list, phaseEnd, ctrl);
      else await runSteps(list, phaseEnd, ctrl.signal);
    } finally {
      clearTimeout(phaseTimer);
      timedOut ||= ctrl.signal.aborted;
      ctrl.abort();
    }
    phases.push({ phase, duration_ms: Math.round(performance.now() - pStart), timed_out: timedOut });
  }

  async function runRouterPhase(list: CheckDef[], phaseEnd: number, ctrl: AbortController): Promise<boolean> {
    const session = list.find((d) => d.id === 'C05');
    const rest = list.filter((d) => d.id !== 'C05');
    if (!session) {
      await runSteps(rest, phaseEnd, ctrl.signal);
      return false;
    }
    const why = blockedBy(session);
    if (why || !opts.openRouter) {
      skip(session, why ?? 'no router access', true);
      for (const d of rest) skip(d, why ? 'router.session did not run' : 'no router access', true);
      return false;
    }
    const started = performance.now();
    let closed = false;
    let entered = false;
    const work = async (access: Parameters<Parameters<OpenRouterFn>[0]>[0]): Promise<void> => {
      if (closed) return; // the phase ended while we logged in: log out at once
      entered = true;
      ctx.facts.router = { host: access.host, family: access.family, model: access.model, firmware: access.firmware, loginSource: access.loginSource };
      const caps = [...access.session.capabilities].sort();
      const optional = ['wanLink', 'routerHealth', 'lanInfo'].filter((m) => typeof (access.session as unknown as Record<string, unknown>)[m] === 'function');
      results.set(
        'C05',
        result(
          session,
          {
            status: access.loginSource === 'default' ? 'warn' : 'pass',
            problems: access.loginSource === 'default' ? ['default_admin_password'] : [],
            values: { host: access.host, family: access.family, model: access.model, firmware: access.firmware, login: access.loginSource, capabilities: caps, diagnostics: optional },
          },
          performance.now() - started,
        ),
      );
      ctx.router = new RouterReads(access);
      try {
        await runSteps(rest, phaseEnd, ctrl.signal);
      } finally {
        ctx.router = undefined;
      }
    };
    const opened = opts.openRouter(work, ctrl.signal).then(
      () => undefined,
      (err: unknown) => err,
    );
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), Math.max(0, phaseEnd - performance.now()) + 100)));
    const outcome = await Promise.race([opened, limit]);
    clearTimeout(timer);
    closed = true;
    if (outcome === 'timeout') {
      ctrl.abort();
      if (!entered) {
        results.set('C05', result(session, { status: 'error', problems: ['timeout'], values: { timeout_ms: Math.round(phaseEnd - started) } }, performance.now() - started));
        ctx.facts.routerLoginError = { code: 'timeout', message: 'the router did not answer in time' };
      }
      for (const d of rest) if (!results.has(d.id)) skip(d, entered ? 'the phase ran out of time' : 'router.session did not finish', true);
      return true;
    }
    if (outcome !== undefined && !entered) {
      const e = outcome instanceof RouterctlError ? outcome : undefined;
      const code = e?.code ?? 'internal';
      const message = outcome instanceof Error ? outcome.message.slice(0, 300) : String(outcome).slice(0, 300);
      ctx.facts.routerLoginError = { code, message };
      results.set('C05', result(session, { status: 'fail', problems: [code], values: { error: code, message } }, performance.now() - started));
      for (const d of rest) skip(d, `router.session failed (${code})`, true);
    }
    for (const d of rest) if (!results.has(d.id)) skip(d, 'router.session did not run', true);
    return false;
  }

  const ordered = defs.map((d) => results.get(d.id)).filter((r): r is CheckResult => r !== undefined);
  ordered.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)); // ASCII ids: no ICU collator
  return { results: ordered, phases, startedAt, durationMs: Math.round(performance.now() - t0) };
}
