// One HTTP(S) request as a probe: never follows redirects (a redirect *is* the evidence), a fresh
// connection every time, timed per phase like blackbox_exporter (resolve, connect, tls, processing =
// first byte, transfer), bounded in time and in the bytes kept.
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import tls from 'node:tls';
import { round } from './tcp.js';

export interface HttpTimings {
  resolve?: number | undefined;
  connect?: number | undefined;
  tls?: number | undefined;
  processing?: number | undefined;
  transfer?: number | undefined;
}

export interface HttpResult {
  url: string;
  ok: boolean;
  status?: number | undefined;
  location?: string | undefined;
  /** Bytes of body received (up to the read limit). */
  bytes: number;
  /** The first bytes of the body as text (for portal markers and text probes). */
  sample: string;
  /** From start to the end (or the failure), without the DNS lookup. */
  ms?: number | undefined;
  timings: HttpTimings;
  /** timeout, stalled, ECONNREFUSED, ECONNRESET, ENOTFOUND, CERT_HAS_EXPIRED, ... */
  error?: string | undefined;
  /** The TLS certificate was refused (expired, not yet valid, wrong name, unknown issuer). */
  certError?: boolean | undefined;
}

export interface HttpOptions {
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots. */
  ca?: string | undefined;
  /** Bytes of body read before the request is ended on our side. */
  maxBytes?: number | undefined;
  /** The body must keep flowing: a pause longer than this ends the probe as "stalled". */
  stallMs?: number | undefined;
  sampleBytes?: number | undefined;
  method?: 'GET' | 'HEAD' | undefined;
  /** Name resolution for the request (diagnostics passes a time-boxed c-ares lookup). */
  lookup?: net.LookupFunction | undefined;
}

const CERT_CODES = /^(CERT_|ERR_TLS_CERT|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_SSL|HOSTNAME_MISMATCH)/;

// Building a context with ~140 root certificates takes tens of milliseconds of CPU; done once per CA,
// not per probe, so parallel probes do not delay each other's timings.
const contexts = new Map<string, tls.SecureContext>();
function contextWith(ca: string): tls.SecureContext {
  let c = contexts.get(ca);
  if (!c) contexts.set(ca, (c = tls.createSecureContext({ ca: [...tls.rootCertificates, ca] })));
  return c;
}

export function httpProbe(url: string, o: HttpOptions): Promise<HttpResult> {
  return new Promise((resolve) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return resolve({ url, ok: false, bytes: 0, sample: '', timings: {}, error: 'bad_url' });
    }
    const isHttps = parsed.protocol === 'https:';
    const started = performance.now();
    const timings: HttpTimings = {};
    let resolvedAt: number | undefined;
    let bytes = 0;
    const chunks: Buffer[] = [];
    const sampleLimit = o.sampleBytes ?? 4096;
    const maxBytes = o.maxBytes ?? 64 * 1024;
    let status: number | undefined;
    let location: string | undefined;
    let done = false;
    let stallTimer: NodeJS.Timeout | undefined;

    const since = (t: number): number => round(t - started);
    const finish = (error?: string, certError?: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(stallTimer);
      o.signal?.removeEventListener('abort', onAbort);
      req.destroy();
      const end = performance.now();
      const ms = round(end - (resolvedAt ?? started));
      resolve({
        url,
        ok: error === undefined && status !== undefined,
        status,
        location,
        bytes,
        sample: Buffer.concat(chunks).subarray(0, sampleLimit).toString('utf8'),
        ms,
        timings,
        ...(error ? { error } : {}),
        ...(certError ? { certError } : {}),
      });
    };
    const onAbort = (): void => finish('aborted');
    const timer = setTimeout(() => finish(status === undefined ? 'timeout' : 'stalled'), o.timeoutMs);

    const options: https.RequestOptions = {
      method: o.method ?? 'GET',
      agent: false,
      headers: { 'user-agent': 'routerctl-diagnose', accept: '*/*', connection: 'close' },
    };
    if (isHttps && o.ca) (options as tls.ConnectionOptions).secureContext = contextWith(o.ca);
    if (o.lookup) options.lookup = o.lookup;
    const req = (isHttps ? https : http).request(parsed, options, (res) => {
      timings.processing = since(performance.now());
      status = res.statusCode;
      const loc = res.headers.location;
      if (typeof loc === 'string') location = loc.slice(0, 2048);
      const armStall = (): void => {
        if (!o.stallMs) return;
        clearTimeout(stallTimer);
        stallTimer = setTimeout(() => finish('stalled'), o.stallMs);
      };
      armStall();
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (chunks.reduce((n, c) => n + c.length, 0) < sampleLimit) chunks.push(chunk);
        armStall();
        if (bytes >= maxBytes) {
          timings.transfer = round(performance.now() - started - (timings.processing ?? 0));
          finish();
        }
      });
      res.on('end', () => {
        timings.transfer = round(performance.now() - started - (timings.processing ?? 0));
        finish();
      });
      res.on('error', (err: NodeJS.ErrnoException) => finish(err.code ?? 'ECONNRESET'));
    });
    req.on('socket', (socket) => {
      socket.once('lookup', () => {
        resolvedAt = performance.now();
        timings.resolve = since(resolvedAt);
      });
      socket.once('connect', () => {
        timings.connect = round(performance.now() - (resolvedAt ?? started));
      });
      socket.once('secureConnect', () => {
        timings.tls = round(performance.now() - started - (timings.resolve ?? 0) - (timings.connect ?? 0));
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.message;
      finish(code, CERT_CODES.test(code));
    });
    if (o.signal?.aborted) return finish('aborted');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
}
