// The wizard's steps, on the same workflows as the CLI and nothing of its own: discovery
// (discoverRouters), the lockout-safe login (withRouter), `diagnose`, the password sync
// (syncPassword) and the technician report (loadBundle + renderHtml). Each step runs as one job at a
// time; its live progress and its result go into UiState, which the server streams to the page.
// Secrets: the admin password typed on the page is kept in memory for the later steps of this run
// only (saved to disk only when the person ticks "remember", exactly like --save); the new
// home-internet password lives for the one sync. Both are registered with the logger at once.
import { readWanSamples } from '../watch/history.js';
import path from 'node:path';
import { drivers as registeredDrivers, findFamily } from '../../drivers/index.js';
import type { Target } from '../../drivers/types.js';
import type { App } from '../cli/app.js';
import { routerAccess, withRouter, type RouterArgs } from '../cli/router-args.js';
import { toRouterctlError, UsageError } from '../core/errors.js';
import { discoverRouters, loginBudget, targetFromHost, type OpenedRouter } from '../core/router.js';
import { SecretStore } from '../core/secrets.js';
import { syncPassword, syncSettings, type SyncStep } from '../core/sync-password.js';
import { adviceParams, findingText } from '../diagnostics/advice.js';
import type { OpenRouterFn, RouterAccess } from '../diagnostics/context.js';
import { diagnose, latestBackup, type Diagnosis } from '../diagnostics/diagnose.js';
import { builtinProfileDir } from '../diagnostics/isp-profile.js';
import type { Report } from '../diagnostics/present.js';
import { discover, type DiscoveredRouter } from '../discovery/discover.js';
import { LANGS, type Lang } from '../i18n/index.js';
import type { AppLogger, LogMeta } from '../log/logger.js';
import { SecretRegistry } from '../log/redact.js';
import { loadBundle, routerOf } from '../report/bundle.js';
import { renderHtml } from '../report/html.js';
import type { CheckView, DiagnosisView, ErrorView, FixView, LoginView, ProgressLine, RouterView, UiState } from './state.js';

/** The router flags `routerctl ui` takes (as every router command), plus --config for the commands it names. */
export interface WizardArgs extends RouterArgs {
  config?: string | undefined;
}

export interface WizardOptions {
  app: App;
  args: WizardArgs;
}

/** Another step is running: the page waits for it (HTTP 409). */
export class BusyError extends Error {
  constructor() {
    super('another step is running');
  }
}

/** The longest password accepted from the page (the same bound as for a file or a prompt). */
export const MAX_PASSWORD_CHARS = 1024;

const PASSWORD_VERDICTS = new Set(['ppp_auth_failed', 'ppp_auth_failed.password_changed']);
const HISTORY_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** Quotes an argument for a command line a person copies (POSIX shell). */
function shellArg(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function familyName(family: string): string {
  return findFamily(family)?.driver.vendor ?? family;
}

function errorView(err: unknown, secrets: SecretRegistry): ErrorView {
  const e = toRouterctlError(err);
  const reason = e.details['reason'];
  const retry = e.details['retryAfterSeconds'];
  return {
    code: e.code,
    // A second line of defence: whatever a router or driver put into a message, no typed password leaves.
    message: secrets.text(e.message),
    ...(typeof reason === 'string' ? { reason } : {}),
    ...(typeof retry === 'number' ? { retryAfterSeconds: retry } : {}),
  };
}

/** The password checks a file or a prompt gets (src/core/secrets.ts), for a value typed on the page. */
export function checkTypedPassword(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new UsageError(`${what} is missing`);
  if (value.includes('\0')) throw new UsageError(`${what} contains a NUL byte`);
  if (value.length > MAX_PASSWORD_CHARS) throw new UsageError(`${what} is longer than ${MAX_PASSWORD_CHARS} characters`);
  return value;
}

/**
 * The app logger, with discovery's "which addresses" debug line also turned into a progress line:
 * discovery has no progress callback, and this is the one place that names what it probes.
 */
function tappedLogger(logger: AppLogger, onProbing: (hosts: string[]) => void): AppLogger {
  return {
    debug(message: string, meta?: LogMeta) {
      if (message === 'discovery inputs' && meta && Array.isArray(meta['candidates'])) {
        const hosts = (meta['candidates'] as unknown[]).filter((h): h is string => typeof h === 'string');
        const gw = meta['gateway'];
        if (typeof gw === 'string' && !hosts.includes(gw)) hosts.unshift(gw);
        onProbing(hosts);
      }
      logger.debug(message, meta);
    },
    info: (m, meta) => logger.info(m, meta),
    warn: (m, meta) => logger.warn(m, meta),
    error: (m, meta) => logger.error(m, meta),
    addSecret: (v) => logger.addSecret(v),
    close: () => logger.close(),
  };
}

export class Wizard {
  readonly #app: App;
  readonly #args: WizardArgs;
  readonly #listeners = new Set<(state: UiState) => void>();
  #state: UiState = { version: 0, busy: null, find: { running: false, progress: [], routers: [], unknown: [] }, reportAvailable: false };
  /** Typed on the page and accepted by the router: reused by the later steps of this run only. */
  #adminPassword: string | undefined;
  #lastReport: Report | undefined;
  /** Every password typed on the page, so that no message shown to it can carry one. */
  readonly #secrets = new SecretRegistry();

  constructor(o: WizardOptions) {
    this.#app = o.app;
    this.#args = o.args;
  }

  #secret(value: string): void {
    this.#app.logger.addSecret(value);
    this.#secrets.add(value);
  }

  get state(): UiState {
    return this.#state;
  }

  get busy(): boolean {
    return this.#state.busy !== null;
  }

  onChange(listener: (state: UiState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #change(mutate: (s: UiState) => void): void {
    mutate(this.#state);
    this.#state.version++;
    for (const l of this.#listeners) l(this.#state);
  }

  /** Starts a job unless one runs; resolves when it has ended (the server does not wait for it). */
  #run(kind: NonNullable<UiState['busy']>, job: () => Promise<void>): Promise<void> {
    if (this.#state.busy !== null) throw new BusyError();
    if (this.#state.stopped) throw new UsageError('the wizard has stopped');
    this.#change((s) => (s.busy = kind));
    return (async () => {
      try {
        await job();
      } catch (err) {
        // Every job catches what it expects; this is the last line, so the page never hangs on "busy".
        this.#app.logger.error('wizard step failed', { step: kind, error: err instanceof Error ? err.message : String(err) });
      } finally {
        this.#change((s) => (s.busy = null));
      }
    })();
  }

  /** The wizard will not start anything more (the server is stopping). */
  markStopped(reason: NonNullable<UiState['stopped']>): void {
    if (!this.#state.stopped) this.#change((s) => (s.stopped = reason));
  }

  // ------------------------------------------------------------------------------------ 1. find

  discover(): Promise<void> {
    return this.#run('find', async () => {
      const find = { running: true, progress: [{ key: 'find.searching' }] as ProgressLine[], routers: [] as RouterView[], unknown: [] as string[] };
      this.#change((s) => {
        s.find = find;
        s.login = undefined;
        s.check = undefined;
        s.fix = undefined;
        s.reportAvailable = this.#lastReport !== undefined;
      });
      const push = (line: ProgressLine): void => this.#change(() => find.progress.push(line));
      try {
        const probing = (hosts: string[]): void => push({ key: 'find.probing', params: { hosts: hosts.join(', ') } });
        const found = await this.#discover(tappedLogger(this.#app.logger, probing), probing);
        const routers = found.filter((r) => r.reachable && r.fingerprint).map((r) => this.#routerView(r));
        routers.sort((a, b) => Number(b.isGateway) - Number(a.isGateway));
        const unknown = found.filter((r) => r.reachable && !r.fingerprint).map((r) => r.target.host);
        this.#change((s) => {
          s.find.routers = routers;
          s.find.unknown = unknown;
          s.find.selected = routers[0]?.host;
          s.find.progress.push(routers.length > 0 ? { key: 'find.found', params: { count: routers.length } } : unknown.length > 0 ? { key: 'find.unknown', params: { hosts: unknown.join(', ') } } : { key: 'find.none' });
        });
      } catch (err) {
        this.#change((s) => (s.find.error = errorView(err, this.#secrets)));
      } finally {
        this.#change((s) => (s.find.running = false));
      }
    }).then(() => {
      // One router: nothing to choose, go straight to the login.
      const [only, second] = this.#state.find.routers;
      if (only && !second && !this.#state.stopped) {
        try {
          void this.login({ host: only.host });
        } catch {
          // The page started something else meanwhile; it shows the router to pick.
        }
      }
    });
  }

  async #discover(logger: AppLogger, probing: (hosts: string[]) => void): Promise<DiscoveredRouter[]> {
    const config = this.#app.config;
    if (this.#args.host) {
      const target = targetFromHost(config, this.#args.host);
      probing([target.host]);
      return discover({ candidates: [target], gateway: null, drivers: registeredDrivers, config, logger });
    }
    return discoverRouters(config, undefined, logger);
  }

  #routerView(r: DiscoveredRouter): RouterView {
    const fp = r.fingerprint!;
    return {
      host: r.target.host,
      hostArg: this.#hostArg(r.target),
      family: fp.family,
      familyName: familyName(fp.family),
      model: fp.model,
      firmware: fp.firmware,
      isGateway: r.isGateway,
    };
  }

  /** HOST when the config's ports reach it, else HOST:PORT (as --host takes it). */
  #hostArg(target: Target): string {
    if (targetFromHost(this.#app.config, target.host).httpPort === target.httpPort) return target.host;
    return target.host.includes(':') ? `[${target.host}]:${target.httpPort}` : `${target.host}:${target.httpPort}`;
  }

  #selected(): RouterView {
    const host = this.#state.find.selected;
    const view = this.#state.find.routers.find((r) => r.host === host);
    if (!view) throw new UsageError('no router chosen yet');
    return view;
  }

  // ------------------------------------------------------------------------------------ 2. login

  /** Logs in to the chosen router: saved credentials or the family's defaults, else the typed password. */
  login(o: { host: string; password?: string | undefined; remember?: boolean | undefined }): Promise<void> {
    const view = this.#state.find.routers.find((r) => r.host === o.host);
    if (!view) throw new UsageError('unknown router address');
    if (o.password !== undefined) this.#secret(o.password);
    return this.#run('login', async () => {
      const budget = await this.#budget(view.host);
      const login: LoginView = { running: true, progress: [{ key: 'login.trying', params: { host: view.host } }], host: view.host, status: 'trying', budget };
      this.#change((s) => {
        s.find.selected = view.host;
        s.login = login;
        s.check = undefined;
        s.fix = undefined;
      });
      const typed = o.password ?? this.#adminPassword;
      const hadSaved = typed === undefined && !this.#args['password-file'] && !this.#app.env['ROUTERCTL_PASSWORD'] ? await this.#hasSaved(view.host) : false;
      try {
        const source = await this.#withRouter({ password: typed, save: o.remember === true }, async (router) => router.source);
        if (o.password !== undefined) this.#adminPassword = o.password;
        const after = await this.#budget(view.host);
        this.#change(() => Object.assign(login, { status: 'ok', source, budget: after, reason: undefined, error: undefined }));
      } catch (err) {
        const e = toRouterctlError(err);
        if (typed !== undefined && e.code === 'auth_failed') this.#adminPassword = undefined;
        const after = await this.#budget(view.host).catch(() => budget);
        const left = e.details['attemptsLeft'];
        if (typeof left === 'number') after.routerAttemptsLeft = left;
        const reason =
          e.code === 'auth_failed'
            ? typed !== undefined
              ? 'wrong'
              : hadSaved
                ? 'saved_refused'
                : 'factory_refused'
            : e.code === 'locked_out'
              ? 'locked'
              : e.code === 'busy'
                ? 'busy'
                : ['unreachable', 'timeout', 'not_found'].includes(e.code)
                  ? 'unreachable'
                  : 'failed';
        const status = e.code === 'auth_failed' || e.code === 'locked_out' ? 'ask' : 'error';
        this.#change(() => Object.assign(login, { status, reason, budget: after, error: errorView(e, this.#secrets) }));
      } finally {
        this.#change(() => (login.running = false));
      }
    });
  }

  async #budget(host: string): Promise<LoginView['budget']> {
    const c = this.#app.config.login;
    const remaining = await loginBudget(this.#app.config, this.#app.paths.stateDir)
      .remaining(host)
      .catch(() => c.attemptsPerWindow);
    return { remaining, windowMinutes: c.windowMinutes };
  }

  async #hasSaved(host: string): Promise<boolean> {
    const store = SecretStore.inConfigDir(this.#app.paths.configDir, { onSecret: (v) => this.#app.logger.addSecret(v) });
    return (await store.getRouter(host).catch(() => undefined)) !== undefined;
  }

  /**
   * The CLI's withRouter (lock, pinned TLS/SSH, lockout-safe login, logout on every way out) on the
   * chosen router. A typed password goes in as the CLI's ROUTERCTL_PASSWORD would: a given password,
   * tried once, never followed by guesses; --password-file then does not override it.
   */
  #withRouter<R>(o: { password?: string | undefined; save?: boolean }, work: (router: OpenedRouter, store: SecretStore) => Promise<R>): Promise<R> {
    const view = this.#selected();
    const env = o.password !== undefined ? { ...this.#app.env, ROUTERCTL_PASSWORD: o.password } : this.#app.env;
    const args: RouterArgs = {
      host: view.hostArg,
      driver: this.#args.driver,
      user: this.#args.user,
      'password-file': o.password !== undefined ? undefined : this.#args['password-file'],
      transport: this.#args.transport,
      save: Boolean(o.save || this.#args.save),
      wait: this.#args.wait,
    };
    return withRouter({ ...this.#app, env, interactive: false }, args, work);
  }

  #loggedIn(): boolean {
    return this.#state.login?.status === 'ok';
  }

  // ------------------------------------------------------------------------------------ 3. check

  check(o: { passwordChanged: boolean }): Promise<void> {
    if (!this.#loggedIn()) throw new UsageError('log in to the router first');
    return this.#run('check', async () => {
      const check: CheckView = { running: true, progress: [] };
      this.#change((s) => {
        s.check = check;
        s.fix = undefined;
      });
      try {
        const result = await this.#diagnose(o.passwordChanged, check);
        this.#change((s) => {
          check.diagnosis = result;
          s.reportAvailable = true;
        });
      } catch (err) {
        this.#change(() => (check.error = errorView(err, this.#secrets)));
      } finally {
        this.#change(() => (check.running = false));
      }
    });
  }

  /** `routerctl diagnose`, with the same options the CLI gives it; progress into `into`. */
  async #diagnose(passwordChanged: boolean, into: CheckView): Promise<DiagnosisView> {
    const a = this.#app;
    const syncCommand = this.#command('wan set-password');
    const result = await diagnose({
      config: a.config,
      // The report kept for the technician is in English; the page gets every language below.
      lang: 'en',
      flags: { passwordChanged, throughput: false },
      logger: a.logger,
      openRouter: this.#openRouterFn(),
      profileDirs: [builtinProfileDir(), path.join(a.paths.configDir, 'isp')],
      wanHistory: () => readWanSamples(a.paths.stateDir, a.config.watch.history.maxFiles, Date.now() - 86_400_000),
      commands: { syncPassword: syncCommand },
      restoreCommand: async (host) => {
        const file = await latestBackup(a.paths.backupsDir, host);
        return file ? this.#command(`restore ${shellArg(file)}`) : undefined;
      },
      onPhase: (phase) => this.#change(() => into.progress.push({ key: `ui.progress.${phase}` })),
    });
    this.#lastReport = result.report;
    a.logger.info('wizard: diagnosis finished', { verdict: result.report.verdict.id, ms: result.report.duration_ms });
    return diagnosisView(result, syncCommand);
  }

  #openRouterFn(): OpenRouterFn {
    return <R>(work: (access: RouterAccess) => Promise<R>): Promise<R> =>
      this.#withRouter({ password: this.#adminPassword }, (router, store) =>
        work(routerAccess(router, store)),
      );
  }

  /** A routerctl command line that reaches the same router with the same config. */
  #command(sub: string): string {
    const parts = ['routerctl'];
    if (this.#args.config) parts.push('--config', shellArg(this.#args.config));
    parts.push(sub);
    const host = this.#state.find.routers.find((r) => r.host === this.#state.find.selected)?.hostArg ?? this.#args.host;
    if (host) parts.push('--host', shellArg(host));
    if (this.#args.driver) parts.push('--driver', shellArg(this.#args.driver));
    if (this.#args.transport) parts.push('--transport', this.#args.transport);
    return parts.join(' ');
  }

  // ------------------------------------------------------------------------------------ 4. fix

  /** Puts the new home-internet password into the router: the CLI's `wan set-password`, step by step. */
  sync(o: { password: string }): Promise<void> {
    if (!this.#loggedIn()) throw new UsageError('log in to the router first');
    if (!this.#state.check?.diagnosis?.passwordVerdict) throw new UsageError('the check did not find a password problem');
    const newPassword = o.password;
    this.#secret(newPassword);
    return this.#run('fix', async () => {
      const fix: FixView = { running: true, progress: [] };
      this.#change((s) => (s.fix = fix));
      const push = (line: ProgressLine): void =>
        this.#change(() => {
          // A poll that says the same as the last line replaces it, so the list stays short.
          const last = fix.progress[fix.progress.length - 1];
          if (last?.key === line.key) fix.progress[fix.progress.length - 1] = line;
          else fix.progress.push(line);
        });
      const c = this.#app.config;
      let applied = false;
      try {
        this.#app.logger.info('wizard: password sync started', { host: this.#selected().host });
        const result = await this.#withRouter({ password: this.#adminPassword }, (router) =>
          syncPassword(router.session, {
            ...syncSettings(c, this.#app.paths.backupsDir, router.target.host),
            maxCredentialBytes: router.driver.maxCredentialBytes,
            newPassword,
            dryRun: false,
            onProgress: (step: SyncStep, message, extra) => {
              this.#app.logger.debug(`sync: ${message}`, { step, ...extra });
              const state = extra?.['state'];
              push({ key: step === 'wait' && typeof state === 'string' && ['connecting', 'down', 'up'].includes(state) ? `sync.wait.${state}` : `sync.${step}` });
            },
          }),
        );
        this.#app.logger.info('wizard: password sync finished', { outcome: result.outcome, seconds: result.seconds });
        applied = result.outcome === 'applied';
        this.#change(() => Object.assign(fix, { outcome: result.outcome === 'applied' ? 'applied' : 'unchanged', internetOk: result.internet?.ok ?? result.status?.state === 'up', backupFile: result.backupFile }));
      } catch (err) {
        const e = toRouterctlError(err);
        this.#app.logger.warn('wizard: password sync did not go through', { code: e.code, reason: e.details['reason'] });
        const backupFile = typeof e.details['backupFile'] === 'string' ? e.details['backupFile'] : undefined;
        const outcome: FixView['outcome'] =
          e.code === 'rolled_back' ? 'rolled_back' : e.code === 'restore_failed' ? 'restore_failed' : backupFile && (e.code === 'unreachable' || e.code === 'timeout') ? 'lost' : 'failed';
        this.#change(() =>
          Object.assign(fix, {
            outcome,
            reason: typeof e.details['reason'] === 'string' ? e.details['reason'] : undefined,
            backupFile,
            restoreCommand: backupFile && (outcome === 'restore_failed' || outcome === 'lost') ? this.#command(`restore ${shellArg(backupFile)}`) : undefined,
            error: errorView(e, this.#secrets),
          }),
        );
      } finally {
        this.#change(() => (fix.running = false));
      }
      if (!applied) return;
      // The same check once more, so the page (and the report) show the chain as it is now.
      const recheck: CheckView = { running: true, progress: [{ key: 'check.recheck' }] };
      this.#change(() => (fix.recheck = recheck));
      try {
        const result = await this.#diagnose(false, recheck);
        this.#change(() => (recheck.diagnosis = result));
      } catch (err) {
        this.#change(() => (recheck.error = errorView(err, this.#secrets)));
      } finally {
        this.#change(() => (recheck.running = false));
      }
    });
  }

  // ------------------------------------------------------------------------------------ 5. report

  /** The technician report (`routerctl report`) with this run's latest diagnosis; undefined before a check. */
  async reportHtml(now = Date.now()): Promise<string | undefined> {
    const report = this.#lastReport;
    if (!report) return undefined;
    const bundle = await loadBundle({ stateDir: this.#app.paths.stateDir, sinceMs: now - HISTORY_WINDOW_MS, untilMs: now, historyFiles: this.#app.config.watch.history.maxFiles });
    return renderHtml({ ...bundle, diagnosis: report, router: routerOf(report) });
  }
}

/** What the page needs from a diagnosis: the verdict with its advice and the chain, in every language. */
export function diagnosisView(result: Diagnosis, syncCommand: string): DiagnosisView {
  const r = result.report;
  const v = result.decision.verdict;
  const perLang = <T>(f: (lang: Lang) => T): Record<Lang, T> => Object.fromEntries(LANGS.map((l) => [l, f(l)])) as Record<Lang, T>;
  return {
    verdict: { id: r.verdict.id, severity: r.verdict.severity, confidence: r.verdict.confidence, supportCode: r.verdict.support_code, heal: r.verdict.heal?.action },
    advice: r.verdict.advice,
    chain: r.chain,
    secondary: perLang((l) => result.decision.secondary.map((f) => findingText(f, l))),
    durationMs: r.duration_ms,
    routerSkipped: result.context.facts.routerLoginError?.code,
    passwordVerdict: PASSWORD_VERDICTS.has(r.verdict.id),
    syncCommand,
    tempPassword: perLang((l) => String(adviceParams(v, l, result.profile)['tempPassword'] ?? '')),
  };
}

