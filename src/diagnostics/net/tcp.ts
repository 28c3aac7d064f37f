// TCP connect as a probe: reachability without DNS, and a latency figure labelled "tcp" (the time
// of the three-way handshake) where ICMP is not available.
import net from 'node:net';

export interface TcpResult {
  ok: boolean;
  ms?: number | undefined;
  /** ECONNREFUSED, ETIMEDOUT (ours), ENETUNREACH, aborted, ... */
  error?: string | undefined;
}

export function tcpConnect(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<TcpResult> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve({ ok: false, error: 'aborted' });
    const started = performance.now();
    const socket = net.connect({ host, port });
    let done = false;
    const finish = (r: TcpResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(r);
    };
    const onAbort = (): void => finish({ ok: false, error: 'aborted' });
    const timer = setTimeout(() => finish({ ok: false, error: 'ETIMEDOUT' }), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish({ ok: true, ms: round(performance.now() - started) }));
    socket.once('error', (err: NodeJS.ErrnoException) => finish({ ok: false, error: err.code ?? err.message }));
  });
}

export function round(ms: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(ms * f) / f;
}

/** Sleeps, but wakes at once on abort. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
