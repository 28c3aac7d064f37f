// Flags shared by every command that talks to a router, and opening that router from them: one
// routerctl per router at a time (a lock in the state dir), pinned TLS/SSH, a lockout-safe login, and
// always a logout — after success, after an error, and on Ctrl+C / SIGTERM.
import { readdir, stat } from 'node:fs/promises';
import type { RouterAccess } from '../diagnostics/context.js';
import path from 'node:path';
import type { Backup, DriverSession, WanSettings } from '../../drivers/types.js';
import { ensurePrivateDir } from '../config/paths.js';
import { RouterctlError } from '../core/errors.js';
import { closeRouter, openRouter, type OpenedRouter } from '../core/router.js';
import { readAdminPassword, SecretStore } from '../core/secrets.js';
import { SecretRegistry } from '../log/redact.js';
import type { App } from './app.js';
import type { RouterArgs } from './router-flags.js';

export type { RouterArgs } from './router-flags.js';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** Signal listeners present when this module loaded (proper-lockfile's exit hook): not "someone else's shutdown". */
const BASELINE = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));

/** How long a second routerctl waits for the first one on the same router, unless --wait says otherwise. */
export const DEFAULT_WAIT_SECONDS = 60;

const SECRET_KEY = /pass|secret|psk|key/i;

/** Every string under a key that names a secret, at any depth (backups hold the WAN password). */
export function secretsIn(value: unknown, depth = 0): string[] {
  if (depth > 8 || value === null || typeof value !== 'object') return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === 'string' && v !== '' && SECRET_KEY.test(k)) out.push(v);
    else out.push(...secretsIn(v, depth + 1));
  }
  return out;
}

/**
 * The session, with every secret it reads from the router (the current WAN password, passwords in a
 * backup) registered for redaction at once: a second line of defence for logs and messages.
 */
export function registeringSecrets(session: DriverSession, onSecret: (value: string) => void): DriverSession {
  return new Proxy(session, {
    get(target, prop) {
      if (prop === 'readWan') {
        return async (opts?: { withPassword?: boolean }): Promise<WanSettings> => {
          const wan = await target.readWan(opts);
          if (wan.password) onSecret(wan.password);
          return wan;
        };
      }
      if (prop === 'backup') {
        return async (): Promise<Backup> => {
          const backup = await target.backup();
          for (const s of secretsIn(backup.settings)) onSecret(s);
          return backup;
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The command as the owner note shows it: the command words yargs parsed, never a flag or its value. */
function commandWords(args: RouterArgs): string {
  const positional = (args as { _?: unknown })._;
  const words = Array.isArray(positional) ? positional.filter((a): a is string => typeof a === 'string' && /^[a-z][a-z-]{1,30}$/.test(a)) : [];
  return words.slice(0, 2).join(' ') || 'routerctl';
}

function waitMs(args: RouterArgs): number {
  const s = args.wait ?? DEFAULT_WAIT_SECONDS;
  return Number.isFinite(s) && s > 0 ? Math.min(s, 24 * 3600) * 1000 : 0;
}

/** Backups this run wrote (newer than `since`), for the message after an interruption. */
async function backupsSince(dir: string, since: number): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: string[] = [];
  for (const n of names.filter((x) => x.endsWith('.json'))) {
    const file = path.join(dir, n);
    if (((await stat(file).catch(() => undefined))?.mtimeMs ?? 0) >= since) out.push(file);
  }
  return out.sort();
}

/** Runs `work` on an open session and always logs out, also when `work` throws or a signal arrives. */
export async function withRouter<R>(
  app: App,
  args: RouterArgs,
  work: (router: OpenedRouter, store: SecretStore) => Promise<R>,
  opts: { signal?: AbortSignal | undefined } = {},
): Promise<R> {
  const started = Date.now();
  const registry = new SecretRegistry();
  const onSecret = (value: string): void => {
    app.logger.addSecret(value);
    registry.add(value);
  };
  const store = SecretStore.inConfigDir(app.paths.configDir, { onSecret });
  await ensurePrivateDir(app.paths.backupsDir);
  const givenPassword = await readAdminPassword({
    passwordFile: args['password-file'],
    env: app.env,
    // Asked only after saved and factory logins were tried (see login()), so not here.
    prompt: false,
    onSecret,
    logger: app.logger,
  });
  let router: OpenedRouter | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    if (!router) return Promise.resolve();
    const opened = router;
    closing ??= closeRouter(opened, app.logger);
    return closing;
  };

  // Ctrl+C / SIGTERM: log out and release the router before leaving; a second signal leaves at once.
  // When the command has its own shutdown (watch: finish the cycle, save the history), only log out.
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    const code = signal === 'SIGINT' ? 130 : 143;
    const owned = process.listeners(signal).some((l) => l !== onSignal && !BASELINE.get(signal)?.has(l));
    if (owned) {
      void close();
      return;
    }
    if (signalled) process.exit(code);
    signalled = true;
    process.stderr.write(`\ninterrupted (${signal}): logging out of the router…\n`);
    void (async () => {
      await Promise.race([close(), new Promise((r) => setTimeout(r, 5000).unref())]);
      const written = await backupsSince(app.paths.backupsDir, started);
      if (written.length > 0) {
        const last = written[written.length - 1]!;
        process.stderr.write(`A change may have been under way. The settings from before it are in ${last}; if the internet does not work, run: routerctl restore ${last}\n`);
      }
      app.logger.warn('interrupted', { signal });
      await app.logger.close().catch(() => undefined);
      process.exit(code);
    })();
  };
  for (const s of SIGNALS) process.on(s, onSignal);

  try {
    router = await openRouter(
      app.config,
      app.paths.stateDir,
      app.logger,
      { host: args.host, driver: args.driver, transport: args.transport },
      {
        givenUser: args.user,
        givenPassword,
        lookupSaved: (host) => store.getRouter(host),
        onSecret,
        ask: app.interactive
          ? async (username) => readAdminPassword({ env: {}, prompt: true, interactive: true, message: `Admin password for ${username}:`, onSecret })
          : undefined,
      },
      {
        lock: {
          command: commandWords(args),
          waitMs: waitMs(args),
          onWait: (message) => app.logger.warn(message),
          onCompromised: (err) => app.logger.warn('the router lock was lost while held', { error: err.message }),
        },
        login: { waitForOtherAdminMs: waitMs(args), onWait: (message) => app.logger.warn(message) },
        signal: opts.signal,
      },
    );
    router.session = registeringSecrets(router.session, onSecret);
    for (const first of router.trust?.firstUses() ?? []) {
      app.logger.info(`trusted ${first.endpoint} on first use (${first.seen.fingerprint}); a different certificate will be refused`);
    }
    if (args.save && router.source !== 'saved') await store.set(router.target.host, router.credentials);
    return await work(router, store);
  } catch (err) {
    throw redacted(err, registry);
  } finally {
    await close();
    for (const s of SIGNALS) process.off(s, onSignal);
  }
}

/** The same error with every registered secret replaced, in the message and in the details. */
function redacted(err: unknown, registry: SecretRegistry): unknown {
  if (!(err instanceof RouterctlError) || registry.forms.length === 0) return err;
  const message = registry.text(err.message);
  const details = registry.value(err.details) as Record<string, unknown>;
  if (message === err.message && JSON.stringify(details) === JSON.stringify(err.details)) return err;
  return new RouterctlError(err.code, message, details);
}

export function routerSummary(router: OpenedRouter): Record<string, unknown> {
  return {
    host: router.target.host,
    family: router.driver.family,
    model: router.discovered?.fingerprint?.model,
    firmware: router.discovered?.fingerprint?.firmware,
  };
}

/** What the diagnosis reads of an open router (one shape for diagnose, watch and the wizard). */
export function routerAccess(router: OpenedRouter, store: SecretStore): RouterAccess {
  return {
    session: router.session,
    host: router.target.host,
    httpPort: router.target.httpPort,
    family: router.driver.family,
    loginSource: router.source,
    model: router.discovered?.fingerprint?.model,
    firmware: router.discovered?.fingerprint?.firmware,
    savedWanPassword: () => store.getWanPassword(router.target.host),
  };
}
