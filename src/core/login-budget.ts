// Failed admin logins per router, remembered across runs: routers lock people out after a few
// failures (TP-Link 10, ASUS 5), so routerctl stops well before any of them would.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { LockedOutError } from './errors.js';

export interface LoginBudgetOptions {
  file: string;
  attempts: number;
  windowMinutes: number;
  now?: () => number;
}

type Ledger = Record<string, number[]>;

export class LoginBudget {
  constructor(private readonly o: LoginBudgetOptions) {}

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private async read(): Promise<Ledger> {
    try {
      const parsed = JSON.parse(await readFile(this.o.file, 'utf8')) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as Ledger) : {};
    } catch {
      return {};
    }
  }

  private recent(ledger: Ledger, host: string): number[] {
    const since = this.now() - this.o.windowMinutes * 60_000;
    return (ledger[host] ?? []).filter((t) => typeof t === 'number' && t > since);
  }

  async remaining(host: string): Promise<number> {
    return Math.max(0, this.o.attempts - this.recent(await this.read(), host).length);
  }

  /** Throws LockedOutError when another attempt could lock the router (or already would exceed ours). */
  async ensureAttemptAllowed(host: string): Promise<void> {
    const recent = this.recent(await this.read(), host);
    if (recent.length < this.o.attempts) return;
    const oldest = Math.min(...recent);
    const retryAfterSeconds = Math.max(1, Math.ceil((oldest + this.o.windowMinutes * 60_000 - this.now()) / 1000));
    throw new LockedOutError(
      `${recent.length} failed logins to ${host} in the last ${this.o.windowMinutes} minutes; routerctl stops here so the router does not lock you out. ` +
        `Check the admin password and try again in ${Math.ceil(retryAfterSeconds / 60)} min.`,
      { retryAfterSeconds, host },
    );
  }

  async recordFailure(host: string): Promise<void> {
    const ledger = await this.read();
    ledger[host] = [...this.recent(ledger, host), this.now()];
    await this.write(ledger);
  }

  async recordSuccess(host: string): Promise<void> {
    const ledger = await this.read();
    if (!(host in ledger)) return;
    delete ledger[host];
    await this.write(ledger);
  }

  private async write(ledger: Ledger): Promise<void> {
    await mkdir(path.dirname(this.o.file), { recursive: true, mode: 0o700 });
    const temp = `${this.o.file}.${process.pid}.tmp`;
    await writeFile(temp, JSON.stringify(ledger), { mode: 0o600 });
    await rename(temp, this.o.file);
  }
}
