// Alerts on state changes only, with a cool-down, through two channels:
//  - a webhook: the event as a JSON POST, retried with exponential backoff, bounded in attempts and
//    in total time (a receiver that hangs or answers 500 cannot hold the watch);
//  - a command hook (`--on-change CMD`): run through the shell with the event as JSON on stdin,
//    bounded in time, without routerctl's secret variables in its environment.
// The webhook URL may carry a token: it is never logged whole (only its origin) and never a label.
import { spawn } from 'node:child_process';
import { deadline as timeLimit } from '../core/deadline.js';
import { lightRequest } from './light-http.js';
import type { WatchEvent } from './types.js';

export type AlertChannel = 'webhook' | 'command';
export type AlertResult = 'sent' | 'failed' | 'suppressed';

export interface AlertOutcome {
  channel: AlertChannel;
  result: AlertResult;
  attempts?: number | undefined;
  detail?: string | undefined;
}

export interface WebhookOptions {
  url: string;
  timeoutMs: number;
  /** Attempts in all (the first one included). */
  attempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  /** Upper bound of the whole delivery, retries and waits included. */
  totalMs: number;
  sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined;
  signal?: AbortSignal | undefined;
}

export function urlOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(bad URL)';
  }
}

const abortableSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/** 408, 425, 429 and 5xx are worth another try; other answers are final. */
function retryable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

export async function postWebhook(event: unknown, o: WebhookOptions): Promise<AlertOutcome> {
  const sleep = o.sleep ?? abortableSleep;
  const deadline = Date.now() + o.totalMs;
  const body = JSON.stringify(event);
  let last = '';
  let attempt: number;
  for (attempt = 1; attempt <= Math.max(1, o.attempts); attempt++) {
    const left = deadline - Date.now();
    if (left <= 0 || o.signal?.aborted) break;
    const bound = timeLimit(Math.min(o.timeoutMs, left));
    const signals = [bound.signal];
    if (o.signal) signals.push(o.signal);
    try {
      const status = await lightRequest(o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'routerctl-watch' },
        body,
        signal: AbortSignal.any(signals),
      });
      if (status >= 200 && status < 300) return { channel: 'webhook', result: 'sent', attempts: attempt };
      last = `HTTP ${status}`;
      if (!retryable(status)) return { channel: 'webhook', result: 'failed', attempts: attempt, detail: last };
    } catch (err) {
      const e = err as Error & { code?: string };
      last = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${o.timeoutMs} ms` : (e.code ?? e.message);
    } finally {
      bound.clear();
    }
    if (attempt < o.attempts) {
      const wait = Math.min(o.maxBackoffMs, o.backoffMs * 2 ** (attempt - 1));
      if (Date.now() + wait >= deadline) {
        attempt++;
        break;
      }
      await sleep(wait, o.signal);
    }
  }
  return { channel: 'webhook', result: 'failed', attempts: Math.min(attempt, o.attempts), detail: last || 'not sent' };
}

export interface CommandOptions {
  command: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv | undefined;
  cwd?: string | undefined;
}

/** Variables that hold secrets are never handed to a hook. */
const SECRET_ENV = /^ROUTERCTL_(PASSWORD|NEW_PASSWORD)$|PASSWORD|SECRET|TOKEN/i;

export function hookEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !SECRET_ENV.test(k)));
}

export function runCommandHook(event: WatchEvent, o: CommandOptions): Promise<AlertOutcome> {
  return new Promise((resolve) => {
    const child = spawn(o.command, {
      shell: true,
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...hookEnv(o.env ?? process.env), ROUTERCTL_EVENT: event.kind, ROUTERCTL_STATE: event.to },
      cwd: o.cwd,
      detached: process.platform !== 'win32',
    });
    let stderr = '';
    let settled = false;
    const finish = (outcome: AlertOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      // The whole process group: a shell's children too.
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
      finish({ channel: 'command', result: 'failed', detail: `killed after ${o.timeoutMs} ms` });
    }, o.timeoutMs);
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 2000) stderr += c.toString('utf8');
    });
    child.on('error', (err) => finish({ channel: 'command', result: 'failed', detail: err.message }));
    child.on('close', (code, signal) => {
      if (code === 0) finish({ channel: 'command', result: 'sent' });
      else finish({ channel: 'command', result: 'failed', detail: `exit ${code ?? signal}${stderr ? `: ${stderr.trim().slice(0, 200)}` : ''}` });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(`${JSON.stringify(event)}\n`);
  });
}

export interface AlertPolicyState {
  lastSent?: number | undefined;
  downAlerted?: boolean | undefined;
  pending?: WatchEvent | undefined;
}

export interface AlertPolicyOptions {
  cooldownMs: number;
}

/**
 * When to send: `down`, `cause_changed` and `reminder` respect the cool-down (a suppressed one is sent
 * once the cool-down is over, if the state is still down); `up` is sent only when the matching down
 * was (so an alert is never left without its recovery, nor a recovery without its alert); `heal`
 * always goes out (heals are rate-limited on their own).
 */
export class AlertPolicy {
  readonly #o: AlertPolicyOptions;
  #lastSent: number | undefined;
  #downAlerted = false;
  #pending: WatchEvent | undefined;

  constructor(o: AlertPolicyOptions) {
    this.#o = o;
  }

  /** The event to send now, or undefined (suppressed). */
  decide(event: WatchEvent, now: number): WatchEvent | undefined {
    switch (event.kind) {
      case 'heal':
        return event;
      case 'up': {
        this.#pending = undefined;
        if (!this.#downAlerted) return undefined;
        this.#downAlerted = false;
        this.#lastSent = now;
        return event;
      }
      default: {
        if (this.#lastSent !== undefined && now - this.#lastSent < this.#o.cooldownMs) {
          this.#pending = event;
          return undefined;
        }
        this.#pending = undefined;
        this.#lastSent = now;
        this.#downAlerted = true;
        return event;
      }
    }
  }

  /** For `watch --once` under system cron: the policy lives on between runs. */
  snapshot(): AlertPolicyState {
    return { lastSent: this.#lastSent, downAlerted: this.#downAlerted, pending: this.#pending };
  }

  restore(s: AlertPolicyState): void {
    this.#lastSent = typeof s.lastSent === 'number' ? s.lastSent : undefined;
    this.#downAlerted = s.downAlerted === true;
    this.#pending = s.pending;
  }

  /** Called every cycle: a suppressed down-side alert, once the cool-down is over and still down. */
  due(now: number, stillDown: boolean): WatchEvent | undefined {
    if (!this.#pending) return undefined;
    if (!stillDown) {
      this.#pending = undefined;
      return undefined;
    }
    if (this.#lastSent !== undefined && now - this.#lastSent < this.#o.cooldownMs) return undefined;
    const e = this.#pending;
    this.#pending = undefined;
    this.#lastSent = now;
    this.#downAlerted = true;
    return e;
  }
}
