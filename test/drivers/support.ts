// Pieces the per-family driver tests share: an ISP with one account that remembers the last dial, a
// driver context whose logger records every line (to prove no secret is logged), raw HTTP requests to
// an emulator, and a bounded wait for a WAN state.
import http from 'node:http';
import type { DialRequest, DialResult, IspUpstream } from '../../drivers/emulator-types.js';
import type { DriverContext, DriverSession, WanStatus } from '../../drivers/types.js';

export class OneAccountIsp implements IspUpstream {
  password = 'isp-pass-1';
  noCarrier = false;
  /** The password and server of the last dial, for exactness checks (never printed). */
  lastPassword: string | undefined;
  lastServer: string | undefined;
  dials = 0;
  readonly #drops = new Set<() => void>();
  /** `lease`: the subscriber address; the provider's end is .1 of the same /24. */
  constructor(
    public user: string,
    private readonly lease: string,
  ) {}
  dial(req: DialRequest): DialResult {
    this.dials++;
    this.lastPassword = req.password;
    this.lastServer = req.server;
    if (this.noCarrier) return { ok: false, reason: 'no_carrier', message: 'no PADO' };
    if (req.username !== this.user || req.password !== this.password) return { ok: false, reason: 'auth_failed', message: 'Authentication failed' };
    return { ok: true, ipv4: this.lease, gateway: this.lease.replace(/\.\d+$/, '.1'), dns: ['127.0.100.1'] };
  }
  hangup(): void {}
  onDrop(_routerId: string, l: () => void): () => void {
    this.#drops.add(l);
    return () => this.#drops.delete(l);
  }
  drop(): void {
    for (const l of this.#drops) l();
  }
}

export interface Recorded {
  lines: string[];
}

export function recordingCtx(): { ctx: DriverContext; rec: Recorded } {
  const rec: Recorded = { lines: [] };
  const log = (level: string) => (message: string, meta?: Record<string, unknown>) => void rec.lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
  return { ctx: { logger: { debug: log('debug'), info: log('info'), warn: log('warn') }, requestTimeoutMs: 2000, maxResponseBytes: 1 << 20 }, rec };
}

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request on its own connection, exactly as given. */
export function rawRequest(port: number, host: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(s: DriverSession, ok: (st: WanStatus) => boolean, ms = 3000): Promise<WanStatus> {
  const until = Date.now() + ms;
  let last: WanStatus | undefined;
  while (Date.now() < until) {
    last = await s.wanStatus();
    if (ok(last)) return last;
    await sleep(25);
  }
  throw new Error(`WAN status not reached; last: ${JSON.stringify(last)}`);
}
