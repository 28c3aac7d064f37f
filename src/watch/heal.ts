// Healing (`watch --heal`, opt-in). Two actions, both through the existing workflows:
//  - the provider refuses the PPP password and a stored ISP password exists → the password sync
//    (which itself compares with the router's password and changes nothing when they are equal);
//  - the WAN is down for another cause the router can act on → ask the router to reconnect.
// Bounds: only while the state is `down` (confirmed), each action at most once per outage and cause,
// and at most maxPerHour actions per hour across restarts (a ledger in the state dir), so a crash
// loop under systemd cannot turn into a login storm. Every action is logged and alerted by the caller.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { deadline } from '../core/deadline.js';
import { writeFileAtomic } from '../core/secrets.js';
import { ensurePrivateDir } from '../config/paths.js';
import type { DiagnoseReport, HealRecord } from './types.js';

export type HealAction = HealRecord['action'];

/** What healing can do; the real one opens the router like every other command (src/watch/router-heal.ts). */
export interface HealActions {
  /** The stored ISP password of the router, if any; never logged. */
  storedWanPassword(host: string | undefined): Promise<string | undefined>;
  /** Runs the password sync with the stored password. */
  syncPassword(password: string, signal: AbortSignal): Promise<{ outcome: 'applied' | 'unchanged' | 'dry_run' }>;
  reconnectWan(signal: AbortSignal): Promise<void>;
}

export interface HealerOptions {
  actions: HealActions;
  maxPerHour: number;
  /** JSON ledger of past actions (0600); none = in memory only. */
  ledgerFile?: string | undefined;
  /** Bound of one action (a sync waits for the WAN). */
  timeoutMs: number;
  allowSync: boolean;
  allowReconnect: boolean;
  now?: (() => number) | undefined;
}

const HOUR = 3_600_000;

/** The heal a verdict asks for, if watch may do it on its own. */
export function healFor(report: DiagnoseReport, opts: { allowSync: boolean; allowReconnect: boolean }): HealAction | undefined {
  const v = report.verdict;
  const suggested = v.heal?.automatic ? v.heal.action : undefined;
  const byId: HealAction | undefined = v.id.startsWith('ppp_auth_failed') ? 'sync_password' : v.id === 'ppp_down' ? 'reconnect_wan' : undefined;
  const action = suggested === 'sync_password' || suggested === 'reconnect_wan' ? suggested : byId;
  if (action === 'sync_password' && !v.id.startsWith('ppp_auth_failed')) return undefined;
  if (action === 'sync_password' && !opts.allowSync) return undefined;
  if (action === 'reconnect_wan' && !opts.allowReconnect) return undefined;
  return action;
}

export class Healer {
  readonly #o: HealerOptions;
  #ledger: { ts: number; action: HealAction }[] | undefined;
  /** Outage+cause+action keys already acted on (or decided against). */
  readonly #done = new Set<string>();
  #rateLimitedFor: string | undefined;

  constructor(o: HealerOptions) {
    this.#o = o;
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  async #load(): Promise<{ ts: number; action: HealAction }[]> {
    if (this.#ledger) return this.#ledger;
    this.#ledger = [];
    if (this.#o.ledgerFile) {
      try {
        const data = JSON.parse(await readFile(this.#o.ledgerFile, 'utf8')) as { actions?: { ts: number; action: HealAction }[] };
        if (Array.isArray(data.actions)) this.#ledger = data.actions.filter((a) => typeof a.ts === 'number');
      } catch {
        // missing or unreadable: start empty
      }
    }
    return this.#ledger;
  }

  async #note(action: HealAction): Promise<void> {
    const ledger = await this.#load();
    const now = this.#now();
    ledger.push({ ts: now, action });
    this.#ledger = ledger.filter((a) => now - a.ts < 24 * HOUR).slice(-100);
    if (this.#o.ledgerFile) {
      await ensurePrivateDir(path.dirname(this.#o.ledgerFile)).catch(() => undefined);
      await writeFileAtomic(this.#o.ledgerFile, JSON.stringify({ format: 'routerctl-heal-ledger/1', actions: this.#ledger }) + '\n').catch(() => undefined);
    }
  }

  /** Actions in the last hour (persisted). */
  async recentCount(): Promise<number> {
    const now = this.#now();
    return (await this.#load()).filter((a) => now - a.ts < HOUR).length;
  }

  /**
   * Called on every cycle while `down`. Returns what was done (or why not, once per outage), or
   * undefined when there is nothing to say.
   */
  async consider(report: DiagnoseReport, outageKey: string, host: string | undefined, signal: AbortSignal): Promise<HealRecord | undefined> {
    const action = healFor(report, this.#o);
    if (!action) return undefined;
    const key = `${outageKey}|${report.verdict.id}|${action}`;
    if (this.#done.has(key)) return undefined;

    let password: string | undefined;
    if (action === 'sync_password') {
      password = await this.#o.actions.storedWanPassword(host);
      if (password === undefined) {
        this.#done.add(key);
        return { action, result: 'skipped', detail: 'no stored home-internet password (save one with `routerctl wan set-password --save`)' };
      }
    }
    if ((await this.recentCount()) >= this.#o.maxPerHour) {
      if (this.#rateLimitedFor === key) return undefined;
      this.#rateLimitedFor = key;
      return { action, result: 'skipped', detail: `rate limit: at most ${this.#o.maxPerHour} heal actions per hour` };
    }
    this.#done.add(key);
    await this.#note(action);
    const limit = deadline(this.#o.timeoutMs);
    const bound = AbortSignal.any([signal, limit.signal]);
    try {
      if (action === 'sync_password') {
        const r = await this.#o.actions.syncPassword(password!, bound);
        return r.outcome === 'applied'
          ? { action, result: 'done', detail: 'the stored password was put into the router' }
          : { action, result: 'unchanged', detail: 'the router already has the stored password; the provider refuses it' };
      }
      await this.#o.actions.reconnectWan(bound);
      return { action, result: 'done', detail: 'the router was asked to reconnect' };
    } catch (err) {
      const e = err as Error & { code?: string };
      return { action, result: 'failed', detail: `${e.code ? `${e.code}: ` : ''}${e.message}`.slice(0, 300) };
    } finally {
      limit.clear();
    }
  }
}
