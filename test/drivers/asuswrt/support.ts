// Shared pieces of the ASUS tests: a one-account ISP, a logger that records everything (to prove no
// secret is logged), raw HTTP requests to the emulator. Hosts: 127.0.88.1–99.
import http from 'node:http';
import type { DialRequest, DialResult, IspUpstream } from '../../../drivers/emulator-types.js';
import type { DriverContext, DriverSession, WanStatus } from '../../../drivers/types.js';

export class OneAccountIsp implements IspUpstream {
  user = 'asus-user';
  password = 'isp-pass-1';
  noCarrier = false;
  /** The password of the last dial, for exactness checks (never printed). */
  lastPassword: string | undefined;
  lastServer: string | undefined;
  dials = 0;
  readonly #drops = new Set<() => void>();
  dial(req: DialRequest): DialResult {
    this.dials++;
    this.lastPassword = req.password;
    this.lastServer = req.server;
    if (this.noCarrier) return { ok: false, reason: 'no_carrier', message: 'no PADO' };
    if (req.username !== this.user || req.password !== this.password) return { ok: false, reason: 'auth_failed', message: 'Authentication failed' };
    return { ok: true, ipv4: '100.64.88.2', gateway: '100.64.88.1', dns: ['127.0.100.1'] };
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

export function recordingCtx(): { ctx: DriverContext; rec: { lines: string[] } } {
  const rec = { lines: [] as string[] };
  const log = (level: string) => (message: string, meta?: Record<string, unknown>) => void rec.lines.push(`${level} ${message} ${JSON.stringify(meta ?? {})}`);
  return { ctx: { logger: { debug: log('debug'), info: log('info'), warn: log('warn') }, requestTimeoutMs: 2000, maxResponseBytes: 1 << 20 }, rec };
}

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export function raw(port: number, host: string, method: string, path: string, o: { cookie?: string; body?: string; contentType?: string } = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'User-Agent': 'asusrouter-test-DUTUtil-1' };
    if (o.cookie) headers.Cookie = `asus_token=${o.cookie}`;
    if (o.body !== undefined) headers['Content-Type'] = o.contentType ?? 'application/x-www-form-urlencoded';
    const req = http.request({ host, port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

export async function rawLogin(port: number, host: string, user: string, password: string): Promise<RawReply> {
  const body = new URLSearchParams({ login_authorization: Buffer.from(`${user}:${password}`, 'utf8').toString('base64') }).toString();
  return raw(port, host, 'POST', '/login.cgi', { body });
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
