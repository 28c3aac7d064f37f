// The lab's "internet": a few operators on their own loopback addresses (127.0.200.1, 127.0.201.1, …),
// each with an HTTP and an HTTPS port serving generate_204, a text probe, a large object and a speed
// stream. What a client sees follows the home router's state, as through a real router:
//   serve   – normal answers (optionally slow, optionally the provider's payment redirect on HTTP)
//   closed  – nothing listens: connections are refused at once (no route beyond the router)
//   hold    – connections are accepted and never answered (a black hole)
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { LAB_PROBE_CERT, LAB_PROBE_KEY } from './tls.js';

export type PortMode = 'serve' | 'closed' | 'hold';

export interface OperatorState {
  http: PortMode;
  https: PortMode;
  /** A Location for every plain-HTTP request (the provider's payment page). */
  portal?: string | undefined;
  delayMs: number;
  /** The large object stops after its first packets. */
  largeStalls: boolean;
}

const LARGE_BYTES = 256 * 1024;
const CHUNK = 8 * 1024;
const DOWN_MAX_BYTES = 128 * 1024 * 1024;
const HOLD_MS = 120_000;

/** One listening port whose accepting can be switched off and on again (same port). */
class SwitchablePort {
  readonly #host: string;
  readonly #onConnection: (socket: net.Socket) => void;
  #server: net.Server | undefined;
  readonly #sockets = new Set<net.Socket>();
  port = 0;

  constructor(host: string, onConnection: (socket: net.Socket) => void) {
    this.#host = host;
    this.#onConnection = onConnection;
  }

  get listening(): boolean {
    return this.#server !== undefined;
  }

  async open(): Promise<void> {
    if (this.#server) return;
    const server = net.createServer((socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
      socket.on('error', () => undefined);
      this.#onConnection(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.#host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }

  async shut(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export class LabOperator {
  readonly name: string;
  readonly host: string;
  #state: OperatorState = { http: 'serve', https: 'serve', delayMs: 0, largeStalls: false };
  readonly #http: SwitchablePort;
  readonly #https: SwitchablePort;
  readonly #timers = new Set<NodeJS.Timeout>();

  private constructor(name: string, host: string) {
    this.name = name;
    this.host = host;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse, secure: boolean): void => this.#handle(req, res, secure);
    const plain = http.createServer((req, res) => handler(req, res, false));
    const tls = https.createServer({ cert: LAB_PROBE_CERT, key: LAB_PROBE_KEY }, (req, res) => handler(req, res, true));
    tls.on('tlsClientError', () => undefined);
    this.#http = new SwitchablePort(host, (s) => this.#accept(s, this.#state.http, plain));
    this.#https = new SwitchablePort(host, (s) => this.#accept(s, this.#state.https, tls));
  }

  static async start(name: string, host: string, ports: { httpPort?: number | undefined; httpsPort?: number | undefined } = {}): Promise<LabOperator> {
    const op = new LabOperator(name, host);
    op.#http.port = ports.httpPort ?? 0;
    op.#https.port = ports.httpsPort ?? 0;
    await op.#http.open();
    await op.#https.open();
    return op;
  }

  get httpPort(): number {
    return this.#http.port;
  }

  get httpsPort(): number {
    return this.#https.port;
  }

  get state(): OperatorState {
    return { ...this.#state };
  }

  async apply(state: OperatorState): Promise<void> {
    this.#state = { ...state };
    for (const [port, mode] of [
      [this.#http, state.http],
      [this.#https, state.https],
    ] as const) {
      if (mode === 'closed') await port.shut();
      else await port.open();
    }
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    await this.#http.shut();
    await this.#https.shut();
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  #accept(socket: net.Socket, mode: PortMode, server: http.Server): void {
    if (mode === 'hold') {
      // Accepted, never answered; dropped after a while so nothing leaks.
      this.#later(HOLD_MS, () => socket.destroy());
      return;
    }
    if (mode === 'closed') {
      socket.destroy();
      return;
    }
    server.emit('connection', socket);
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse, secure: boolean): void {
    const state = this.#state;
    res.setHeader('connection', 'close');
    if (!secure && state.portal) {
      res.writeHead(302, { location: state.portal, 'content-type': 'text/html; charset=utf-8' }).end('<html><body>Услуга приостановлена: пополните баланс.</body></html>');
      return;
    }
    const respond = (): void => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/generate_204') res.writeHead(204).end();
      else if (path === '/connecttest.txt') res.writeHead(200, { 'content-type': 'text/plain' }).end('Microsoft Connect Test');
      else if (path === '/large') this.#large(res, state.largeStalls);
      else if (path === '/down') this.#down(res);
      else if (path === '/') res.writeHead(200, { 'content-type': 'text/plain' }).end(`lab operator ${this.name}\n`);
      else res.writeHead(404).end();
    };
    if (state.delayMs > 0) this.#later(state.delayMs, respond);
    else respond();
  }

  #large(res: http.ServerResponse, stalls: boolean): void {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': LARGE_BYTES });
    if (stalls) {
      // The first segments pass; the rest "does not fit through the line" and never arrives.
      res.write(Buffer.alloc(CHUNK, 0x61));
      this.#later(HOLD_MS, () => res.destroy());
      return;
    }
    let sent = 0;
    const pump = (): void => {
      while (sent < LARGE_BYTES) {
        sent += CHUNK;
        if (!res.write(Buffer.alloc(CHUNK, 0x61))) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  }

  #down(res: http.ServerResponse): void {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const block = Buffer.alloc(64 * 1024, 0x62);
    let sent = 0;
    const pump = (): void => {
      while (sent < DOWN_MAX_BYTES && !res.destroyed) {
        sent += block.length;
        if (!res.write(block)) return void res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => (sent = DOWN_MAX_BYTES));
    pump();
  }
}
