// One cell of the fault matrix: a registered driver, one sync step, one fault. The real workflow runs
// (lockout-safe login, src/core/sync-password.ts) against the family's emulator through the fault
// proxy; afterwards the router's running and persisted WAN credentials and the user-facing error decide
// the outcome. "advised" cells are checked further: the named backup exists (0600, the old settings)
// and following the advice (restore it) really brings the old settings back.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FamilyEntry } from '../../../drivers/index.js';
import type { DialRequest, DialResult, IspUpstream } from '../../../drivers/emulator-types.js';
import type { Backup, DriverContext, DriverSession, PendingChange } from '../../../drivers/types.js';
import { RouterctlError } from '../../../src/core/errors.js';
import { login } from '../../../src/core/login.js';
import { LoginBudget } from '../../../src/core/login-budget.js';
import { syncPassword, type SyncResult } from '../../../src/core/sync-password.js';
import { nullLogger } from '../../../src/log/logger.js';
import { FaultProxy, type FaultKind } from './fault-proxy.js';
import type { Creds, MatrixFamily, MatrixRouter } from './families.js';

export const STEPS = ['login', 'read', 'backup', 'set', 'apply', 'wait', 'confirm', 'rollback'] as const;
export type Step = (typeof STEPS)[number];

export const STEP_LEGEND: Record<Step, string> = {
  login: 'the admin login',
  read: 'reading the WAN settings',
  backup: 'reading the settings for the backup',
  set: 'the first request that writes the new credentials',
  apply: 'the request that makes them take effect (OpenWrt `uci apply` with rollback, Keenetic redial)',
  wait: 'the first WAN status poll after the change',
  confirm: 'keeping the change once the WAN is up (OpenWrt `uci confirm`; Keenetic saved it already)',
  rollback: 'putting the old settings back after the provider rejected the new password',
};

export type Outcome = 'applied' | 'unchanged' | 'restored' | 'advised' | 'BAD';

export const OUTCOME_LEGEND: Record<Exclude<Outcome, 'BAD'>, string> = {
  applied: 'the new password is on the router (running and saved) and the WAN came up with it',
  unchanged: 'stopped before changing anything, with a typed error that says why; the router is untouched',
  restored: 'the change was undone and routerctl checked that the router has exactly the old settings (exit 10, `rolled_back`)',
  advised:
    'the router could not be reached (or would not take the old settings back) in time: the message names the saved backup and `routerctl restore <file>`; the test then followed that advice and got the old settings back',
};

export interface CellResult {
  family: string;
  fault: FaultKind;
  step: Step;
  outcome: Outcome;
  /** The fault found a request to hit (Keenetic's confirm sends none). */
  fired: boolean;
  /** Error code the user saw (or "ok"). */
  code: string;
  problem?: string | undefined;
  /** What the user was told (debugging; not in the generated table). */
  message?: string | undefined;
}

export const SECRETS = {
  admin: 'Matrix-admin "pw" $1;',
  old: 'old-ISP-pass 1',
  fresh: `cabinet "new" pass'2`,
  wrong: 'typo-pass-3',
};
const USER = 'matrix-user';

/** Accepts exactly one password for the one account. */
class OneAccountIsp implements IspUpstream {
  constructor(private readonly password: string) {}
  dial(req: DialRequest): DialResult {
    if (req.username !== USER || req.password !== this.password) return { ok: false, reason: 'auth_failed', message: 'Authentication failed' };
    return { ok: true, ipv4: '100.64.80.2', gateway: '100.64.80.1', dns: ['100.64.80.53'] };
  }
  hangup(): void {}
  onDrop(): () => void {
    return () => undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const MATRIX_TIMING = {
  requestTimeoutMs: 500,
  maxResponseBytes: 256 * 1024,
  hugeBytes: 320 * 1024,
  dripMs: 100,
  rebootDownMs: 700,
  confirmWindowSeconds: 3,
  wanUpTimeoutSeconds: 3,
  pollIntervalMs: 60,
  recoverySeconds: 6,
  cellTimeoutMs: 25_000,
};

function same(a: Creds, password: string): boolean {
  return a.username === USER && a.password === password;
}

function describeCreds(c: { running: Creds; persisted: Creds }, newPassword: string): string {
  const name = (x: Creds): string => (same(x, SECRETS.old) ? 'old' : same(x, newPassword) ? 'new' : 'other');
  return `running ${name(c.running)}, saved ${name(c.persisted)}`;
}

function leaks(text: string): boolean {
  return Object.values(SECRETS).some((s) => text.includes(s));
}

export async function runCell(entry: FamilyEntry, adapter: MatrixFamily, fault: FaultKind, step: Step, host: string): Promise<CellResult> {
  const family = entry.driver.family;
  const reject = step === 'rollback';
  const newPassword = reject ? SECRETS.wrong : SECRETS.fresh;
  const base: { family: string; fault: FaultKind; step: Step; message?: string } = { family, fault, step };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rctl-matrix-'));
  let router: MatrixRouter | undefined;
  let proxy: FaultProxy | undefined;
  try {
    router = await adapter.start({ host, adminPassword: SECRETS.admin, wan: { username: USER, password: SECRETS.old }, isp: new OneAccountIsp(reject ? SECRETS.old : SECRETS.fresh) });
    const r = router;
    proxy = await FaultProxy.start({
      host,
      upstream: { host, port: r.httpPort },
      hooks: { expireSessions: () => r.expireSessions(), reboot: () => r.reboot() },
      hugeBytes: MATRIX_TIMING.hugeBytes,
      dripMs: MATRIX_TIMING.dripMs,
      rebootDownMs: MATRIX_TIMING.rebootDownMs,
    });

    // Which sync step the next request belongs to, followed through the session's calls.
    let phase: Step | 'between' | 'recovery' | 'after' = 'login';
    let fired = false;
    let changeStarted = false;
    proxy.decide = (req) => {
      if (phase === 'set' && adapter.isApply(req)) phase = 'apply';
      if (fired || phase !== step) return null;
      if (step === 'set' && !adapter.isWrite(req)) return null;
      fired = true;
      return fault;
    };
    const ctx: DriverContext = { logger: nullLogger, requestTimeoutMs: MATRIX_TIMING.requestTimeoutMs, maxResponseBytes: MATRIX_TIMING.maxResponseBytes };
    const budget = new LoginBudget({ file: path.join(dir, 'login-attempts.json'), attempts: 3, windowMinutes: 15 });
    const target = { host, httpPort: proxy.port };

    const work = async (): Promise<SyncResult | RouterctlError | unknown> => {
      let session: DriverSession | undefined;
      try {
        session = (await login(entry.driver, target, { given: { username: r.adminUser, password: SECRETS.admin }, defaults: [], onSecret: () => undefined }, budget, ctx)).session;
        phase = 'between';
        const s = session;
        let readDone = false;
        const wrapPending = (p: PendingChange): PendingChange => ({
          autoRevertSeconds: p.autoRevertSeconds,
          confirm: async () => {
            phase = 'confirm';
            try {
              await p.confirm();
            } finally {
              phase = 'after';
            }
          },
          rollback: async () => {
            phase = 'rollback';
            await p.rollback();
          },
        });
        const wrapped: DriverSession = new Proxy(s, {
          get(t, prop) {
            if (prop === 'readWan') {
              return async (o?: { withPassword?: boolean }) => {
                if (!readDone) phase = 'read';
                readDone = true;
                try {
                  return await t.readWan(o);
                } finally {
                  if (phase === 'read') phase = 'between';
                }
              };
            }
            if (prop === 'backup') {
              return async (): Promise<Backup> => {
                if (!changeStarted) phase = 'backup';
                else if (phase !== 'rollback') phase = 'recovery';
                try {
                  return await t.backup();
                } finally {
                  if (phase === 'backup') phase = 'between';
                }
              };
            }
            if (prop === 'setWanCredentials') {
              return async (...a: Parameters<DriverSession['setWanCredentials']>) => {
                phase = 'set';
                changeStarted = true;
                try {
                  const p = wrapPending(await t.setWanCredentials(...a));
                  phase = 'wait';
                  return p;
                } catch (err) {
                  phase = 'recovery';
                  throw err;
                }
              };
            }
            if (prop === 'restore') {
              return async (b: Backup) => {
                if (phase !== 'rollback') phase = 'recovery';
                return t.restore(b);
              };
            }
            const v: unknown = Reflect.get(t, prop, t);
            return typeof v === 'function' ? (v as (...x: unknown[]) => unknown).bind(t) : v;
          },
        });
        return await syncPassword(wrapped, {
          host,
          newPassword,
          dryRun: false,
          backupsDir: path.join(dir, 'backups'),
          confirmWindowSeconds: MATRIX_TIMING.confirmWindowSeconds,
          wanUpTimeoutSeconds: MATRIX_TIMING.wanUpTimeoutSeconds,
          pollIntervalMs: MATRIX_TIMING.pollIntervalMs,
          authFailPolls: 3,
          internetUrls: [],
          internetTimeoutMs: 200,
          recoverySeconds: MATRIX_TIMING.recoverySeconds,
        });
      } catch (err) {
        return err;
      } finally {
        await session?.close().catch(() => undefined);
      }
    };
    const outcome = await Promise.race([work(), sleep(MATRIX_TIMING.cellTimeoutMs).then(() => 'hang' as const)]);
    if (outcome === 'hang') return { ...base, outcome: 'BAD', fired, code: 'hang', problem: `no result within ${MATRIX_TIMING.cellTimeoutMs} ms` };

    // Let the router settle: back on the network, its own revert timer (if any) run out.
    proxy.decide = () => null;
    proxy.restore();
    await sleep(150);
    for (let until = Date.now() + (MATRIX_TIMING.confirmWindowSeconds + 3) * 1000; r.pendingRevert() && Date.now() < until; ) await sleep(100);
    const after = r.creds();
    const isOld = same(after.running, SECRETS.old) && same(after.persisted, SECRETS.old);
    const isNew = same(after.running, newPassword) && same(after.persisted, newPassword);
    const bad = (code: string, problem: string): CellResult => ({ ...base, outcome: 'BAD', fired, code, problem });
    if (r.failedLogins() !== 0) return bad('?', `${r.failedLogins()} failed admin logins: a password was tried that the router refused`);

    if (!(outcome instanceof RouterctlError)) {
      if (outcome instanceof Error || typeof outcome !== 'object' || outcome === null || !('outcome' in outcome)) return bad('internal', `untyped failure: ${String(outcome)}`);
      const res = outcome as SyncResult;
      if (res.outcome === 'applied' && isNew && res.status?.state === 'up' && !reject) return { ...base, outcome: 'applied', fired, code: 'ok' };
      return bad('ok', `reported ${res.outcome}, but the router has: ${describeCreds(after, newPassword)}`);
    }
    const err = outcome;
    base.message = err.message;
    if (err.code === 'internal') return bad(err.code, `internal error: ${err.message}`);
    if (leaks(err.message) || leaks(JSON.stringify(err.details))) return bad(err.code, 'a password appears in the error');
    if (!changeStarted) return isOld ? { ...base, outcome: 'unchanged', fired, code: err.code } : bad(err.code, `nothing should have changed, but the router has: ${describeCreds(after, newPassword)}`);
    if (err.code === 'rolled_back') {
      return isOld ? { ...base, outcome: 'restored', fired, code: err.code } : bad(err.code, `said "put back", but the router has: ${describeCreds(after, newPassword)}`);
    }
    const file = typeof err.details['backupFile'] === 'string' ? err.details['backupFile'] : undefined;
    if (!file || !err.message.includes(`routerctl restore ${file}`)) {
      return bad(err.code, `a change was under way, but the message names no backup and restore command: ${err.message}`);
    }
    const problem = await followAdvice(entry, r, host, file, ctx);
    return problem ? bad(err.code, problem) : { ...base, outcome: 'advised', fired, code: err.code };
  } catch (err) {
    return { ...base, outcome: 'BAD', fired: false, code: 'harness', problem: `harness: ${(err as Error).message}` };
  } finally {
    await proxy?.close().catch(() => undefined);
    await router?.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

/** Does what the message says: the backup is there, private, holds the old settings, and restores them. */
async function followAdvice(entry: FamilyEntry, r: MatrixRouter, host: string, file: string, ctx: DriverContext): Promise<string | undefined> {
  const st = await stat(file).catch(() => undefined);
  if (!st) return `the named backup ${file} does not exist`;
  if ((st.mode & 0o777) !== 0o600) return `the backup is mode ${(st.mode & 0o777).toString(8)}, not 600`;
  const saved = JSON.parse(await readFile(file, 'utf8')) as { backup: Backup };
  if (!JSON.stringify(saved.backup.settings).includes(JSON.stringify(SECRETS.old).slice(1, -1))) return 'the backup does not hold the old settings';
  const until = Date.now() + (MATRIX_TIMING.confirmWindowSeconds + 4) * 1000;
  let last: unknown;
  while (Date.now() < until) {
    let s: DriverSession | undefined;
    try {
      s = await entry.driver.connect({ host, httpPort: r.httpPort }, { username: r.adminUser, password: SECRETS.admin }, ctx);
      await s.restore(saved.backup);
      const c = r.creds();
      if (same(c.running, SECRETS.old) && same(c.persisted, SECRETS.old)) return undefined;
      last = new Error(`after restore the router has ${describeCreds(c, '')}`);
    } catch (err) {
      last = err;
    } finally {
      await s?.close().catch(() => undefined);
    }
    await sleep(300);
  }
  return `following the advice (restore ${path.basename(file)}) did not bring the old settings back: ${(last as Error)?.message ?? '?'}`;
}

/** Runs `tasks` with at most `limit` at a time, results in task order. */
export async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= tasks.length) return;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
