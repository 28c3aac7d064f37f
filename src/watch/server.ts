// The metrics endpoint (`--metrics 127.0.0.1:9464`): GET /metrics for this watch, and, with an
// inventory, GET /probe?target=NAME in the style of blackbox_exporter, so one Prometheus scrapes many
// routers through one routerctl. A probe is bounded in time (config, and Prometheus' own scrape
// timeout header), a target is probed at most once per floor interval (a scrape inside it gets the
// last result: a router is never asked more often than the watch floor allows), a few probes run at
// once, and credentials come only from the inventory's secret files: any query parameter other than
// `target` is refused.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge } from 'prom-client';
import { UsageError } from '../core/errors.js';
import { parseHostPort } from '../discovery/candidates.js';
import type { Inventory, InventoryEntry } from './inventory.js';
import { TARGET_NAME } from './inventory.js';
import { WatchMetrics } from './metrics.js';
import type { DiagnoseReport } from './types.js';

export type ProbeFn = (entry: InventoryEntry, signal: AbortSignal) => Promise<DiagnoseReport>;

export interface ProbeOptions {
  inventory: Inventory;
  probe: ProbeFn;
  timeoutMs: number;
  /** A target's result is reused for this long (the watch floor). */
  minIntervalMs: number;
  maxConcurrent: number;
}

export interface MetricsServerOptions {
  listen: string;
  metrics?: WatchMetrics | undefined;
  probes?: ProbeOptions | undefined;
  onError?: ((message: string, meta?: Record<string, unknown>) => void) | undefined;
}

export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** "127.0.0.1:9464", "[::1]:9464", ":9464" or "9464" (loopback by default). */
export function parseListen(listen: string): { host: string; port: number } {
  const t = listen.trim();
  if (/^\d+$/.test(t)) return { host: '127.0.0.1', port: Number(t) };
  if (t.startsWith(':') && /^:\d+$/.test(t)) return { host: '127.0.0.1', port: Number(t.slice(1)) };
  // Port 0 (any free port) is for tests and scripts that read the URL back.
  const anyPort = /^(.+):0$/.exec(t);
  const r = anyPort ? { ...parseHostPort(anyPort[1]!), port: 0 } : parseHostPort(t);
  if (!r.ok || r.port === undefined || !('host' in r)) throw new UsageError(`--metrics wants HOST:PORT, e.g. 127.0.0.1:9464 (got "${listen}")`);
  return { host: r.host, port: r.port };
}

interface CachedProbe {
  at: number;
  text: string;
}

class Prober {
  readonly #o: ProbeOptions;
  readonly #cache = new Map<string, CachedProbe>();
  readonly #inflight = new Map<string, Promise<string>>();
  #running = 0;

  constructor(o: ProbeOptions) {
    this.#o = o;
  }

  async probe(name: string, scrapeTimeoutMs: number | undefined): Promise<string> {
    const cached = this.#cache.get(name);
    if (cached && Date.now() - cached.at < this.#o.minIntervalMs) return cached.text;
    const inflight = this.#inflight.get(name);
    if (inflight) return inflight;
    if (this.#running >= this.#o.maxConcurrent) throw new Busy();
    const entry = this.#o.inventory.routers.get(name)!;
    const timeoutMs = Math.max(500, Math.min(this.#o.timeoutMs, scrapeTimeoutMs ?? Number.POSITIVE_INFINITY));
    this.#running++;
    const p = this.#run(entry, timeoutMs).finally(() => {
      this.#running--;
      this.#inflight.delete(name);
    });
    this.#inflight.set(name, p);
    return p;
  }

  async #run(entry: InventoryEntry, timeoutMs: number): Promise<string> {
    const started = performance.now();
    const m = new WatchMetrics();
    const success = new Gauge({ name: 'routerctl_probe_success', help: 'The probe produced a diagnosis in time', registers: [m.registry] });
    const duration = new Gauge({ name: 'routerctl_probe_duration_seconds', help: 'Time the probe took', registers: [m.registry] });
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      const report = await Promise.race([
        this.#o.probe(entry, ac.signal),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            ac.abort(new Error('probe timeout'));
            reject(new Error(`no diagnosis within ${timeoutMs} ms`));
          }, timeoutMs);
        }),
      ]);
      m.cycle(report, (performance.now() - started) / 1000);
      success.set(1);
    } catch {
      success.set(0);
      m.internetUp.set(0);
    } finally {
      clearTimeout(timer);
    }
    duration.set((performance.now() - started) / 1000);
    const text = await m.text();
    this.#cache.set(entry.name, { at: Date.now(), text });
    return text;
  }
}

class Busy extends Error {}

export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServer> {
  const { host, port } = parseListen(o.listen);
  const prober = o.probes ? new Prober(o.probes) : undefined;
  const send = (res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'only GET\n');
        const url = new URL(req.url ?? '/', 'http://localhost');
        if (url.pathname === '/metrics') {
          if (!o.metrics) return send(res, 404, 'this routerctl watches no router of its own; use /probe?target=NAME\n');
          return send(res, 200, await o.metrics.text(), CONTENT_TYPE);
        }
        if (url.pathname === '/probe') {
          if (!prober || !o.probes) return send(res, 404, 'no inventory: start with --inventory FILE to probe other routers\n');
          const extra = [...url.searchParams.keys()].filter((k) => k !== 'target');
          if (extra.length > 0) return send(res, 400, 'only ?target=NAME is accepted; credentials come from the inventory, never from the URL\n');
          const target = url.searchParams.get('target') ?? '';
          if (!TARGET_NAME.test(target)) return send(res, 400, 'target must be a router name from the inventory\n');
          if (!o.probes.inventory.routers.has(target)) return send(res, 404, 'unknown target: not in the inventory\n');
          const header = Number(req.headers['x-prometheus-scrape-timeout-seconds']);
          const scrapeMs = Number.isFinite(header) && header > 0 ? header * 1000 - 500 : undefined;
          try {
            return send(res, 200, await prober.probe(target, scrapeMs), CONTENT_TYPE);
          } catch (err) {
            if (err instanceof Busy) return send(res, 503, 'too many probes at once; try again\n');
            throw err;
          }
        }
        if (url.pathname === '/') {
          return send(res, 200, `routerctl metrics\n${o.metrics ? '  /metrics\n' : ''}${o.probes ? `  /probe?target=NAME (${o.probes.inventory.routers.size} routers)\n` : ''}`);
        }
        return send(res, 404, 'not found\n');
      } catch (err) {
        o.onError?.('metrics endpoint error', { error: (err as Error).message });
        if (!res.headersSent) send(res, 500, 'internal error\n');
        else res.end();
      }
    })();
  });
  server.requestTimeout = 120_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new UsageError(`cannot listen on ${o.listen} for metrics: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${shown}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
