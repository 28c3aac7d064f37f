// The httpd web API in app mode (doc §2): login.cgi with base64 user:password in a form body, the
// asus_token cookie plus the app User-Agent on every request, appGet.cgi hooks, applyapp.cgi JSON,
// Logout.asp. One request at a time (httpd is single-threaded, doc §2.3/§8.10): a promise chain.
// A login is made once: a refused password (3) is an AuthError, a lockout (7) a LockedOutError with
// the wait the router states — never retried. An expired token (1/2) is renewed by one new login with
// the credentials that worked (doc §8.4: the library does the same).
import type https from 'node:https';
import { AuthError, LockedOutError, ProtocolError, RouterctlError } from '../../src/core/errors.js';
import { isTransient } from '../../src/transport/errors.js';
import { HttpTransport, retryIdempotent, type HttpReply } from '../../src/transport/http.js';
import type { DriverLogger } from '../types.js';
import { APP_USER_AGENT } from './common.js';
import { errorStatusOf, parseLenientJson, parseLoginReply, type AppGetValues } from './parse.js';

export interface AsusClientOptions {
  baseUrl: string;
  timeoutMs: number;
  maxResponseBytes: number;
  logger?: DriverLogger | undefined;
  httpsAgent?: https.Agent | undefined;
  signal?: AbortSignal | undefined;
}

export class AsusClient {
  readonly #http: HttpTransport;
  readonly #logger: DriverLogger | undefined;
  readonly #authorization: string;
  #token: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(opts: AsusClientOptions, username: string, password: string) {
    this.#http = new HttpTransport({ baseUrl: opts.baseUrl, label: 'ASUS', timeoutMs: opts.timeoutMs, maxResponseBytes: opts.maxResponseBytes, httpsAgent: opts.httpsAgent, signal: opts.signal });
    this.#logger = opts.logger;
    this.#authorization = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  }

  get loggedIn(): boolean {
    return this.#token !== undefined;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** One login.cgi request. */
  login(): Promise<void> {
    return this.#serial(() => this.#login());
  }

  async #login(): Promise<void> {
    // The base64 text itself is form-encoded (`+`, `/`, `=`), doc §2.1.
    const body = new URLSearchParams({ login_authorization: this.#authorization }).toString();
    const r = await this.#http.request({ method: 'POST', path: '/login.cgi', body, headers: this.#headers({ 'Content-Type': 'application/x-www-form-urlencoded' }, false) });
    if (r.status !== 200) throw new ProtocolError(`ASUS: login.cgi answered HTTP ${r.status}`, { httpStatus: r.status });
    const reply = parseLoginReply(r.text);
    if (!reply) throw new ProtocolError('ASUS: login.cgi gave an answer that is neither a token nor an error status', { reason: 'login_reply' });
    if (reply.ok) {
      this.#token = reply.token;
      return;
    }
    const n = reply.errorStatus;
    if (n === 3) throw new AuthError('ASUS rejected the admin user name or password', { errorStatus: n });
    if (n === 7) {
      const wait = reply.remainingLockSeconds;
      throw new LockedOutError(
        `ASUS: logins are locked after too many failures${wait !== undefined ? `; the router accepts logins again in ${wait} s` : ''}`,
        { errorStatus: n, ...(wait !== undefined ? { retryAfterSeconds: wait } : {}) },
      );
    }
    if (n === 10) throw new AuthError('ASUS: the router asks for a captcha on login (error 10); turn the login captcha off to use routerctl', { errorStatus: n });
    if (n === 11) throw new LockedOutError('ASUS: the account is locked or must change its password first (error 11); log in through the web page once', { errorStatus: n });
    if (n === 9) throw new RouterctlError('busy', 'ASUS: another administrator is logged in (error 9)', { errorStatus: n });
    throw new ProtocolError(`ASUS: login.cgi answered error_status ${n}`, { errorStatus: n });
  }

  /** appGet.cgi with `;`-separated hooks (doc §3.1). */
  appGet(hooks: readonly string[], sensitive = false): Promise<AppGetValues> {
    return this.#serial(async () => {
      const body = new URLSearchParams({ hook: hooks.join(';') }).toString();
      // A read changes nothing: one more try when the reply was lost or garbled in transit.
      const pause = Math.min(250, Math.max(20, Math.floor(this.#http.timeoutMs / 4)));
      return retryIdempotent(
        async () => {
          const r = await this.#authed('POST', '/appGet.cgi', body, 'application/x-www-form-urlencoded');
          try {
            return parseLenientJson(r.text, 'appGet.cgi');
          } catch (err) {
            if (sensitive) throw new ProtocolError('ASUS: the reply to appGet.cgi is not JSON', { reason: 'not_json' });
            throw err;
          }
        },
        isTransient,
        pause,
      );
    });
  }

  /**
   * applyapp.cgi (doc §4.1): a JSON body with action_mode apply, rc_service and nvram values. The reply
   * must echo the service; the body may hold secrets and is never quoted.
   */
  apply(service: string, values: Record<string, string>): Promise<AppGetValues> {
    return this.#serial(async () => {
      const body = JSON.stringify({ action_mode: 'apply', rc_service: service, ...values });
      const r = await this.#authed('POST', '/applyapp.cgi', body, 'application/json');
      const reply = parseLenientJson(r.text, 'applyapp.cgi');
      if (reply.run_service !== service) throw new ProtocolError('ASUS: applyapp.cgi did not confirm the service it was asked to run', { reason: 'no_run_service' });
      return reply;
    });
  }

  /** A plain authenticated GET (ajax_status.xml and friends). */
  get(path: string): Promise<string> {
    return this.#serial(async () => (await this.#authed('GET', path, undefined, undefined)).text);
  }

  /** Logout.asp (doc §2.3): `{"error_status":"8"}` is success. */
  logout(): Promise<void> {
    return this.#serial(async () => {
      if (this.#token === undefined) return;
      try {
        await this.#http.request({ method: 'GET', path: '/Logout.asp', headers: this.#headers({}, true), closing: true });
      } finally {
        this.#token = undefined;
      }
    });
  }

  #headers(extra: Record<string, string>, withToken: boolean): Record<string, string> {
    const h: Record<string, string> = { 'User-Agent': APP_USER_AGENT, Accept: 'application/json, text/plain, */*', ...extra };
    if (withToken && this.#token !== undefined) h.Cookie = `asus_token=${this.#token}`;
    return h;
  }

  async #authed(method: 'GET' | 'POST', path: string, body: string | undefined, contentType: string | undefined): Promise<HttpReply> {
    const send = (): Promise<HttpReply> => this.#http.request({ method, path, body, headers: this.#headers(contentType ? { 'Content-Type': contentType } : {}, true) });
    let r = await send();
    let status = r.status === 200 ? errorStatusOf(r.text) : undefined;
    if (status === 1 || status === 2) {
      // The token is gone (idle logout, reboot, another app login, doc §8.4): one new login with the
      // credentials that worked, then the request once more (it was refused, so nothing happened).
      this.#logger?.debug('ASUS token expired; logging in again', { errorStatus: status });
      this.#token = undefined;
      await this.#login();
      r = await send();
      status = r.status === 200 ? errorStatusOf(r.text) : undefined;
    }
    if (r.status === 404) throw new ProtocolError(`ASUS: ${path} not found (HTTP 404)`, { httpStatus: 404 });
    if (r.status !== 200) throw new ProtocolError(`ASUS: ${path} answered HTTP ${r.status}`, { httpStatus: r.status });
    if (status === 1 || status === 2) throw new AuthError('ASUS: the router refused the session token right after a new login', { errorStatus: status });
    if (status !== undefined && status !== 0) throw new ProtocolError(`ASUS: ${path} answered error_status ${status}`, { errorStatus: status });
    return r;
  }
}
