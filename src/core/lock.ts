// One routerctl at a time per router: two sessions at once would interleave a backup with another
// run's apply, or kick each other out on single-admin firmware. The lock is a proper-lockfile lock
// (mkdir-based, refreshed while held, stale after a crash) in `<state dir>/locks/`, next to a small
// owner note (pid, command, since) so the second process can say whom it waits for.
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { ensurePrivateDir } from '../config/paths.js';
import { RouterctlError } from './errors.js';
import { writeFileAtomic } from './secrets.js';

export interface LockOwner {
  pid: number;
  command: string;
  since: string;
}

export interface RouterLock {
  readonly host: string;
  release(): Promise<void>;
}

export interface LockOptions {
  /** What this run does, for the other process's message (e.g. "wan set-password"). */
  command: string;
  /** How long to wait for another routerctl on the same router; 0 = fail at once with `busy`. */
  waitMs: number;
  /** Told once when waiting starts. */
  onWait?: ((message: string, owner: LockOwner | undefined) => void) | undefined;
  /** Poll interval while waiting. */
  pollMs?: number | undefined;
  /** A lock not refreshed for this long belongs to a dead process (proper-lockfile `stale`, >= 2000; default 6000). */
  staleMs?: number | undefined;
  /** Told if the lock was lost while held (clock jump, folder removed); the run goes on. */
  onCompromised?: ((err: Error) => void) | undefined;
  /** The caller gave up: stop waiting for the other routerctl (the wait's timer would keep the process alive). */
  signal?: AbortSignal | undefined;
}

/** File-name-safe form of a host (IPv6 colons, brackets). */
export function lockName(host: string): string {
  return host.toLowerCase().replace(/[^a-z0-9.-]/g, '_').slice(0, 200) || '_';
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const o = JSON.parse(await readFile(file, 'utf8')) as Partial<LockOwner>;
    return typeof o.pid === 'number' && typeof o.command === 'string' && typeof o.since === 'string' ? (o as LockOwner) : undefined;
  } catch {
    return undefined;
  }
}

export function describeOwner(owner: LockOwner | undefined): string {
  if (!owner) return 'another routerctl';
  const since = new Date(owner.since);
  const at = Number.isNaN(since.getTime()) ? '' : `, since ${since.toTimeString().slice(0, 8)}`;
  return `another routerctl (\`${owner.command}\`, process ${owner.pid}${at})`;
}

export async function lockRouter(stateDir: string, host: string, o: LockOptions): Promise<RouterLock> {
  const dir = await ensurePrivateDir(path.join(stateDir, 'locks'));
  const base = path.join(dir, lockName(host));
  const ownerFile = `${base}.owner.json`;
  const staleMs = Math.max(2000, o.staleMs ?? 6000);
  const deadline = Date.now() + Math.max(0, o.waitMs);
  const pollMs = Math.max(20, o.pollMs ?? 250);
  let told = false;
  let looks = 0;
  for (;;) {
    try {
      const release = await lockfile.lock(base, {
        realpath: false,
        lockfilePath: `${base}.lock`,
        stale: staleMs,
        update: Math.max(1000, Math.floor(staleMs / 3)),
        retries: 0,
        onCompromised: (err) => o.onCompromised?.(err),
      });
      const owner: LockOwner = { pid: process.pid, command: o.command, since: new Date().toISOString() };
      await writeFileAtomic(ownerFile, JSON.stringify(owner)).catch(() => undefined);
      let released = false;
      return {
        host,
        async release() {
          if (released) return;
          released = true;
          if ((await readOwner(ownerFile))?.pid === process.pid) await rm(ownerFile, { force: true }).catch(() => undefined);
          await release().catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') {
        throw new RouterctlError('internal', `cannot lock ${base}.lock (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { file: `${base}.lock` });
      }
    }
    // A holder that died without releasing (SIGKILL, power cut) stops refreshing the lock, which then
    // goes stale after `staleMs` and is taken over by proper-lockfile itself.
    const owner = await readOwner(ownerFile);
    const left = deadline - Date.now();
    if (left <= 0 || o.signal?.aborted) {
      throw new RouterctlError(
        'busy',
        `${describeOwner(owner)} is working on the router ${host}; routerctl does not run two sessions on one router at once. ` +
          'Try again when it has finished (or give --wait SECONDS to wait for it).',
        { host, ownerPid: owner?.pid, ownerCommand: owner?.command },
      );
    }
    // The holder writes its note just after taking the lock: give it a moment before saying "someone".
    if (!told && (owner !== undefined || ++looks > 3)) {
      told = true;
      o.onWait?.(`${describeOwner(owner)} is working on ${host}; waiting for it to finish (up to ${Math.ceil(left / 1000)} s)…`, owner);
    }
    await pause(Math.min(pollMs, left), o.signal);
  }
}

/** Sleeps, but wakes at once on abort (no timer left behind). */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
