// HTTP client for RouterOS REST (doc §2.1): HTTP Basic auth on every request, JSON bodies, errors as
// `{"error","message","detail"}` (doc §6). The credentials live in one header value built once; they
// never reach a message or a log. A 401 is an AuthError and is never retried (RouterOS logs every
// failure and admins often blacklist repeat offenders, doc §8.13).
import http from 'node:http';
import type https from 'node:https';
import { AuthError, ProtocolError, UnsupportedError, type RouterctlError } from '../../src/core/errors.js';
import { isTransient } from '../../src/transport/errors.js';
import { HttpTransport, httpsRedirectOf, retryIdempotent, type HttpReply } from '../../src/transport/http.js';
import type { DriverLogger } from '../types.js';
import { parseJsonText, restErrorOf } from './parse.js';

export interface RestClientOptions {
  baseUrl: string;
  timeoutMs: number;
  maxResponseBytes: number;
  logger?: DriverLogger | undefined;
  httpsAgent?: https.Agent | undefined;
  signal?: AbortSignal | undefined;
}

export class RestClient {
  readonly #http: HttpTransport;
  readonly #agent: http.Agent;
  readonly #logger: DriverLogger | undefined;
  readonly #auth: string;
  #used = false;

  constructor(opts: RestClientOptions, username: string, password: string) {
    // One keep-alive connection per session: what the emulator (and `max-sessions` of /ip service,
    // fixture rest-get-ip-service-filtered-ros-7.19.1.json) count as a session; close() releases it.
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    this.#http = new HttpTransport({
      baseUrl: opts.baseUrl,
      label: 'MikroTik',
      timeoutMs: opts.timeoutMs,
      maxResponseBytes: opts.maxResponseBytes,
      httpsAgent: opts.httpsAgent,
      httpAgent: this.#agent,
      signal: opts.signal,
    });
    this.#logger = opts.logger;
    this.#auth = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
  }

  /** `GET /rest/<path>`; one more try when the reply was lost in transit. */
  async get(path: string, query?: Record<string, string>): Promise<unknown> {
    const qs = query ? `?${new URLSearchParams(query).toString()}` : '';
    const pause = Math.min(250, Math.max(20, Math.floor(this.#http.timeoutMs / 4)));
    return retryIdempotent(() => this.#call('GET', `${path}${qs}`, undefined, false), isTransient, pause);
  }

  /** A GET sent exactly once (the login check: a failed login must never be repeated). */
  async getOnce(path: string): Promise<unknown> {
    return this.#call('GET', path, undefined, false);
  }

  /** `POST /rest/<path>` (the universal command form, doc §4.1). `sensitive`: the reply is never quoted. */
  async post(path: string, body: Record<string, string>, sensitive = false): Promise<unknown> {
    return this.#call('POST', path, JSON.stringify(body), sensitive);
  }

  /** Releases the keep-alive connection: a last request with `Connection: close` when one is open. */
  async close(): Promise<void> {
    try {
      if (this.#used) {
        await this.#http.request({ method: 'GET', path: '/rest/system/identity', headers: { Authorization: this.#auth, Accept: 'application/json', Connection: 'close' }, closing: true });
      }
    } finally {
      this.#used = false;
      this.#agent.destroy();
    }
  }

  async #call(method: 'GET' | 'POST', path: string, body: string | undefined, sensitive: boolean): Promise<unknown> {
    const clean = path.replace(/^\/+/, '');
    const bare = clean.split('?')[0]!;
    if (bare.split('/').some((s) => s === '..' || s === '.' || s === '')) throw new ProtocolError('MikroTik: invalid REST path');
    const what = `${method} /rest/${bare}`;
    this.#logger?.debug('rest request', { method, path: `/rest/${bare}` });
    const headers: Record<string, string> = { Authorization: this.#auth, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await this.#http.request({ method, path: `/rest/${clean}`, body, headers });
    if (r.status === 200) {
      // Only an accepted request opens a session worth closing (a refused login is never repeated).
      this.#used = true;
      try {
        return parseJsonText(r.text, what);
      } catch (err) {
        if (sensitive) throw new ProtocolError(`MikroTik: the reply to ${what} is not JSON`, { reason: 'not_json' });
        throw err;
      }
    }
    throw this.#error(r, what, sensitive);
  }

  #error(r: HttpReply, what: string, sensitive: boolean): RouterctlError {
    if (r.status === 401) return new AuthError('MikroTik rejected the admin user name or password (or the user lacks the rest-api policy)', { httpStatus: 401 });
    const e = restErrorOf(r.text);
    const detail = sensitive ? undefined : e?.detail;
    if (r.status === 404) return new UnsupportedError(`MikroTik: ${what}: not found (HTTP 404)`, { httpStatus: 404 });
    if (r.status === 403) return new AuthError(`MikroTik: ${what}: this user may not do that (HTTP 403: policy)`, { httpStatus: 403 });
    const httpsAt = httpsRedirectOf(r, this.#http.baseUrl);
    if (httpsAt) return new ProtocolError(`MikroTik: ${what} answered HTTP ${r.status} (the router redirects to HTTPS, ${httpsAt})`, { httpStatus: r.status, redirectTo: httpsAt });
    return new ProtocolError(`MikroTik: ${what} answered HTTP ${r.status}${detail ? `: ${detail}` : ''}`, { httpStatus: r.status, ...(detail ? { routerSays: detail } : {}) });
  }
}
