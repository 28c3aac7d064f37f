// A running watch does each cycle's router work (the diagnosis, a heal) in a short-lived child
// process (cycle-worker.ts) instead of in itself. Why: the drivers, axios, TLS and the probes are
// loaded only for the seconds a cycle lasts, so the resident watch stays small (bench/watch-soak.mjs
// measures both); a cycle that overruns its bound is ended for certain by killing the child; and
// whatever a probe leaves open cannot pile up over months. Costs one node start per cycle (~0.3 s
// CPU), nothing at one cycle a minute at most.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DeepPartial, Config } from '../config/schema.js';
import { RouterctlError, type ErrorCode } from '../core/errors.js';
import type { Lang } from '../i18n/index.js';
import type { GlobalArgs } from '../cli/app.js';
import type { RouterArgs } from '../cli/router-flags.js';
import type { HealActions } from './heal.js';
import type { CycleFn, DiagnoseReport } from './types.js';

export type WorkerTask =
  | { kind: 'diagnose'; light: boolean; lang: Lang; boundMs: number; refused?: string | undefined }
  | { kind: 'sync'; password: string }
  | { kind: 'reconnect' };

export interface WorkerRequest {
  args: GlobalArgs & RouterArgs;
  overrides?: DeepPartial<Config> | undefined;
  task: WorkerTask;
}

export interface WorkerReply {
  ok: boolean;
  report?: DiagnoseReport;
  outcome?: 'applied' | 'unchanged' | 'dry_run';
  /** Set when the router refused the admin login during this cycle. */
  refused?: string | undefined;
  error?: { code: ErrorCode; message: string };
  /** The child's peak resident memory, in KiB. */
  maxRssKb: number;
}

export interface WorkerOptions {
  /** The child's environment: the watch's own (ROUTERCTL_*, XDG_*, HOME, PATH). */
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal | undefined;
  /** The child is stopped after this long (SIGTERM: it logs out of the router; SIGKILL 5 s later). */
  timeoutMs: number;
  /** Told the child's pid as soon as it runs (tests check its arguments and that it is gone after). */
  onSpawn?: ((pid: number) => void) | undefined;
}

/** Larger replies are refused: a diagnosis report is a few tens of KB. */
const MAX_REPLY_BYTES = 8 * 1024 * 1024;
/** A stopped child logs out of the router first (src/cli/router-args.ts allows 5 s for that). */
const KILL_GRACE_MS = 5000;

/** The worker beside this module: built JavaScript, or TypeScript through tsx when run from src/. */
function workerCommand(): string[] {
  const fromSource = import.meta.url.endsWith('.ts');
  const file = fileURLToPath(new URL(fromSource ? './cycle-worker.ts' : './cycle-worker.js', import.meta.url));
  return fromSource ? ['--import', 'tsx', file] : [file];
}

/** The only keys a worker gets from the command line: plain values, nothing secret. */
function workerArgs(a: GlobalArgs & RouterArgs): GlobalArgs & RouterArgs {
  const keep = ['config', 'verbose', 'host', 'driver', 'user', 'password-file', 'transport', 'wait'] as const;
  return Object.fromEntries(keep.filter((k) => a[k] !== undefined).map((k) => [k, a[k]])) as GlobalArgs & RouterArgs;
}

/** Runs one task in a child process and returns its reply; an error reply becomes a RouterctlError. */
export function runInWorker(req: WorkerRequest, o: WorkerOptions): Promise<WorkerReply> {
  return new Promise<WorkerReply>((resolve, reject) => {
    const child = spawn(process.execPath, workerCommand(), { env: o.env, stdio: ['pipe', 'pipe', 'inherit'] });
    if (child.pid !== undefined) o.onSpawn?.(child.pid);
    const out: Buffer[] = [];
    let bytes = 0;
    let stopped: string | undefined;
    let killer: NodeJS.Timeout | undefined;
    const stop = (why: string): void => {
      if (stopped) return;
      stopped = why;
      child.kill('SIGTERM');
      killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => stop(`the cycle process did not finish within ${o.timeoutMs} ms and was stopped`), o.timeoutMs);
    const onAbort = (): void => stop('the cycle process was stopped');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.signal?.aborted) onAbort();

    child.stdout.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_REPLY_BYTES) stop(`the cycle process answered more than ${MAX_REPLY_BYTES} bytes`);
      else out.push(chunk);
    });
    child.stdin.on('error', () => undefined); // a child that died early is reported by 'close'
    child.on('error', (err) => {
      if (child.pid !== undefined) return stop(`the cycle process failed: ${err.message}`);
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      reject(new RouterctlError('internal', `the cycle process could not start: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killer);
      o.signal?.removeEventListener('abort', onAbort);
      if (stopped) return reject(new RouterctlError('timeout', stopped));
      let reply: WorkerReply | undefined;
      try {
        reply = JSON.parse(Buffer.concat(out).toString('utf8')) as WorkerReply;
      } catch {
        return reject(new RouterctlError('internal', `the cycle process ended (${signal ?? `exit ${code}`}) without an answer`));
      }
      if (!reply.ok) return reject(new RouterctlError(reply.error?.code ?? 'internal', reply.error?.message ?? 'the cycle process failed'));
      resolve(reply);
    });
    child.stdin.end(JSON.stringify({ ...req, args: workerArgs(req.args) }));
  });
}

export interface ChildCycleOptions {
  /** The watch's own command-line context (its --config above all), which every child shares. */
  global: GlobalArgs;
  /** Which router and how to log in (the watch's flags, or an inventory entry's). */
  router: RouterArgs;
  overrides?: DeepPartial<Config> | undefined;
  env: NodeJS.ProcessEnv;
  lang: Lang;
  boundMs: number;
  /** Told once when the router refuses the admin login; later cycles do not log in again. */
  onRefused?: ((why: string) => void) | undefined;
  /** Each child's peak RSS (KiB), for the soak bench and debug logs. */
  onChildRss?: ((kb: number) => void) | undefined;
  onSpawn?: WorkerOptions['onSpawn'];
}

/** The watch's cycle as a child process; the refusal of the admin login carries over between them. */
export function childCycle(o: ChildCycleOptions): CycleFn {
  let refused: string | undefined;
  return async ({ light, signal }) => {
    const reply = await runInWorker(
      { args: { ...o.router, config: o.global.config, verbose: o.global.verbose }, overrides: o.overrides, task: { kind: 'diagnose', light, lang: o.lang, boundMs: o.boundMs, refused } },
      // A little over the bound: the watcher's own timeout aborts first; this is the backstop.
      { env: o.env, signal, timeoutMs: o.boundMs + 1000, onSpawn: o.onSpawn },
    );
    o.onChildRss?.(reply.maxRssKb);
    if (reply.refused && !refused) {
      refused = reply.refused;
      o.onRefused?.(reply.refused);
    }
    if (!reply.report) throw new RouterctlError('internal', 'the cycle process sent no report');
    return reply.report;
  };
}

/**
 * The heal actions as child processes; the stored password is read here and handed over on stdin.
 * The watch stopping does not cut a change short (the same as in one process: the sync finishes, or
 * its own rollback runs); only the heal timeout stops the child.
 */
export function childHealActions(o: Omit<ChildCycleOptions, 'lang' | 'boundMs' | 'onRefused'> & { timeoutMs: number; storedWanPassword: HealActions['storedWanPassword'] }): HealActions {
  const run = async (task: WorkerTask, signal: AbortSignal): Promise<WorkerReply> => {
    if (signal.aborted) throw new RouterctlError('timeout', 'healing was stopped');
    const r = await runInWorker({ args: { ...o.router, config: o.global.config, verbose: o.global.verbose }, overrides: o.overrides, task }, { env: o.env, timeoutMs: o.timeoutMs, onSpawn: o.onSpawn });
    o.onChildRss?.(r.maxRssKb);
    return r;
  };
  return {
    storedWanPassword: o.storedWanPassword,
    syncPassword: async (password, signal) => {
      const { outcome } = await run({ kind: 'sync', password }, signal);
      if (!outcome) throw new RouterctlError('internal', 'the heal process did not say how the sync ended');
      return { outcome };
    },
    reconnectWan: async (signal) => {
      await run({ kind: 'reconnect' }, signal);
    },
  };
}
