// What one watch cycle does with the router: the real diagnosis (light or full) and the two heal
// actions, through the same router-opening path as every other command. Runs inside the watch for
// `--once`, and in a short-lived child process (cycle-worker.ts) for a running watch, so that the
// drivers, axios and the probes never stay resident in the long-running process.
import path from 'node:path';
import type { OpenRouterFn } from '../diagnostics/context.js';
import { builtinProfileDir } from '../diagnostics/isp-profile.js';
import { SecretStore } from '../core/secrets.js';
import { RouterctlError } from '../core/errors.js';
import type { Config } from '../config/schema.js';
import type { Lang } from '../i18n/index.js';
import type { App } from '../cli/app.js';
import { routerAccess, withRouter, type RouterArgs } from '../cli/router-args.js';
import type { HealActions } from './heal.js';
import { readWanSamples } from './history.js';
import type { CycleFn, DiagnoseReport } from './types.js';

/**
 * The light cron cycle (diagnostics.md §4.1): no throughput, no MTU download, a 10-probe quality
 * train, two pings per target from the router, no waiting on a connecting PPP session, and the whole
 * run inside the cycle bound.
 */
export function lightConfig(c: Config, boundMs: number): Config {
  const d = c.diagnostics;
  return {
    ...c,
    diagnostics: {
      ...d,
      budgetMs: Math.max(1000, Math.min(d.budgetMs, boundMs - 1000)),
      quality: { ...d.quality, count: Math.min(d.quality.count, 10) },
      // C12 "if cheap": two echoes per target from the router (~2 s, in parallel) tell up from down.
      ping: { ...d.ping, routerCount: Math.min(d.ping.routerCount, 2) },
      ppp: { ...d.ppp, waitMs: 0 },
      probes: { ...d.probes, largeUrl: null, throughputUrl: null },
    },
  };
}

/** Remembers that the router refused the admin login, across cycles (and across cycle processes). */
export interface LoginRefusal {
  /** Why logging in stopped; set when the router refused, or handed over by the watch. */
  refused?: string | undefined;
}

/**
 * Opens the router for the checks like every other command (discovery, lockout-safe login). A wrong
 * admin password is never tried again by this watch: later cycles diagnose without the router and
 * the log says why once.
 */
function routerOpener(app: App, args: RouterArgs, refusal: LoginRefusal): OpenRouterFn {
  return async (work) => {
    if (refusal.refused) throw new RouterctlError('auth_failed', refusal.refused);
    try {
      return await withRouter(app, args, (router, store) => work(routerAccess(router, store)));
    } catch (err) {
      if (err instanceof RouterctlError && (err.code === 'auth_failed' || err.code === 'locked_out')) {
        refusal.refused = `${err.message} (watch stops logging in to this router until it is restarted)`;
        app.logger.error(`the router refused the admin login: ${err.message}; the watch goes on without logging in again (restart it after fixing the password)`);
      }
      throw err;
    }
  };
}

/**
 * THE WIRING POINT to `routerctl diagnose` (src/diagnostics/diagnose.ts). `light` trims the run
 * through the config (lightConfig); diagnose() takes no AbortSignal, so the cycle bound is enforced by
 * the watcher (the diagnosis's own budget ends it soon after).
 */
export function diagnoseCycle(app: App, args: RouterArgs, o: { lang: Lang; boundMs: number; refusal?: LoginRefusal }): CycleFn {
  const openRouter = routerOpener(app, args, o.refusal ?? {});
  return async ({ light }) => {
    const { diagnose } = await import('../diagnostics/diagnose.js');
    const result = await diagnose({
      config: light ? lightConfig(app.config, o.boundMs) : app.config,
      lang: o.lang,
      flags: { passwordChanged: false, throughput: false },
      logger: app.logger,
      openRouter,
      profileDirs: [builtinProfileDir(), path.join(app.paths.configDir, 'isp')],
      wanHistory: () => readWanSamples(app.paths.stateDir, app.config.watch.history.maxFiles, Date.now() - 86_400_000),
    });
    const report: DiagnoseReport = result.report; // compile-time check: the real report fits watch's shape
    return report;
  };
}

/** Healing through the same workflows and router-opening path as `wan set-password`. */
export function routerHealActions(app: App, args: RouterArgs): HealActions {
  const onSecret = (v: string): void => app.logger.addSecret(v);
  const store = SecretStore.inConfigDir(app.paths.configDir, { onSecret });
  const c = app.config;
  return {
    storedWanPassword: async (host) => (host ? store.getWanPassword(host) : undefined),
    syncPassword: (password, signal) =>
      withRouter(app, args, async (router) => {
        if (signal.aborted) throw new RouterctlError('timeout', 'healing was stopped');
        const { syncPassword, syncSettings } = await import('../core/sync-password.js');
        const r = await syncPassword(router.session, {
          ...syncSettings(c, app.paths.backupsDir, router.target.host),
          maxCredentialBytes: router.driver.maxCredentialBytes,
          newPassword: password,
          dryRun: false,
          onProgress: (step, message) => app.logger.debug(`heal sync: ${message}`, { step }),
        });
        return { outcome: r.outcome };
      }),
    reconnectWan: (signal) =>
      withRouter(app, args, async (router) => {
        if (signal.aborted) throw new RouterctlError('timeout', 'healing was stopped');
        await router.session.reconnectWan();
      }),
  };
}
