// The password sync: read WAN -> refuse a WAN without a password -> backup -> set + apply -> wait for
// the WAN -> check the internet -> confirm, or roll back and prove the old settings are back.
// Knows no vendor: everything router-specific is behind DriverSession.
import { PASSWORD_PROTOS, type Backup, type DriverSession, type PendingChange, type WanSettings, type WanStatus } from '../../drivers/types.js';
import { autoBackupPath, sameSettings, writeBackupFile } from './backup-file.js';
import { RouterctlError, UnreachableError, TimeoutError, UsageError } from './errors.js';
import { probeUrlsFor, waitForInternet, type InternetCheck } from './internet.js';
import type { Config } from '../config/schema.js';

export type SyncStep = 'read' | 'backup' | 'apply' | 'wait' | 'internet' | 'confirm' | 'rollback' | 'verify-restore' | 'recover';

export interface SyncOptions {
  host: string;
  newPassword: string;
  newUsername?: string | undefined;
  dryRun: boolean;
  backupsDir: string;
  confirmWindowSeconds: number;
  wanUpTimeoutSeconds: number;
  pollIntervalMs: number;
  authFailPolls: number;
  /**
   * How long after the apply a status without evidence of a new session (the link seen going down or
   * dialling, an uptime that began after the apply) is still taken for the old one; default 5.
   */
  staleStatusSeconds?: number | undefined;
  internetUrls: string[];
  internetTimeoutMs: number;
  /**
   * After a failure half-way (router reset, reboot, garbage), how long to keep trying to put the backup
   * back before giving up with a message that names it; default wanUpTimeoutSeconds.
   */
  recoverySeconds?: number | undefined;
  /** The router's storage limit for the user name and password (Driver.maxCredentialBytes), checked before anything is read. */
  maxCredentialBytes?: number | undefined;
  onProgress?: (step: SyncStep, message: string, extra?: Record<string, unknown>) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** The part of SyncOptions that comes from config, for the router at `host` (CLI, watch and wizard alike). */
export function syncSettings(config: Pick<Config, 'sync' | 'internet'>, backupsDir: string, host: string) {
  return {
    host,
    backupsDir,
    confirmWindowSeconds: config.sync.confirmWindowSeconds,
    wanUpTimeoutSeconds: config.sync.wanUpTimeoutSeconds,
    pollIntervalMs: config.sync.pollIntervalMs,
    authFailPolls: config.sync.authFailPolls,
    staleStatusSeconds: config.sync.staleStatusSeconds,
    internetUrls: probeUrlsFor(config.internet.probeUrls, host),
    internetTimeoutMs: config.internet.timeoutMs,
  } satisfies Partial<SyncOptions>;
}

export type SyncOutcome = 'applied' | 'unchanged' | 'dry_run';

export interface SyncResult {
  outcome: SyncOutcome;
  wan: WanSettings;
  backupFile?: string | undefined;
  status?: WanStatus | undefined;
  internet?: InternetCheck | undefined;
  changes: string[];
  seconds: number;
}

/** openwrt.md §5.2: after an apply, trust a status once uptime reset / down was seen, or 5 s passed. */
const DEFAULT_STALE_STATUS_SECONDS = 5;

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What the ISP said when the WAN did not come up, in the terms the CLI explains. */
type WaitFailure = { kind: 'auth_failed' | 'timeout' | 'other'; status: WanStatus | undefined };

export async function syncPassword(session: DriverSession, o: SyncOptions): Promise<SyncResult> {
  const started = Date.now();
  const sleep = o.sleep ?? defaultSleep;
  const progress = o.onProgress ?? (() => undefined);

  refuseUnstorable(o);
  progress('read', 'reading the WAN settings');
  const wan = await session.readWan({ withPassword: true });
  if (!PASSWORD_PROTOS.has(wan.proto)) {
    throw new RouterctlError(
      'wan_no_password',
      `the router's internet connection (${wan.rawProto ?? wan.proto}) does not use a password, so there is nothing to sync; ` +
        'if your provider gave you a login and password, the connection type must be set to PPPoE or L2TP first',
      { proto: wan.proto },
    );
  }
  const publicWan: WanSettings = { ...wan, password: undefined };
  const changes = [
    ...(o.newUsername !== undefined && o.newUsername !== wan.username ? [`username: ${wan.username ?? '(none)'} -> ${o.newUsername}`] : []),
    ...(wan.password !== o.newPassword ? ['password: (changed)'] : []),
  ];
  if (changes.length === 0) {
    return { outcome: 'unchanged', wan: publicWan, changes, status: await session.wanStatus(), seconds: secondsSince(started) };
  }
  if (o.dryRun) return { outcome: 'dry_run', wan: publicWan, changes, seconds: secondsSince(started) };

  progress('backup', 'saving a backup of the current settings');
  const before = await session.backup();
  const backupFile = autoBackupPath(o.backupsDir, o.host);
  await writeBackupFile(backupFile, o.host, before);

  // From here on the router may change: every way out either keeps a verified change, or puts the
  // backup back and checks it, or names the backup and the restore command (router unreachable).
  const recovery = { session, before, backupFile, o, sleep, progress };
  progress('apply', 'writing the new password to the router', { backupFile });
  let pending: PendingChange;
  try {
    pending = await session.setWanCredentials(
      { password: o.newPassword, ...(o.newUsername !== undefined ? { username: o.newUsername } : {}) },
      { confirmWindowSeconds: o.confirmWindowSeconds },
    );
  } catch (err) {
    // The driver refused or failed half-way: make sure the router still has exactly the old settings.
    throw await afterFailure(err, undefined, 'the new password could not be written to the router', recovery);
  }

  let waited: Awaited<ReturnType<typeof waitForWan>>;
  try {
    // Decide well before the router's own rollback timer fires, so a confirm is never too late.
    const waitSeconds = pending.autoRevertSeconds ? Math.min(o.wanUpTimeoutSeconds, Math.max(1, pending.autoRevertSeconds - 10)) : o.wanUpTimeoutSeconds;
    waited = await waitForWan(session, { ...o, wanUpTimeoutSeconds: waitSeconds }, sleep, progress);
  } catch (err) {
    throw await afterFailure(err, pending, 'the router stopped answering properly while the connection came up', recovery);
  }
  if (waited.kind === 'up') {
    // The provider accepted the new password: keep it at once (inside the router's rollback window),
    // whatever the internet check says next, because the old one is known to be wrong. The caller
    // reports an internet problem separately.
    progress('confirm', 'the provider accepted the password: keeping the new settings');
    // One recovery time for confirming and, failing that, putting the backup back.
    const deadline = Date.now() + (o.recoverySeconds ?? o.wanUpTimeoutSeconds) * 1000;
    try {
      await confirmChange(pending, o, sleep, deadline);
    } catch (err) {
      throw await afterFailure(err, pending, 'the router did not take the confirmation of the change', { ...recovery, deadline });
    }
    progress('internet', 'checking the internet through the router');
    const internet = await waitForInternet(o.internetUrls, o.internetTimeoutMs, Math.max(3000, o.pollIntervalMs * 10), sleep);
    return { outcome: 'applied', wan: { ...publicWan, username: o.newUsername ?? wan.username }, backupFile, status: waited.status, internet, changes, seconds: secondsSince(started) };
  }
  const failure: WaitFailure = waited;

  const restored = await putBack(pending, recovery);
  if (!restored.ok) throw unrecovered(undefined, restored.last, pending, backupFile, 'while putting the old settings back');
  const details = { backupFile, rawErrors: failure.status?.rawErrors, wanReason: failure.status?.reason };
  if (failure.kind === 'auth_failed') {
    throw new RouterctlError(
      'rolled_back',
      'the provider rejected the new password, so the router was put back exactly as it was. ' +
        'Check the password in your provider\'s account page (it is case-sensitive); you can also request a temporary password there.',
      { ...details, reason: 'auth_failed' },
    );
  }
  throw new RouterctlError(
    'rolled_back',
    `the internet connection did not come up within ${o.wanUpTimeoutSeconds} s with the new password, so the router was put back exactly as it was`,
    { ...details, reason: failure.kind },
  );
}

/** Errors that may pass when asked again: the router rebooting, a dropped connection, a garbled reply. */
function mayPass(err: unknown): boolean {
  return err instanceof RouterctlError && ['unreachable', 'timeout', 'protocol', 'busy'].includes(err.code);
}

/**
 * Confirms. A confirm lost in transit (reset, timeout, garbage, the router restarting) is sent again
 * while the recovery time lasts: the driver tells a change that stayed (confirmed, or kept across a
 * restart) from one the router undid. "busy" (the session that applied is gone) is not retried.
 */
async function confirmChange(pending: PendingChange, o: SyncOptions, sleep: (ms: number) => Promise<void>, deadline: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await pending.confirm();
      return;
    } catch (err) {
      const transient = err instanceof RouterctlError && ['unreachable', 'timeout', 'protocol'].includes(err.code);
      if (!transient || attempt >= 20 || Date.now() >= deadline) throw err;
      await sleep(Math.min(Math.max(200, o.pollIntervalMs) * attempt, 5000, Math.max(0, deadline - Date.now())));
    }
  }
}

interface Recovery {
  /** Give up putting the backup back after this time (default: recoverySeconds from now). */
  deadline?: number | undefined;
  session: DriverSession;
  before: Backup;
  backupFile: string;
  o: SyncOptions;
  sleep: (ms: number) => Promise<void>;
  progress: NonNullable<SyncOptions['onProgress']>;
}

/**
 * Puts the backup back and checks it, trying again while the router is away (rebooting, dropping
 * connections, answering garbage) until the recovery time is up. Never throws.
 */
async function putBack(pending: PendingChange | undefined, r: Recovery): Promise<{ ok: true } | { ok: false; last: unknown }> {
  const { session, before, backupFile, o, sleep, progress } = r;
  const deadline = r.deadline ?? Date.now() + (o.recoverySeconds ?? o.wanUpTimeoutSeconds) * 1000;
  let rolledBack = pending === undefined;
  let last: unknown;
  let told = false;
  for (let attempt = 1; attempt <= 100; attempt++) {
    try {
      if (!rolledBack) {
        progress('rollback', 'putting the previous settings back');
        rolledBack = true;
        // A failed rollback falls through: the restore below puts the backup back whatever state the router is in.
        await pending!.rollback().catch((err: unknown) => (last = err));
      }
      progress('verify-restore', 'checking that the router has exactly the old settings');
      await ensureRestored(session, before, backupFile);
      return { ok: true };
    } catch (err) {
      last = err;
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    if (!told) {
      told = true;
      progress('recover', `the router does not answer properly (${codeOf(last)}); trying to put the old settings back for up to ${Math.ceil(left / 1000)} s`, {
        code: codeOf(last),
      });
    }
    await sleep(Math.min(left, Math.max(200, o.pollIntervalMs) * Math.min(attempt, 5), 5000));
  }
  return { ok: false, last };
}

/** After a failure half-way: the backup is back (rolled_back), or the user learns where it is. */
async function afterFailure(err: unknown, pending: PendingChange | undefined, what: string, r: Recovery): Promise<RouterctlError> {
  const restored = await putBack(pending, r);
  if (!restored.ok) return unrecovered(err, restored.last, pending, r.backupFile);
  const why = err instanceof RouterctlError ? err.message : String(err);
  return new RouterctlError(
    'rolled_back',
    `${what} (${why}), so the router was put back exactly as it was, and that was checked. Nothing changed; you can run the command again.`,
    { backupFile: r.backupFile, reason: err instanceof RouterctlError ? err.code : 'internal' },
    { cause: err },
  );
}

function codeOf(err: unknown): string {
  return err instanceof RouterctlError ? err.code : 'error';
}

/** The backup could not be put back: name it and the command, whatever went wrong. */
function unrecovered(first: unknown, last: unknown, pending: PendingChange | undefined, backupFile: string, during = 'while applying the change'): RouterctlError {
  const lost = [last, first].find((e): e is UnreachableError | TimeoutError => e instanceof RouterctlError && (e.code === 'unreachable' || e.code === 'timeout'));
  if (lost) return lostRouter(lost, pending, backupFile, during);
  const why = [first, last]
    .filter((e): e is RouterctlError => e instanceof RouterctlError)
    .map((e) => e.message)
    .filter((m, i, all) => all.indexOf(m) === i)
    .join('; ');
  return new RouterctlError(
    'restore_failed',
    `the change did not go through cleanly and the router did not take the old settings back${why ? ` (${why})` : ''}. ` +
      `Your backup is safe in ${backupFile}; run: routerctl restore ${backupFile}`,
    { backupFile, reason: codeOf(last ?? first) },
  );
}

async function waitForWan(
  session: DriverSession,
  o: SyncOptions,
  sleep: (ms: number) => Promise<void>,
  progress: NonNullable<SyncOptions['onProgress']>,
): Promise<{ kind: 'up'; status: WanStatus } | WaitFailure> {
  const applied = Date.now();
  const deadline = applied + o.wanUpTimeoutSeconds * 1000;
  // A status read right after the apply may still describe the old session; only trust "up" once the
  // link was seen going down, or its uptime started after the apply, or a few seconds have passed.
  const staleS = o.staleStatusSeconds ?? DEFAULT_STALE_STATUS_SECONDS;
  let sawReconnect = false;
  let sawConnecting = false;
  let authFailStreak = 0;
  let errorStreak = 0;
  let last: WanStatus | undefined;
  while (Date.now() < deadline) {
    try {
      last = await session.wanStatus();
      errorStreak = 0;
    } catch (err) {
      // A router busy reconnecting may drop a poll or two; the next one decides (bounded by the deadline).
      if (!mayPass(err) || ++errorStreak >= 5 || Date.now() >= deadline) throw err;
      progress('wait', `waiting for the internet connection: the router did not answer this time (${codeOf(err)})`);
      await sleep(Math.max(o.pollIntervalMs, 200));
      continue;
    }
    const elapsedS = (Date.now() - applied) / 1000;
    if (last.state !== 'up') sawReconnect = true;
    if (last.state === 'connecting') sawConnecting = true;
    progress('wait', `waiting for the internet connection: ${describe(last)}`, { state: last.state, reason: last.reason });
    if (last.state === 'up') {
      const fresh = sawReconnect || (last.uptimeSeconds !== undefined && last.uptimeSeconds <= elapsedS + 1) || elapsedS >= staleS;
      if (fresh) return { kind: 'up', status: last };
    }
    // An auth failure listed before the router redialled may be the old password's: count it only after.
    const authFailed = last.state === 'down' && last.reason === 'auth_failed' && (sawConnecting || elapsedS >= staleS);
    authFailStreak = authFailed ? authFailStreak + 1 : 0;
    if (authFailStreak >= o.authFailPolls) return { kind: 'auth_failed', status: last };
    await sleep(o.pollIntervalMs);
  }
  return { kind: last?.reason === 'auth_failed' ? 'auth_failed' : 'timeout', status: last };
}

async function ensureRestored(session: DriverSession, before: Backup, backupFile: string): Promise<void> {
  if (sameSettings(await session.backup(), before)) return;
  await session.restore(before);
  if (!sameSettings(await session.backup(), before)) {
    throw new RouterctlError(
      'restore_failed',
      `the router did not take the old settings back. Your backup is safe in ${backupFile}; run: routerctl restore ${backupFile}`,
      { backupFile },
    );
  }
}

function lostRouter(err: UnreachableError | TimeoutError, pending: PendingChange | undefined, backupFile: string, during = 'while applying the change'): RouterctlError {
  const revert = pending?.autoRevertSeconds
    ? ` If the router still holds the change unconfirmed, it undoes it by itself within ${pending.autoRevertSeconds} s (unless it restarted meanwhile).`
    : '';
  return new RouterctlError(
    err.code,
    `lost contact with the router ${during}.${revert} Your backup is in ${backupFile}; once the router answers again, run: routerctl restore ${backupFile}`,
    { ...err.details, backupFile },
    { cause: err },
  );
}

function describe(s: WanStatus): string {
  if (s.state === 'up') return `connected${s.ipv4 ? ` (${s.ipv4})` : ''}`;
  if (s.state === 'connecting') return 'connecting';
  return `down${s.reason ? ` (${s.reason.replace(/_/g, ' ')})` : ''}`;
}

function secondsSince(started: number): number {
  return Math.round((Date.now() - started) / 100) / 10;
}

/** A value the router would cut short is refused before the router is touched (no backup, no change). */
function refuseUnstorable(o: SyncOptions): void {
  const max = o.maxCredentialBytes;
  if (max === undefined) return;
  const tooLong = (v: string | undefined): boolean => v !== undefined && Buffer.byteLength(v, 'utf8') > max;
  if (tooLong(o.newPassword) || tooLong(o.newUsername)) {
    throw new UsageError(
      `this router stores at most ${max} bytes of the internet login and password (a letter outside Latin takes 2 or more); ` +
        'the new one is longer, so nothing was changed: check it in your provider\'s account page',
      { maxBytes: max },
    );
  }
}
