// Failed admin logins per router, remembered across runs and processes: routers lock people out after
// a few failures (TP-Link 10 for two hours, ASUS 5 for five minutes), so routerctl stops well before
// any of them would. What a router says about its own lock (seconds left, attempts left) is kept too,
// so the next run does not knock on a locked door and make the lock longer.
//
// The ledger (`login-attempts.json`, 0600): `{ "<host>": [failure times in ms], "<host>#locked-until":
// [ms], "<host>#attempts-left": [n, ms] }`. Every change is a locked read-modify-write, so two
// processes failing at once both count.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { ensurePrivateDir } from '../config/paths.js';
import { LockedOutError, RouterctlError } from './errors.js';
import { writeFileAtomic } from './secrets.js';

export interface LoginBudgetOptions {
  file: string;
  attempts: number;
  windowMinutes: number;
  now?: () => number;
}

/** What the router itself said when it refused a login. */
export interface RouterLockout {
  /** Attempts the router still allows before it locks (TP-Link `attemptsAllowed`). */
  attemptsLeft?: number | undefined;
  /** The router is locked for this long (Keenetic Retry-After, ASUS `remaining_lock_time`). */
  lockedForSeconds?: number | undefined;
}

type Ledger = Record<string, number[]>;

const LOCKED = '#locked-until';
const LEFT = '#attempts-left';

/** "4 more minutes", "40 more seconds". */
export function moreTime(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.ceil(seconds))} more seconds`;
  return `${Math.ceil(seconds / 60)} more minutes`;
}

export class LoginBudget {
  constructor(private readonly o: LoginBudgetOptions) {}

  get file(): string {
    return this.o.file;
  }

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private async read(): Promise<Ledger> {
    try {
      const parsed = JSON.parse(await readFile(this.o.file, 'utf8')) as unknown;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
      const out: Ledger = {};
      for (const [k, v] of Object.entries(parsed)) if (Array.isArray(v)) out[k] = v.filter((t): t is number => typeof t === 'number' && Number.isFinite(t));
      return out;
    } catch {
      return {};
    }
  }

  private windowMs(): number {
    return this.o.windowMinutes * 60_000;
  }

  private recent(ledger: Ledger, host: string): number[] {
    const since = this.now() - this.windowMs();
    return (ledger[host] ?? []).filter((t) => t > since);
  }

  async remaining(host: string): Promise<number> {
    return Math.max(0, this.o.attempts - this.recent(await this.read(), host).length);
  }

  /**
   * Throws LockedOutError when another attempt could lock the router: the router said it is locked,
   * or that at most one attempt is left, or our own budget for the window is spent.
   */
  async ensureAttemptAllowed(host: string): Promise<void> {
    const ledger = await this.read();
    const now = this.now();
    const lockedUntil = ledger[host + LOCKED]?.[0];
    if (lockedUntil !== undefined && lockedUntil > now) {
      const seconds = (lockedUntil - now) / 1000;
      throw new LockedOutError(
        `the router said it refuses logins from this computer for ${moreTime(seconds)} (too many failed logins); ` +
          'routerctl does not try before then, so the lock does not get longer. Check the admin password meanwhile.',
        { retryAfterSeconds: Math.ceil(seconds), host, source: 'router' },
      );
    }
    const [left, at] = ledger[host + LEFT] ?? [];
    if (left !== undefined && at !== undefined && left <= 1 && at > now - this.windowMs()) {
      const seconds = (at + this.windowMs() - now) / 1000;
      throw new LockedOutError(
        `the router said only ${left} login attempt${left === 1 ? ' is' : 's are'} left before it locks itself; routerctl stops here. ` +
          `Check the admin password (log in once with a browser: a good login resets the router's count), or try again in ${moreTime(seconds)}.`,
        { retryAfterSeconds: Math.ceil(seconds), host, attemptsLeft: left, source: 'router' },
      );
    }
    const recent = this.recent(ledger, host);
    if (recent.length < this.o.attempts) return;
    const oldest = Math.min(...recent);
    const retryAfterSeconds = Math.max(1, Math.ceil((oldest + this.windowMs() - now) / 1000));
    throw new LockedOutError(
      `${recent.length} failed logins to ${host} in the last ${this.o.windowMinutes} minutes; routerctl stops here so the router does not lock you out. ` +
        `Check the admin password and try again in ${Math.ceil(retryAfterSeconds / 60)} min.`,
      { retryAfterSeconds, host, source: 'budget' },
    );
  }

  async recordFailure(host: string, router: RouterLockout = {}): Promise<void> {
    await this.update((ledger) => {
      const now = this.now();
      ledger[host] = [...this.recent(ledger, host), now];
      if (router.lockedForSeconds !== undefined && router.lockedForSeconds > 0) {
        ledger[host + LOCKED] = [now + Math.min(router.lockedForSeconds, 7 * 24 * 3600) * 1000];
      }
      if (router.attemptsLeft !== undefined && router.attemptsLeft >= 0) ledger[host + LEFT] = [Math.floor(router.attemptsLeft), now];
    });
  }

  async recordSuccess(host: string): Promise<void> {
    const ledger = await this.read();
    if (!(host in ledger) && !(host + LOCKED in ledger) && !(host + LEFT in ledger)) return;
    await this.update((l) => {
      delete l[host];
      delete l[host + LOCKED];
      delete l[host + LEFT];
    });
  }

  private async update(change: (ledger: Ledger) => void): Promise<void> {
    await ensurePrivateDir(path.dirname(this.o.file));
    let release: (() => Promise<void>) | undefined;
    try {
      release = await lockfile.lock(this.o.file, { realpath: false, stale: 10_000, retries: { retries: 40, minTimeout: 20, maxTimeout: 200 } });
    } catch (err) {
      throw new RouterctlError('busy', `another routerctl is writing ${this.o.file}; try again`, { file: this.o.file }, { cause: err });
    }
    try {
      const ledger = await this.read();
      change(ledger);
      await writeFileAtomic(this.o.file, JSON.stringify(ledger));
    } finally {
      await release().catch(() => undefined);
    }
  }
}
