// HTTP client for a Keenetic's web server: the /auth challenge–response login (doc §2.1) and the RCI
// JSON API (doc §3). Maps every failure to a typed error. The session is one random-named cookie that
// this client keeps itself (doc §1, §8: do not hard-code its name; some jars drop bare-IP cookies).
// The password lives only in a closure used for a re-login and never reaches a message or a log.

import { createHash } from 'node:crypto';
import type https from 'node:https';
import { AuthError, LockedOutError, ProtocolError, UnsupportedError, type RouterctlError } from '../../src/core/errors.js';
import { isTransient } from '../../src/transport/errors.js';
import { HttpTransport, httpsRedirectOf, retryIdempotent } from '../../src/transport/http.js';
import type { DriverLogger } from '../types.js';
import { headerText } from './fingerprint.js';
import { excerpt, parseJsonText, statusError } from './parse.js';

export interface RciClientOptions {
  /** e.g. http://192.168.1.1:80 */
  baseUrl: string;
  timeoutMs: number;
  maxResponseBytes: number;
  logger?: DriverLogger | undefined;
  /** For HTTPS: a pinning agent (src/transport/tls.ts); without one, the first certificate seen is pinned in memory. */
  httpsAgent?: https.Agent | undefined;
  /** DriverContext.signal. */
  signal?: AbortSignal | undefined;
}

export type Query = Record<string, string | number | boolean>;

interface Reply {
  status: number;
  headers: Record<string, unknown>;
  text: string;
}

/** `sha256_hex(challenge + md5_hex(login ":" realm ":" password))`, UTF-8, lower-case hex (doc §2.1 step 2). */
export function challengeHash(login: string, realm: string, password: string, challenge: string): string {
  const ha1 = createHash('md5').update(`${login}:${realm}:${password}`, 'utf8').digest('hex');
  return createHash('sha256').update(`${challenge}${ha1}`, 'utf8').digest('hex');
}

function header(h: Record<string, unknown>, name: string): string | undefined {
  const v = h[name];
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string').join(', ');
  return undefined;
}

function retryAfterSeconds(h: Record<string, unknown>): number | undefined {
  const v = header(h, 'retry-after');
  if (v === undefined) return undefined;
  if (/^\d{1,7}$/.test(v.trim())) return parseInt(v, 10);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(1, Math.ceil((at - Date.now()) / 1000));
}

const LOCK_WORDS = /lock|block|too many|banned|try again later/i;

export class RciClient {
  readonly #http: HttpTransport;
  readonly #logger: DriverLogger | undefined;
  /** Cookie name → value, as the router set them (doc §2.1: the challenge is bound to the cookie). */
  readonly #cookies = new Map<string, string>();
  #loggedIn = false;
  #relogin: (() => Promise<void>) | undefined;
  /** Set when GET /auth answered 200 at once: no admin password is set (doc §2.1 step 1, §8). */
  noPasswordSet = false;

  constructor(opts: RciClientOptions) {
    this.#http = new HttpTransport({
      baseUrl: opts.baseUrl,
      label: 'Keenetic',
      timeoutMs: opts.timeoutMs,
      maxResponseBytes: opts.maxResponseBytes,
      httpsAgent: opts.httpsAgent,
      signal: opts.signal,
    });
    this.#logger = opts.logger;
  }

  get loggedIn(): boolean {
    return this.#loggedIn;
  }

  /**
   * Challenge–response login (doc §2.1). One POST /auth at most: a rejected password is an AuthError
   * and is never retried here (the router may count failures, doc §2.3).
   */
  async login(username: string, password: string): Promise<void> {
    const attempt = async (): Promise<void> => {
      this.#cookies.clear();
      this.#loggedIn = false;
      const first = await this.#send('GET', '/auth', undefined);
      if (first.status === 200) {
        this.noPasswordSet = true;
        this.#logger?.warn('the router accepted the session without a password: no admin password is set (doc §2.4)');
        this.#loggedIn = true;
        return;
      }
      if (first.status === 429 || first.status === 403) throw this.#lockedOut(first, 'GET /auth');
      if (first.status !== 401) throw this.#httpError(first, 'GET /auth');
      const realm = headerText(header(first.headers, 'x-ndm-realm'));
      const challenge = header(first.headers, 'x-ndm-challenge')?.trim();
      if (realm === undefined || challenge === undefined || !/^[\x21-\x7e]{1,256}$/.test(challenge)) {
        if (/^basic\b/i.test(header(first.headers, 'www-authenticate') ?? '')) {
          throw new UnsupportedError('Keenetic: this router asks for HTTP Basic authentication, which this driver does not use (doc §2.2)');
        }
        throw new ProtocolError('Keenetic: GET /auth answered 401 without the X-NDM-Realm / X-NDM-Challenge pair');
      }
      const body = JSON.stringify({ login: username, password: challengeHash(username, realm, password, challenge) });
      const second = await this.#send('POST', '/auth', body);
      if (second.status === 200) {
        this.#loggedIn = true;
        this.#logger?.debug('keenetic login ok', { username });
        return;
      }
      if (second.status === 429 || ((second.status === 401 || second.status === 403) && LOCK_WORDS.test(second.text))) {
        throw this.#lockedOut(second, 'POST /auth');
      }
      if (second.status === 401 || second.status === 403) {
        throw new AuthError('Keenetic rejected the admin user name or password', { username, httpStatus: second.status });
      }
      throw this.#httpError(second, 'POST /auth');
    };
    await attempt();
    this.#relogin = attempt;
  }

  /** `DELETE /auth` (doc §2.1 step 5); the cookie is dropped whatever the router answers. */
  async logout(): Promise<void> {
    const had = this.#loggedIn || this.#cookies.size > 0;
    this.#relogin = undefined;
    try {
      if (had) {
        const r = await this.#send('DELETE', '/auth', undefined, true);
        if (r.status !== 200 && r.status !== 204 && r.status !== 401) throw this.#httpError(r, 'DELETE /auth');
      }
    } finally {
      this.#loggedIn = false;
      this.#cookies.clear();
    }
  }

  /** `GET /rci/<path>?query` (doc §3). */
  async get(path: string, query?: Query): Promise<unknown> {
    // A GET changes nothing: one more try when the reply was lost in transit (reset, timeout, 5xx, garbage).
    const pause = Math.min(250, Math.max(20, Math.floor(this.#http.timeoutMs / 4)));
    return retryIdempotent(() => this.#rci('GET', path, undefined, query, []), isTransient, pause);
  }

  /**
   * `POST /rci/<path>` with a JSON body (every POST carries one, at least `{}`: doc §3, §8). `secrets`
   * are values inside the body that must never show in an error, even if the router echoes them.
   */
  async post(path: string, body: unknown, secrets: readonly string[] = []): Promise<unknown> {
    return this.#rci('POST', path, JSON.stringify(body ?? {}), undefined, secrets);
  }

  /** `POST /rci/` with an array: executed in order, answered by an array in the same order (doc §3). */
  async batch(commands: readonly unknown[], secrets: readonly string[] = []): Promise<unknown[]> {
    const reply = await this.#rci('POST', '', JSON.stringify(commands), undefined, secrets);
    if (!Array.isArray(reply) || reply.length !== commands.length) {
      throw new ProtocolError('Keenetic: the reply to a batch is not an array of the same length', {
        expected: commands.length,
        got: Array.isArray(reply) ? reply.length : typeof reply,
      });
    }
    return reply;
  }

  async #rci(method: 'GET' | 'POST', path: string, body: string | undefined, query: Query | undefined, secrets: readonly string[]): Promise<unknown> {
    const clean = path.replace(/^\/+/, '');
    if (clean.split('/').some((seg) => seg === '..' || seg === '.')) throw new ProtocolError('Keenetic: invalid RCI path');
    const qs = query ? `?${new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString()}` : '';
    const url = `/rci/${clean}${qs}`;
    const what = `${method} /rci/${clean}`;
    const sensitive = secrets.length > 0;
    this.#logger?.debug('rci request', { method, path: `/rci/${clean}` });
    let r = await this.#send(method, url, body);
    if (r.status === 401 && this.#relogin && this.#loggedIn) {
      // The HTTP session expired (doc §2.1: 10 min idle; treat any 401 as expiry and log in again once).
      this.#logger?.debug('rci 401: session expired, logging in again once');
      await this.#relogin();
      r = await this.#send(method, url, body);
    }
    if (r.status === 401) throw new ProtocolError(`Keenetic: ${what}: not authenticated (HTTP 401)`, { httpStatus: 401 });
    if (r.status === 404) throw new UnsupportedError(`Keenetic: ${what}: not found (HTTP 404): this firmware has no such RCI resource`, { httpStatus: 404 });
    if (r.status !== 200) throw this.#httpError(r, what);
    let parsed: unknown;
    try {
      parsed = parseJsonText(r.text, what);
    } catch (err) {
      // A reply to a request that carried a secret is never quoted, in case it echoes the request.
      if (sensitive) throw new ProtocolError(`Keenetic: the reply to ${what} is not JSON`, { reason: 'not_json' });
      if (err instanceof ProtocolError) throw new ProtocolError(err.message, { ...err.details, reason: 'not_json' });
      throw err;
    }
    const err = statusError(parsed, what, secrets);
    if (err) throw err;
    return parsed;
  }

  #lockedOut(r: Reply, what: string): RouterctlError {
    const says = excerpt(r.text, 120);
    const retry = retryAfterSeconds(r.headers);
    return new LockedOutError(
      `the Keenetic refuses logins from this computer (${what}: HTTP ${r.status}${says ? `, "${says}"` : ''}). ` +
        'Most likely too many failed logins recently (the router blocks for a while, 15 min by default on its telnet policy); ' +
        'or the web interface is not allowed on the network this computer is on (ip http security-level). ' +
        'Wait, check the admin password, and try again.',
      { httpStatus: r.status, routerSays: says || undefined, ...(retry !== undefined ? { retryAfterSeconds: retry } : {}) },
    );
  }

  #httpError(r: Reply, what: string): RouterctlError {
    const httpsAt = httpsRedirectOf(r, this.#http.baseUrl);
    if (httpsAt) return new ProtocolError(`Keenetic: ${what} answered HTTP ${r.status} (the router redirects to HTTPS, ${httpsAt})`, { httpStatus: r.status, redirectTo: httpsAt });
    return new ProtocolError(`Keenetic: ${what} answered HTTP ${r.status}`, { httpStatus: r.status });
  }

  #cookieHeader(): string | undefined {
    if (this.#cookies.size === 0) return undefined;
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #takeCookies(h: Record<string, unknown>): void {
    const raw = h['set-cookie'];
    const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
    for (const c of list) {
      if (typeof c !== 'string') continue;
      const [pair, ...attrs] = c.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/.test(name) || value.length > 256) continue;
      const expired = attrs.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a));
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  /** One request; transport failures become typed errors, any HTTP status comes back. */
  async #send(method: 'GET' | 'POST' | 'DELETE', path: string, body?: string, closing = false): Promise<Reply> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const cookie = this.#cookieHeader();
    if (cookie) headers.Cookie = cookie;
    const res = await this.#http.request({ method, path, body, headers, closing });
    this.#takeCookies(res.headers);
    return res;
  }
}
