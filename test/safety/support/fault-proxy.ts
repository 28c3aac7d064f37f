// A misbehaving network between routerctl and an emulated router: an HTTP proxy on 127.0.8x.y that
// forwards to the emulator and, for the request the test picks, answers with one fault. Family-neutral:
// any driver that talks HTTP gets the same faults.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const FAULTS = ['reset', 'timeout', 'http500', 'garbage', 'huge', 'drip', 'session_expired', 'reboot', 'gone'] as const;
export type FaultKind = (typeof FAULTS)[number];

/** What each fault does, for the generated table's legend. */
export const FAULT_LEGEND: Record<FaultKind, string> = {
  reset: 'connection reset: the router processes the request, the connection is reset before the answer',
  timeout: 'timeout: the router processes the request, the answer never comes',
  http500: 'HTTP 500: the web server fails without processing the request',
  garbage: 'garbage body: the router processes the request, the answer is 200 with non-JSON bytes',
  huge: 'huge body: the router processes the request, the answer is larger than the allowed size',
  drip: 'slow drip: the router processes the request, the answer trickles in slower than the deadline',
  session_expired: 'session expired: the router ends every login session just before the request',
  reboot: 'router reboot: the router processes the request, then reboots (connection reset, down for a moment, sessions and unsaved state gone)',
  gone: 'router gone: the router processes the request, then stops answering for the rest of the run (power cut)',
};

export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
}

export interface FaultHooks {
  expireSessions(): void;
  reboot(): void;
}

export interface FaultProxyOptions {
  host: string;
  upstream: { host: string; port: number };
  hooks: FaultHooks;
  /** Size of the `huge` answer. */
  hugeBytes: number;
  /** One byte per this many ms for `drip`. */
  dripMs: number;
  /** How long the router is down after `reboot`. */
  rebootDownMs: number;
}

const GARBAGE = '\u0000\u0001\u0002<html><body>Gateway busy {"jsonrpc":"2.0","res\u00ff\u00fe';

export class FaultProxy {
  /** Picks the fault for a request (null = pass it through); set by the test. */
  decide: (req: ProxiedRequest) => FaultKind | null = () => null;
  /** Requests seen, in order (method and path; bodies are not kept). */
  readonly log: string[] = [];
  #downUntil = 0;
  #gone = false;
  readonly #sockets = new Set<Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #server: http.Server;
  #port = 0;

  private constructor(private readonly o: FaultProxyOptions) {
    this.#server = http.createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', (s: Socket) => {
      if (this.#gone || Date.now() < this.#downUntil) {
        s.destroy();
        return;
      }
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  static async start(o: FaultProxyOptions): Promise<FaultProxy> {
    if (!/^127\.0\.8\d\.\d{1,3}$/.test(o.host)) throw new Error(`the fault proxy listens on 127.0.80.x-127.0.89.x only, got ${o.host}`);
    const p = new FaultProxy(o);
    await new Promise<void>((resolve, reject) => {
      p.#server.once('error', reject);
      p.#server.listen(0, o.host, () => resolve());
    });
    p.#port = (p.#server.address() as AddressInfo).port;
    return p;
  }

  get port(): number {
    return this.#port;
  }

  /** Back from `gone` / `reboot` at once (the test follows the user's advice afterwards). */
  restore(): void {
    this.#gone = false;
    this.#downUntil = 0;
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url ?? '/';
    this.log.push(`${req.method ?? '?'} ${path.split('?')[0]}`);
    const fault = this.decide({ method: req.method ?? 'GET', path, body });
    if (fault === 'http500') {
      res.writeHead(500, { 'Content-Type': 'text/html', Connection: 'close' });
      res.end('<html><body><h1>500 Internal Server Error</h1></body></html>');
      return;
    }
    if (fault === 'session_expired') this.o.hooks.expireSessions();
    let answer: { status: number; headers: http.IncomingHttpHeaders; body: Buffer };
    try {
      answer = await this.#forward(req, path, chunks);
    } catch {
      req.socket.destroy();
      return;
    }
    switch (fault) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'timeout':
        return; // never answers; close() ends the socket
      case 'garbage':
        res.writeHead(200, { 'Content-Type': 'application/json', Connection: 'close' });
        res.end(GARBAGE);
        return;
      case 'huge': {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(this.o.hugeBytes), Connection: 'close' });
        const block = Buffer.alloc(64 * 1024, 0x20);
        let left = this.o.hugeBytes;
        const pump = (): void => {
          while (left > 0 && !res.destroyed) {
            const n = Math.min(left, block.length);
            left -= n;
            if (!res.write(n === block.length ? block : block.subarray(0, n))) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        res.on('error', () => undefined);
        pump();
        return;
      }
      case 'drip': {
        res.writeHead(answer.status, { ...passHeaders(answer.headers), 'Content-Length': String(answer.body.length), Connection: 'close' });
        let i = 0;
        const step = (): void => {
          if (res.destroyed || i >= answer.body.length) return void res.end();
          res.write(answer.body.subarray(i, i + 1));
          i++;
          this.#later(this.o.dripMs, step);
        };
        res.on('error', () => undefined);
        step();
        return;
      }
      case 'reboot':
        this.o.hooks.reboot();
        this.#downUntil = Date.now() + this.o.rebootDownMs;
        this.#dropAll();
        return;
      case 'gone':
        this.#gone = true;
        this.#dropAll();
        return;
      default:
        res.writeHead(answer.status, { ...passHeaders(answer.headers), 'Content-Length': String(answer.body.length), Connection: 'close' });
        res.end(answer.body);
    }
  }

  #dropAll(): void {
    for (const s of this.#sockets) s.destroy();
  }

  #forward(req: IncomingMessage, path: string, chunks: Buffer[]): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: `${this.o.upstream.host}:${this.o.upstream.port}`, connection: 'close' };
      const up = http.request({ host: this.o.upstream.host, port: this.o.upstream.port, method: req.method, path, headers, agent: false }, (r) => {
        const got: Buffer[] = [];
        r.on('data', (c: Buffer) => got.push(c));
        r.on('end', () => resolve({ status: r.statusCode ?? 502, headers: r.headers, body: Buffer.concat(got) }));
        r.on('error', reject);
      });
      up.setTimeout(5000, () => up.destroy(new Error('upstream timeout')));
      up.on('error', reject);
      up.end(Buffer.concat(chunks));
    });
  }
}

function passHeaders(h: http.IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || ['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(k)) continue;
    out[k] = v;
  }
  return out;
}
