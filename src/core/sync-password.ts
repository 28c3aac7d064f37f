// The password sync: read WAN -> refuse a WAN without a password -> backup -> set + apply -> wait for
// the WAN -> check the internet -> confirm, or roll back and prove the old settings are back.
// Knows no vendor: everything router-specific is behind DriverSession.
import { PASSWORD_PROTOS, type Backup, type DriverSession, type PendingChange, type WanSettings, type WanStatus } from '../../drivers/types.js';
import { autoBackupPath, sameSettings, writeBackupFile } from './backup-file.js';
import { RouterctlError, UnreachableError, TimeoutError } from './errors.js';
import { waitForInternet, type InternetCheck } from './internet.js';

export type SyncStep = 'read' | 'backup' | 'apply' | 'wait' | 'internet' | 'confirm' | 'rollback' | 'verify-restore';

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
  internetUrls: string[];
  internetTimeoutMs: number;
  onProgress?: (step: SyncStep, message: string, extra?: Record<string, unknown>) => void;
  sleep?: (ms: number) => Promise<void>;
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

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What the ISP said when the WAN did not come up, in the terms the CLI explains. */
type WaitFailure = { kind: 'auth_failed' | 'timeout' | 'other'; status: WanStatus | undefined };

export async function syncPassword(session: DriverSession, o: SyncOptions): Promise<SyncResult> {
  const started = Date.now();
  const sleep = o.sleep ?? defaultSleep;
  const progress = o.onProgress ?? (() => undefined);

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

  progress('apply', 'writing the new password to the router', { backupFile });
  let pending: PendingChange;
  try {
    pending = await session.setWanCredentials(
      { password: o.newPassword, ...(o.newUsername !== undefined ? { username: o.newUsername } : {}) },
      { confirmWindowSeconds: o.confirmWindowSeconds },
    );
  } catch (err) {
    if (err instanceof UnreachableError || err instanceof TimeoutError) throw lostRouter(err, undefined, backupFile);
    // The driver refused or failed half-way: make sure the router still has exactly the old settings.
    await ensureRestored(session, before, backupFile);
    throw err;
  }

  let failure: WaitFailure;
  try {
    // Decide well before the router's own rollback timer fires, so a confirm is never too late.
    const waitSeconds = pending.autoRevertSeconds ? Math.min(o.wanUpTimeoutSeconds, Math.max(1, pending.autoRevertSeconds - 10)) : o.wanUpTimeoutSeconds;
    const waited = await waitForWan(session, { ...o, wanUpTimeoutSeconds: waitSeconds }, sleep, progress);
    if (waited.kind === 'up') {
      // The provider accepted the new password: keep it at once (inside the router's rollback window),
      // whatever the internet check says next, because the old one is known to be wrong. The caller
      // reports an internet problem separately.
      progress('confirm', 'the provider accepted the password: keeping the new settings');
      await pending.confirm();
      progress('internet', 'checking the internet through the router');
      const internet = await waitForInternet(o.internetUrls, o.internetTimeoutMs, Math.max(3000, o.pollIntervalMs * 10), sleep);
      return { outcome: 'applied', wan: { ...publicWan, username: o.newUsername ?? wan.username }, backupFile, status: waited.status, internet, changes, seconds: secondsSince(started) };
    }
    failure = waited;
  } catch (err) {
    if (err instanceof UnreachableError || err instanceof TimeoutError) throw lostRouter(err, pending, backupFile);
    await rollBack(session, pending, before, backupFile, progress).catch(() => undefined);
    throw err;
  }

  await rollBack(session, pending, before, backupFile, progress);
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
  let sawReconnect = false;
  let sawConnecting = false;
  let authFailStreak = 0;
  let last: WanStatus | undefined;
  while (Date.now() < deadline) {
    last = await session.wanStatus();
    const elapsedS = (Date.now() - applied) / 1000;
    if (last.state !== 'up') sawReconnect = true;
    if (last.state === 'connecting') sawConnecting = true;
    progress('wait', `waiting for the internet connection: ${describe(last)}`, { state: last.state, reason: last.reason });
    if (last.state === 'up') {
      const fresh = sawReconnect || (last.uptimeSeconds !== undefined && last.uptimeSeconds <= elapsedS + 1) || elapsedS >= 5;
      if (fresh) return { kind: 'up', status: last };
    }
    // An auth failure listed before the router redialled may be the old password's: count it only after.
    const authFailed = last.state === 'down' && last.reason === 'auth_failed' && (sawConnecting || elapsedS >= 5);
    authFailStreak = authFailed ? authFailStreak + 1 : 0;
    if (authFailStreak >= o.authFailPolls) return { kind: 'auth_failed', status: last };
    await sleep(o.pollIntervalMs);
  }
  return { kind: last?.reason === 'auth_failed' ? 'auth_failed' : 'timeout', status: last };
}

async function rollBack(
  session: DriverSession,
  pending: PendingChange,
  before: Backup,
  backupFile: string,
  progress: NonNullable<SyncOptions['onProgress']>,
): Promise<void> {
  progress('rollback', 'putting the previous settings back');
  try {
    await pending.rollback();
  } catch {
    // Fall through: the restore below puts the backup back whatever state the router is in.
  }
  progress('verify-restore', 'checking that the router has exactly the old settings');
  await ensureRestored(session, before, backupFile);
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

function lostRouter(err: UnreachableError | TimeoutError, pending: PendingChange | undefined, backupFile: string): RouterctlError {
  const revert = pending?.autoRevertSeconds
    ? ` The router undoes the change by itself within ${pending.autoRevertSeconds} s unless it is confirmed.`
    : '';
  return new RouterctlError(
    err.code,
    `lost contact with the router while applying the change.${revert} Your backup is in ${backupFile}; once the router answers again, run: routerctl restore ${backupFile}`,
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
