// One HTTP(S) request to a router, the way every driver needs it: bounded in time (idle timeout and an
// overall deadline that also catches a slowly dripping reply) and in size, no redirects, no proxy, no
// keep-alive, HTTPS pinned (src/transport/tls.ts), every failure a typed error (src/transport/errors.ts).
import http from 'node:http';
import type https from 'node:https';
import axios, { type AxiosResponse } from 'axios';
import { ProtocolError } from '../core/errors.js';
import { deadline } from '../core/deadline.js';
import { transportError, type Where } from './errors.js';
import { memoryPin, PinnedHttpsAgent } from './tls.js';

export interface HttpTransportOptions {
  /** scheme://host:port, e.g. http://192.168.1.1:80 */
  baseUrl: string;
  /** Family label for messages, e.g. "OpenWrt". */
  label: string;
  /** Idle timeout of one request. */
  timeoutMs: number;
  /** Largest reply body accepted. */
  maxResponseBytes: number;
  /** Largest request body sent (default: max(maxResponseBytes, 1 MiB)). */
  maxRequestBytes?: number | undefined;
  /** Overall deadline of one request; default timeoutMs + 1000. */
  deadlineMs?: number | undefined;
  /**
   * For HTTPS: a pinning agent from the trust store (DriverContext.trust). Without one, the first
   * certificate this transport sees is the only one it accepts afterwards (pinned in memory).
   */
  httpsAgent?: https.Agent | undefined;
  /**
   * For plain HTTP: the agent to use instead of a fresh one without keep-alive (MikroTik keeps one
   * keep-alive connection per session, see drivers/mikrotik/README.md).
   */
  httpAgent?: http.Agent | undefined;
  /** DriverContext.signal: aborts requests in flight; later ones fail at once (except `closing`). */
  signal?: AbortSignal | undefined;
}

/** How long a logout may still take once the caller gave up: polite to the router, short for the process. */
export const CLOSING_GRACE_MS = 1000;

export interface HttpRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query, starting with "/". */
  path: string;
  body?: string | undefined;
  headers?: Record<string, string> | undefined;
  /** A logout: after the caller gave up it still runs, for at most CLOSING_GRACE_MS. */
  closing?: boolean | undefined;
}

export interface HttpReply {
  status: number;
  /** Lower-cased names, as Node gives them. */
  headers: Record<string, unknown>;
  text: string;
}

export class HttpTransport {
  readonly baseUrl: string;
  readonly label: string;
  readonly #o: HttpTransportOptions;
  readonly #httpAgent: http.Agent;
  readonly #httpsAgent: https.Agent;

  constructor(o: HttpTransportOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.label = o.label;
    this.#o = o;
    this.#httpAgent = o.httpAgent ?? new http.Agent({ keepAlive: false });
    this.#httpsAgent = o.httpsAgent ?? new PinnedHttpsAgent({ endpoint: hostPort(this.baseUrl), host: hostOnly(this.baseUrl), source: memoryPin() });
  }

  get timeoutMs(): number {
    return this.#o.timeoutMs;
  }

  where(path: string): Where {
    return { label: this.label, base: this.baseUrl, path: path.split('?')[0]! };
  }

  /** One request; any HTTP status comes back, transport failures throw typed errors. */
  async request(req: HttpRequest): Promise<HttpReply> {
    const maxRequest = this.#o.maxRequestBytes ?? Math.max(this.#o.maxResponseBytes, 1 << 20);
    if (req.body !== undefined && Buffer.byteLength(req.body, 'utf8') > maxRequest) {
      throw new ProtocolError(`${this.label}: refusing to send a request larger than ${maxRequest} bytes`, { reason: 'request_too_large' });
    }
    let res: AxiosResponse<string>;
    const caller = this.#o.signal;
    const stop = new AbortController();
    let grace: NodeJS.Timeout | undefined;
    // The socket timeout below only notices silence; this bounds a slowly dripping reply too.
    const overall = deadline(this.#o.deadlineMs ?? this.#o.timeoutMs + 1000);
    const onGiveUp = (): void => {
      if (req.closing) grace ??= setTimeout(() => stop.abort(), CLOSING_GRACE_MS);
      else stop.abort();
    };
    if (caller?.aborted) onGiveUp();
    else caller?.addEventListener('abort', onGiveUp, { once: true });
    try {
      res = await axios.request<string>({
        method: req.method,
        url: `${this.baseUrl}${req.path}`,
        data: req.body,
        headers: req.headers ?? {},
        timeout: this.#o.timeoutMs,
        signal: AbortSignal.any([overall.signal, stop.signal]),
        maxContentLength: this.#o.maxResponseBytes,
        maxBodyLength: maxRequest,
        maxRedirects: 0,
        responseType: 'text',
        responseEncoding: 'utf8',
        transformResponse: [(d: unknown) => d],
        validateStatus: () => true,
        httpAgent: this.#httpAgent,
        httpsAgent: this.#httpsAgent,
        proxy: false,
        decompress: true,
      });
    } catch (err) {
      throw transportError(err, this.where(req.path));
    } finally {
      clearTimeout(grace);
      overall.clear();
      caller?.removeEventListener('abort', onGiveUp);
    }
    return { status: res.status, headers: res.headers as Record<string, unknown>, text: typeof res.data === 'string' ? res.data : '' };
  }
}

/**
 * When a reply redirects to HTTPS on the same router (uhttpd's and most firmwares' "HTTPS only"
 * setting), the HTTPS origin to use instead; the redirect itself is never followed.
 */
export function httpsRedirectOf(reply: HttpReply, baseUrl: string): string | undefined {
  if (reply.status < 300 || reply.status >= 400) return undefined;
  const location = reply.headers['location'];
  if (typeof location !== 'string') return undefined;
  try {
    const to = new URL(location, baseUrl);
    if (to.protocol !== 'https:' || to.hostname !== new URL(baseUrl).hostname) return undefined;
    return to.origin;
  } catch {
    return undefined;
  }
}

function hostPort(baseUrl: string): string {
  try {
    const u = new URL(baseUrl);
    return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
  } catch {
    return baseUrl;
  }
}

function hostOnly(baseUrl: string): string {
  try {
    return new URL(baseUrl).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return baseUrl;
  }
}

/** `http(s)://host:port` for a target (IPv6 in brackets). */
export function baseUrlOf(host: string, port: number, tls: boolean): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `${tls ? 'https' : 'http'}://${h}:${port}`;
}

/** One pause, then one more try, for requests that change nothing (reads) and failed in transit. */
export async function retryIdempotent<T>(what: () => Promise<T>, transient: (err: unknown) => boolean, pauseMs: number): Promise<T> {
  try {
    return await what();
  } catch (err) {
    if (!transient(err)) throw err;
    await new Promise((r) => setTimeout(r, pauseMs));
    return what();
  }
}
