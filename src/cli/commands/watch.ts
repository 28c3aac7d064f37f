// `routerctl watch`: diagnoses on a schedule; remembers (history), tells (log, webhook, command hook),
// heals (opt-in) and exposes metrics. The loop itself is src/watch/watcher.ts; this file wires the
// real diagnosis, the router and the secret store into it, and presents the result.
import path from 'node:path';
import { SecretStore } from '../../core/secrets.js';
import { RouterctlError, UsageError } from '../../core/errors.js';
import { detectLang, type Lang } from '../../i18n/index.js';
import { LAST_DIAGNOSIS_FILE, HISTORY_DIR } from '../../report/bundle.js';
import { AlertPolicy } from '../../watch/alerts.js';
import { Healer, type HealActions } from '../../watch/heal.js';
import { HistoryStore } from '../../watch/history.js';
import { loadInventory, type InventoryEntry } from '../../watch/inventory.js';
import { parseSchedule, type Schedule } from '../../watch/schedule.js';
import type { MetricsServer } from '../../watch/server.js';
import { childCycle, childHealActions } from '../../watch/cycle-process.js';
import type { WatchEvent } from '../../watch/types.js';
import { createWatchLogger } from '../../watch/watch-log.js';
import { Watcher } from '../../watch/watcher.js';
import type { App, GlobalArgs } from '../app.js';
import type { RouterArgs } from '../router-flags.js';

export interface WatchArgs extends GlobalArgs, RouterArgs {
  schedule?: string | undefined;
  once?: boolean | undefined;
  full?: boolean | undefined;
  jitter?: number | undefined;
  heal?: boolean | undefined;
  'on-change'?: string | undefined;
  webhook?: string | undefined;
  'ping-url'?: string | undefined;
  metrics?: string | undefined;
  inventory?: string | undefined;
  'serve-only'?: boolean | undefined;
}

export function watchFiles(stateDir: string): { history: string; logs: string; state: string; lastDiagnosis: string; healLedger: string } {
  return {
    history: path.join(stateDir, HISTORY_DIR),
    logs: path.join(stateDir, 'logs'),
    state: path.join(stateDir, 'watch-state.json'),
    lastDiagnosis: path.join(stateDir, LAST_DIAGNOSIS_FILE),
    healLedger: path.join(stateDir, 'heal-ledger.json'),
  };
}

/** A probe never waits for another routerctl working on that router: it answers "busy" at once. */
function probeArgs(e: InventoryEntry): RouterArgs {
  return { host: e.host, driver: e.driver, transport: e.transport, user: e.user, 'password-file': e.passwordFile, wait: 0 };
}

export async function runWatch(app: App, args: WatchArgs): Promise<Record<string, unknown>> {
  const w = app.config.watch;
  const once = Boolean(args.once);
  if (args.jitter !== undefined && !(args.jitter >= 0 && args.jitter <= 1)) throw new UsageError('--jitter is a share of the interval between 0 and 1 (e.g. 0.2)');
  let schedule: Schedule | undefined;
  if (!once) schedule = parseSchedule(args.schedule ?? w.schedule, w.minIntervalSeconds);
  else if (args.schedule) parseSchedule(args.schedule, w.minIntervalSeconds);
  const listen = args.metrics ?? w.metrics.listen ?? undefined;
  const inventoryFile = args.inventory ?? w.metrics.inventory ?? undefined;
  if (once && args.metrics) throw new UsageError('--metrics serves a running watch; it does not go with --once');
  if (args['serve-only'] && (!listen || !inventoryFile)) throw new UsageError('--serve-only needs --metrics HOST:PORT and --inventory FILE');
  const inventory = inventoryFile && !once ? loadInventory(inventoryFile) : undefined;

  const files = watchFiles(app.paths.stateDir);
  const log = createWatchLogger({ dir: files.logs, maxDays: w.log.maxDays, maxFileBytes: w.log.maxFileBytes, app: app.logger });
  const wapp: App = { ...app, logger: log };
  const lang: Lang = app.config.diagnostics.lang ?? detectLang(app.env);
  const boundMs = w.cycleTimeoutSeconds * 1000;
  // prom-client is loaded only when metrics are served: a plain watch should not carry it.
  const metrics = listen && !args['serve-only'] ? new (await import('../../watch/metrics.js')).WatchMetrics({ processMetrics: true }) : undefined;
  const history = new HistoryStore({
    dir: files.history,
    maxBytes: w.history.maxFileBytes,
    maxFiles: w.history.maxFiles,
    retentionDays: w.history.retentionDays,
    sanitize: (r) => log.secrets.value(r) as typeof r,
  });
  const webhookUrl = args.webhook ?? w.alerts.webhook ?? undefined;
  const command = args['on-change'] ?? w.alerts.command ?? undefined;
  const deadmanUrl = args['ping-url'] ?? w.deadman.url ?? undefined;
  for (const [flag, url] of [['--webhook', webhookUrl], ['--ping-url', deadmanUrl]] as const) {
    if (url !== undefined && !/^https?:\/\/\S+$/.test(url)) throw new UsageError(`${flag} wants an http:// or https:// URL`);
  }

  // A cycle waits for another routerctl on the same router (e.g. `wan set-password`) for at most half
  // its bound; healing waits the usual time.
  const cycleArgs: RouterArgs = { ...args, wait: args.wait ?? Math.floor(boundMs / 2000) };
  // --once does its one cycle in this process (it ends with it); a running watch does each cycle's
  // router work in a short-lived child process (watch/cycle-process.ts), so it stays small for months.
  const inProcess = once ? await import('../../watch/cycle-work.js') : undefined;
  const onChildRss = (kb: number): void => log.debug(`cycle process peak RSS ${(kb / 1024).toFixed(1)} MB`);
  const cycle = inProcess
    ? inProcess.diagnoseCycle(wapp, cycleArgs, { lang, boundMs })
    : childCycle({
        global: args,
        router: cycleArgs,
        env: app.env,
        lang,
        boundMs,
        onChildRss,
        onRefused: (why) => log.error(`the router refused the admin login: ${why}; the watch goes on without logging in again (restart it after fixing the password)`),
      });
  const store = SecretStore.inConfigDir(app.paths.configDir, { onSecret: (v) => log.addSecret(v) });
  const healActions = (): HealActions =>
    inProcess
      ? inProcess.routerHealActions(wapp, args)
      : childHealActions({
          global: args,
          router: args,
          env: app.env,
          onChildRss,
          timeoutMs: w.heal.timeoutSeconds * 1000,
          storedWanPassword: async (host) => (host ? store.getWanPassword(host) : undefined),
        });
  const watcher = new Watcher({
    cycle,
    machine: {
      downAfter: w.downAfter,
      upAfter: w.upAfter,
      recheckMs: w.recheckSeconds * 1000,
      confirmMs: w.confirmSeconds * 1000,
      reminderMs: w.alerts.reminderHours * 3_600_000,
    },
    cycleTimeoutMs: boundMs,
    logger: log,
    secrets: log.secrets,
    history,
    metrics,
    alerts: {
      policy: new AlertPolicy({ cooldownMs: w.alerts.cooldownSeconds * 1000 }),
      webhook: webhookUrl
        ? {
            url: webhookUrl,
            timeoutMs: w.alerts.webhookTimeoutSeconds * 1000,
            attempts: w.alerts.webhookAttempts,
            backoffMs: w.alerts.webhookBackoffMs,
            maxBackoffMs: w.alerts.webhookMaxBackoffMs,
            totalMs: w.alerts.webhookTotalSeconds * 1000,
          }
        : undefined,
      command: command ? { command, timeoutMs: w.alerts.commandTimeoutSeconds * 1000, env: app.env } : undefined,
    },
    healer: args.heal
      ? new Healer({
          actions: healActions(),
          maxPerHour: w.heal.maxPerHour,
          ledgerFile: files.healLedger,
          timeoutMs: w.heal.timeoutSeconds * 1000,
          allowSync: w.heal.syncPassword,
          allowReconnect: w.heal.reconnect,
        })
      : undefined,
    deadman: deadmanUrl ? { url: deadmanUrl, timeoutMs: w.deadman.timeoutSeconds * 1000 } : undefined,
    stateFile: files.state,
    staleStateMs: Math.max(w.staleStateMinutes * 60_000, 3 * (schedule?.minGapSeconds ?? 0) * 1000),
    lastReportFile: files.lastDiagnosis,
    routerHint: args.host ? { host: args.host.replace(/:\d+$/, '') } : undefined,
    onEvent: (e: WatchEvent) => {
      if (app.printer.json && !once) process.stdout.write(`${JSON.stringify(e)}\n`);
      else app.printer.line(`${e.ts.replace('T', ' ').slice(0, 19)}  ${e.summary}`);
    },
  });
  await watcher.init();

  try {
    if (once) {
      const out = await watcher.runCycle(args.full ? 'full' : 'light');
      await watcher.settle();
      await history.flush();
      if (!out) throw new RouterctlError('busy', 'another cycle is running');
      const p = app.printer;
      if (!p.json) {
        p.line(`${p.heading('State')}  ${out.state} (${out.record.verdict})${out.report?.verdict.advice?.en ? `: ${out.report.verdict.advice.en.title}` : ''}`);
        if (out.record.error) p.line(p.bad(`The check could not run: ${out.record.error}`));
        if (history.problem) p.line(p.bad(history.problem));
      }
      return {
        state: out.state,
        verdict: out.record.verdict,
        severity: out.record.severity,
        internet: out.observation.ok,
        cycle_ms: out.record.cycle_ms,
        ...(out.record.error ? { error: out.record.error } : {}),
        events: out.events,
        heal: out.heal,
        router: out.report?.router ? { host: out.report.router.host, family: out.report.router.family, model: out.report.router.model, wan_state: out.report.router.wan_state } : undefined,
        checks: out.record.checks,
        history: { dir: files.history, writable: history.problem === undefined, problem: history.problem },
      };
    }

    let server: MetricsServer | undefined;
    if (listen) {
      const { startMetricsServer } = await import('../../watch/server.js');
      server = await startMetricsServer({
        listen,
        metrics,
        probes: inventory
          ? {
              inventory,
              probe: (entry) =>
                childCycle({ global: args, router: probeArgs(entry), env: app.env, lang, boundMs: w.metrics.probeTimeoutSeconds * 1000, onChildRss })({ light: true, signal: new AbortController().signal }),
              timeoutMs: w.metrics.probeTimeoutSeconds * 1000,
              minIntervalMs: w.minIntervalSeconds * 1000,
              maxConcurrent: w.metrics.probeConcurrency,
            }
          : undefined,
        onError: (m, meta) => log.warn(m, meta),
      });
      log.info(`metrics at ${server.url}/metrics${inventory ? ` and ${server.url}/probe?target=NAME (${inventory.routers.size} routers)` : ''}`);
    }
    const stopped = new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    if (!args['serve-only']) {
      watcher.start(schedule!, { jitterRatio: args.jitter ?? w.jitter, jitterMaxMs: w.jitterMaxSeconds * 1000 });
      log.info(`watching: schedule "${schedule!.expression}" (every ${schedule!.minGapSeconds} s at most), state ${watcher.state}${args.heal ? ', healing on' : ''}`);
      void watcher.runCycle('light').catch((err: unknown) => log.error('watch cycle failed', { error: (err as Error).message }));
    }
    const signal = await stopped;
    log.info(`stopping (${signal}): ending the cycle in flight and saving the history`);
    await watcher.stop();
    await server?.close();
    return { stopped: signal, cycles: watcher.cycles, state: watcher.state, skipped_beats: watcher.skippedBeats, history: { dir: files.history, problem: history.problem } };
  } finally {
    await log.close();
  }
}
