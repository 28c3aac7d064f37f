// Probing one address before any login: HTTP GET /, HTTPS GET /, the SSH banner and every extra
// request that drivers declared, all in parallel, each bounded by the same short timeout and by a
// body cap. No credentials or secrets are ever sent here.
//
// Why node:http and not axios: discovery needs (1) one deadline covering connect + headers + body,
// (2) a body that is *cut* at maxBodyBytes rather than an error when it is larger (axios'
// maxContentLength rejects the whole response), (3) no redirect following at all (axios follows by
// default through follow-redirects), and (4) no connection pooling (agent: false). All four are a
// few lines with node:http, and it keeps discovery free of the transport layer's cookie jar and TLS
// pinning, which only matter after login.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Driver, DriverLogger, HttpProbe, Probe, ProbeRequest, Target } from '../../drivers/types.js';

export interface ProbeOptions {
  timeoutMs: number;
  maxBodyBytes: number;
  /** Extra requests from the drivers, as planned by planExtraRequests(). */
  extra?: readonly ExtraRequestPlan[] | undefined;
}

export interface HttpProbeSpec {
  tls: boolean;
  host: string;
  port: number;
  method?: 'GET' | 'POST' | undefined;
  path?: string | undefined;
  body?: string | undefined;
  contentType?: string | undefined;
  timeoutMs: number;
  maxBodyBytes: number;
}

/** One HTTP request sent for one or more drivers (identical requests are sent once). */
export interface ExtraRequestPlan {
  request: ProbeRequest;
  /** Every request id that this answer is filed under in Probe.extra. */
  ids: string[];
}

const USER_AGENT = 'routerctl-discovery';

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * One request; resolves to what came back (a cut body if it was large or slow), or undefined when
 * nothing answered (refused, reset, timeout, not HTTP). Never rejects.
 */
export function httpProbe(spec: HttpProbeSpec): Promise<HttpProbe | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    let partial: (() => HttpProbe) | undefined;
    const finish = (value: HttpProbe | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(value);
    };
    // One deadline for connect + headers + body; a slow body gives what arrived so far.
    const timer = setTimeout(() => finish(partial?.()), spec.timeoutMs);
    const body = spec.body !== undefined ? Buffer.from(spec.body, 'utf8') : undefined;
    const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: '*/*', connection: 'close' };
    if (body) {
      headers['content-type'] = spec.contentType ?? 'application/octet-stream';
      headers['content-length'] = String(body.length);
    }
    const options: https.RequestOptions = {
      host: spec.host,
      port: spec.port,
      method: spec.method ?? 'GET',
      path: spec.path ?? '/',
      headers,
      agent: false,
    };
    if (spec.tls) {
      // Routers ship self-signed certificates, so verification would fail on every one of them.
      // Accepting any certificate is safe ONLY here: discovery reads a public landing page and sends
      // nothing secret. Every later connection (with credentials) goes through the transport layer,
      // which pins the certificate on first use.
      options.rejectUnauthorized = false;
      if (net.isIP(spec.host) === 0) options.servername = spec.host;
    }
    const req = (spec.tls ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      partial = () => ({
        port: spec.port,
        status: res.statusCode ?? 0,
        headers: flattenHeaders(res.headers),
        body: new TextDecoder('utf-8').decode(Buffer.concat(chunks)),
      });
      res.on('data', (chunk: Buffer) => {
        const room = spec.maxBodyBytes - size;
        if (room > 0) chunks.push(room >= chunk.length ? chunk : chunk.subarray(0, room));
        size += chunk.length;
        if (size >= spec.maxBodyBytes) finish(partial!()); // enough: stop reading
      });
      res.on('end', () => finish(partial!()));
      // A connection cut mid-body still proves an HTTP server answered.
      res.on('error', () => finish(partial!()));
      res.on('aborted', () => finish(partial!()));
    });
    req.on('error', () => finish(partial?.()));
    req.end(body);
  });
}

/**
 * Reads the server's identification line ("SSH-2.0-dropbear_2022.83"). RFC 4253 allows other
 * lines before it, so lines are read until one starts with "SSH-" (within 8 KiB). Sends nothing.
 */
export function readSshBanner(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let settled = false;
    let buffer = '';
    const finish = (value: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const socket = net.connect({ host, port });
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('SSH-')) return finish(line.replace(/\r$/, '').slice(0, 255));
      }
      if (buffer.length > 8192) finish(undefined);
    });
    socket.on('end', () => finish(buffer.startsWith('SSH-') ? buffer.slice(0, 255) : undefined));
    socket.on('error', () => finish(undefined));
    socket.on('close', () => finish(undefined));
  });
}

function requestKey(r: ProbeRequest): string {
  return JSON.stringify([r.method, r.path, r.body ?? null, r.contentType ?? null]);
}

/**
 * The drivers' extra requests, each distinct request once. The same request under several ids is
 * sent once and filed under every id; one id used for two different requests is a driver bug: the
 * first wins and a warning is logged.
 */
export function planExtraRequests(drivers: readonly Driver[], logger?: DriverLogger): ExtraRequestPlan[] {
  const byKey = new Map<string, ExtraRequestPlan>();
  const idOwner = new Map<string, { key: string; family: string }>();
  for (const driver of drivers) {
    for (const request of driver.fingerprint.requests) {
      const key = requestKey(request);
      const owner = idOwner.get(request.id);
      if (owner) {
        if (owner.key !== key) {
          logger?.warn('two drivers declare different probe requests under one id; keeping the first', { id: request.id, first: owner.family, second: driver.family });
        }
        continue;
      }
      idOwner.set(request.id, { key, family: driver.family });
      const plan = byKey.get(key);
      if (plan) plan.ids.push(request.id);
      else byKey.set(key, { request, ids: [request.id] });
    }
  }
  return [...byKey.values()];
}

/** Prefers a final answer (not a redirect), then plain HTTP. */
function pickAnswer(plain: HttpProbe | undefined, tls: HttpProbe | undefined): HttpProbe | undefined {
  const isFinal = (p: HttpProbe | undefined): boolean => p !== undefined && (p.status < 300 || p.status >= 400);
  if (isFinal(plain)) return plain;
  if (isFinal(tls)) return tls;
  return plain ?? tls;
}

/**
 * Everything at once: the slowest dead service costs one timeout, not the sum. Extra requests go
 * to both the HTTP and the HTTPS port (a router may serve only one of them).
 */
export async function probeTarget(target: Target, opts: ProbeOptions): Promise<Probe> {
  const base = { host: target.host, timeoutMs: opts.timeoutMs, maxBodyBytes: opts.maxBodyBytes };
  const plainReq = (r?: ProbeRequest) => httpProbe({ ...base, tls: false, port: target.httpPort, ...requestFields(r) });
  const tlsReq = (r?: ProbeRequest) =>
    target.httpsPort !== undefined ? httpProbe({ ...base, tls: true, port: target.httpsPort, ...requestFields(r) }) : Promise.resolve(undefined);

  const extras = opts.extra ?? [];
  const [httpAnswer, httpsAnswer, banner, extraAnswers] = await Promise.all([
    plainReq(),
    tlsReq(),
    target.sshPort !== undefined ? readSshBanner(target.host, target.sshPort, opts.timeoutMs) : Promise.resolve(undefined),
    Promise.all(extras.map(async (plan) => pickAnswer(...(await Promise.all([plainReq(plan.request), tlsReq(plan.request)]))))),
  ]);

  const extra: Record<string, HttpProbe | undefined> = {};
  extras.forEach((plan, i) => {
    for (const id of plan.ids) extra[id] = extraAnswers[i];
  });
  return {
    host: target.host,
    http: httpAnswer,
    https: httpsAnswer,
    ssh: banner !== undefined && target.sshPort !== undefined ? { port: target.sshPort, banner } : undefined,
    extra,
  };
}

function requestFields(r: ProbeRequest | undefined): Pick<HttpProbeSpec, 'method' | 'path' | 'body' | 'contentType'> {
  if (!r) return { method: 'GET', path: '/' };
  return { method: r.method, path: r.path.startsWith('/') ? r.path : `/${r.path}`, body: r.body, contentType: r.contentType };
}
