// JSON-RPC client for uhttpd's /ubus endpoint (doc §2, §6). Maps every failure to a typed error;
// the password lives only inside a closure used for (re-)login and never reaches a message or log.

import type https from 'node:https';
import { AuthError, NotFoundError, ProtocolError, TimeoutError, UnsupportedError, type RouterctlError } from '../../src/core/errors.js';
import { isTransient } from '../../src/transport/errors.js';
import { HttpTransport, httpsRedirectOf, retryIdempotent } from '../../src/transport/http.js';
import type { DriverLogger } from '../types.js';
import { excerpt } from './parse.js';

export const NULL_SESSION = '00000000000000000000000000000000';

/** libubus status codes (doc §6.1). */
export const UBUS = {
  OK: 0,
  INVALID_COMMAND: 1,
  INVALID_ARGUMENT: 2,
  METHOD_NOT_FOUND: 3,
  NOT_FOUND: 4,
  NO_DATA: 5,
  PERMISSION_DENIED: 6,
  TIMEOUT: 7,
  NOT_SUPPORTED: 8,
} as const;

const UBUS_NAMES = [
  'OK', 'INVALID_COMMAND', 'INVALID_ARGUMENT', 'METHOD_NOT_FOUND', 'NOT_FOUND', 'NO_DATA', 'PERMISSION_DENIED',
  'TIMEOUT', 'NOT_SUPPORTED', 'UNKNOWN_ERROR', 'CONNECTION_FAILED', 'NO_MEMORY', 'PARSE_ERROR', 'SYSTEM_ERROR',
];

/**
 * Methods that only read: retried once when the reply was lost in transit (reset, timeout, 5xx,
 * garbage). Everything else (login, set, apply, confirm, interface up/down) is never sent twice.
 */
const READ_METHODS = new Set(['get', 'changes', 'configs', 'status', 'dump', 'board', 'info', 'access', 'list', 'read', 'stat']);

const ACL_ADVICE =
  'log in as root, or install an rpcd ACL (/usr/share/rpcd/acl.d/) granting uci get/set/changes/revert/apply/confirm/rollback, ' +
  'network.interface dump/status/up/down and system board/info';

export interface UbusClientOptions {
  /** e.g. http://192.168.1.1:80 */
  baseUrl: string;
  path?: string;
  timeoutMs: number;
  maxResponseBytes: number;
  logger?: DriverLogger | undefined;
  /** For HTTPS: a pinning agent (src/transport/tls.ts); without one, the first certificate seen is pinned in memory. */
  httpsAgent?: https.Agent | undefined;
  /** DriverContext.signal. */
  signal?: AbortSignal | undefined;
}

type CallData = Record<string, unknown> | undefined;

export class UbusClient {
  readonly #path: string;
  readonly #http: HttpTransport;
  readonly #logger: DriverLogger | undefined;
  #id = 0;
  #sid: string | undefined;
  #sessionTimeout = 0;
  /** Logs in again with the last good credentials, which live in this closure only. */
  #loginWith: ((timeoutSeconds: number | undefined) => Promise<void>) | undefined;
  /** object.method pairs that stayed denied after a fresh login: ACL, so no more re-logins for them. */
  readonly #aclDenied = new Set<string>();

  constructor(opts: UbusClientOptions) {
    this.#path = opts.path ?? '/ubus';
    this.#http = new HttpTransport({
      baseUrl: opts.baseUrl,
      label: 'OpenWrt',
      timeoutMs: opts.timeoutMs,
      maxResponseBytes: opts.maxResponseBytes,
      httpsAgent: opts.httpsAgent,
      signal: opts.signal,
    });
    this.#logger = opts.logger;
  }

  get sessionId(): string | undefined {
    return this.#sid;
  }

  /** Sliding session timeout granted by rpcd, in seconds. */
  get sessionTimeout(): number {
    return this.#sessionTimeout;
  }

  /** session.login. Wrong credentials → AuthError, never retried. */
  async login(username: string, password: string, timeoutSeconds?: number): Promise<void> {
    const loginWith = async (timeout: number | undefined): Promise<void> => {
      const args: Record<string, unknown> = { username, password };
      if (timeout !== undefined) args.timeout = timeout;
      const reply = await this.#rpc('call', [NULL_SESSION, 'session', 'login', args], true);
      const [status, data] = this.#result(reply, 'session', 'login');
      if (status === UBUS.PERMISSION_DENIED) {
        throw new AuthError('OpenWrt rejected the admin user name or password', { username });
      }
      if (status !== UBUS.OK) throw this.#statusError(status, 'session', 'login');
      const sid = data?.ubus_rpc_session;
      if (typeof sid !== 'string' || !/^[0-9a-f]{32}$/.test(sid)) {
        throw new ProtocolError('OpenWrt: session.login returned no valid session id');
      }
      this.#sid = sid;
      this.#sessionTimeout = typeof data?.timeout === 'number' ? data.timeout : (timeout ?? 300);
      this.#logger?.debug('ubus login ok', { username, timeout: this.#sessionTimeout });
      this.#loginWith = loginWith;
    };
    await loginWith(timeoutSeconds);
  }

  /**
   * Makes sure the session outlives `seconds` of silence (rpcd's sliding timeout is fixed at
   * login, so a longer one needs a new session). Only call with nothing staged: staged uci
   * changes belong to the old session.
   */
  async ensureSessionTimeout(seconds: number): Promise<void> {
    if (this.#sessionTimeout >= seconds) return;
    const loginWith = this.#loginWith;
    if (!loginWith) throw new ProtocolError('OpenWrt: not logged in');
    await this.logout().catch(() => undefined);
    await loginWith(seconds);
  }

  /**
   * Calls object.method with the session. Returns the data object (undefined for a bare `[0]`).
   * `-32002` may mean an expired session (doc pitfall 2): log in again once and retry; when the
   * fresh session is denied too it is an ACL problem.
   */
  async call(object: string, method: string, args: Record<string, unknown> = {}): Promise<CallData> {
    if (this.#sid === undefined) throw new ProtocolError('OpenWrt: not logged in');
    const key = `${object}.${method}`;
    const once = (): Promise<CallData> =>
      READ_METHODS.has(method) ? retryIdempotent(() => this.#callOnce(object, method, args), isTransient, this.#retryPauseMs()) : this.#callOnce(object, method, args);
    try {
      return await once();
    } catch (err) {
      const loginWith = this.#loginWith;
      if (!isSessionDenied(err) || this.#aclDenied.has(key) || !loginWith) throw err;
      this.#logger?.debug('ubus access denied, logging in again once', { object, method });
      await loginWith(this.#sessionTimeout || undefined);
      if (key === 'uci.apply') {
        // The staged change lived in the session that just ended: applying in the new one would apply
        // nothing and look like success. Tell the caller instead (unless it is really the ACL).
        const access = await this.#callOnce('session', 'access', { scope: 'ubus', object: 'uci', function: 'apply' }).catch(() => undefined);
        if (access?.access !== false) {
          throw new ProtocolError('OpenWrt: the router ended the login session before the change was applied, and the staged change ended with it; nothing was applied', {
            object,
            method,
            reason: 'session_expired',
          });
        }
      }
      try {
        return await this.#callOnce(object, method, args);
      } catch (err2) {
        if (!isSessionDenied(err2)) throw err2;
        this.#aclDenied.add(key);
        throw new ProtocolError(`OpenWrt: access to ${key} denied for this user; ${ACL_ADVICE}`, {
          object,
          method,
          rpcCode: -32002,
          acl: true,
        });
      }
    }
  }

  /** session.destroy; the client forgets the session whatever the router says. */
  async logout(): Promise<void> {
    const sid = this.#sid;
    this.#sid = undefined;
    this.#loginWith = undefined;
    if (sid === undefined) return;
    const reply = await this.#rpc('call', [sid, 'session', 'destroy', {}], false, true);
    const [status] = this.#result(reply, 'session', 'destroy');
    if (status !== UBUS.OK) throw this.#statusError(status, 'session', 'destroy');
  }

  /** Unauthenticated JSON-RPC `list` (object names). */
  async list(): Promise<unknown> {
    const reply = await retryIdempotent(() => this.#rpc('list', undefined, false), isTransient, this.#retryPauseMs());
    if (reply.error !== undefined) throw this.#rpcError(reply.error, 'list', '');
    return reply.result;
  }

  #retryPauseMs(): number {
    return Math.min(250, Math.max(20, Math.floor(this.#http.timeoutMs / 4)));
  }

  async #callOnce(object: string, method: string, args: Record<string, unknown>): Promise<CallData> {
    this.#logger?.debug('ubus call', { object, method });
    const reply = await this.#rpc('call', [this.#sid, object, method, args], false);
    const [status, data] = this.#result(reply, object, method);
    if (status !== UBUS.OK) throw this.#statusError(status, object, method);
    return data;
  }

  /** `[status, data?]` out of a reply, or the JSON-RPC error as a typed error. */
  #result(reply: RpcReply, object: string, method: string): [number, CallData] {
    if (reply.error !== undefined) throw this.#rpcError(reply.error, object, method);
    const r = reply.result;
    if (!Array.isArray(r) || typeof r[0] !== 'number' || !Number.isInteger(r[0]) || r.length > 2) {
      throw new ProtocolError(`OpenWrt: malformed reply to ${object}.${method}`, { object, method });
    }
    const data: unknown = r[1];
    if (data !== undefined && (typeof data !== 'object' || data === null || Array.isArray(data))) {
      throw new ProtocolError(`OpenWrt: malformed data in reply to ${object}.${method}`, { object, method });
    }
    return [r[0], data as CallData];
  }

  #statusError(status: number, object: string, method: string): RouterctlError {
    const name = UBUS_NAMES[status] ?? `STATUS_${status}`;
    const details = { object, method, ubusStatus: status, ubusStatusName: name };
    const what = `${object}.${method}`;
    switch (status) {
      case UBUS.NOT_FOUND:
        return new NotFoundError(`OpenWrt: ${what}: not found`, details);
      case UBUS.METHOD_NOT_FOUND:
      case UBUS.NOT_SUPPORTED:
        return new UnsupportedError(`OpenWrt: ${what} is not supported by this router (${name})`, details);
      case UBUS.TIMEOUT:
        return new TimeoutError(`OpenWrt: ${what} timed out on the router`, details);
      case UBUS.PERMISSION_DENIED:
        return new ProtocolError(`OpenWrt: ${what}: permission denied; ${ACL_ADVICE}`, details);
      default:
        return new ProtocolError(`OpenWrt: ${what} failed with ubus status ${status} (${name})`, details);
    }
  }

  #rpcError(error: unknown, object: string, method: string): RouterctlError {
    const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
    const code = typeof e.code === 'number' ? e.code : undefined;
    const msg = typeof e.message === 'string' ? excerpt(e.message, 80) : '';
    const details = { object, method, rpcCode: code };
    const what = method ? `${object}.${method}` : object;
    switch (code) {
      case -32000:
        return new NotFoundError(`OpenWrt: ubus object ${object} not found`, details);
      case -32001:
      case -32002:
        return new ProtocolError(`OpenWrt: ${what}: access denied (${msg || 'session invalid or ACL'})`, details);
      case -32003:
        return new TimeoutError(`OpenWrt: ${what} timed out on the router`, details);
      case -32601:
        return new UnsupportedError(`OpenWrt: JSON-RPC method not supported (${msg})`, details);
      default:
        return new ProtocolError(`OpenWrt: ${what} failed with JSON-RPC error ${String(code)} (${msg})`, details);
    }
  }

  /**
   * One POST. `sensitive` requests (login) carry the password: their reply body never goes into
   * an error, in case something echoes the request.
   */
  async #rpc(method: 'call' | 'list', params: unknown[] | undefined, sensitive: boolean, closing = false): Promise<RpcReply> {
    const id = ++this.#id;
    const body = JSON.stringify(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    const res = await this.#http.request({
      method: 'POST',
      path: this.#path,
      body,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      closing,
    });
    if (res.status !== 200) {
      const httpsAt = httpsRedirectOf(res, this.#http.baseUrl);
      const hint = httpsAt
        ? ` (the router redirects to HTTPS, ${httpsAt})`
        : res.status >= 300 && res.status < 400
          ? ' (the router redirects, probably to HTTPS: use the HTTPS port)'
          : res.status === 404
            ? ' (no /ubus endpoint: is uhttpd-mod-ubus installed? the SSH transport may work)'
            : '';
      throw new ProtocolError(`OpenWrt: HTTP ${res.status} from /ubus${hint}`, { httpStatus: res.status, ...(httpsAt ? { redirectTo: httpsAt } : {}) });
    }
    const text = res.text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ProtocolError('OpenWrt: /ubus answered with something that is not JSON', sensitive ? { reason: 'not_json' } : { reason: 'not_json', excerpt: excerpt(text) });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ProtocolError('OpenWrt: /ubus reply is not a JSON-RPC object');
    }
    const reply = parsed as RpcReply & { id?: unknown };
    // uhttpd answers parse errors with id null; anything else must be ours.
    if (reply.id !== id && reply.id !== null) throw new ProtocolError('OpenWrt: /ubus reply id does not match the request');
    if (reply.error === undefined && reply.result === undefined) throw new ProtocolError('OpenWrt: /ubus reply has neither result nor error');
    return reply;
  }
}

interface RpcReply {
  result?: unknown;
  error?: unknown;
}

function isSessionDenied(err: unknown): boolean {
  const code = (err as RouterctlError | undefined)?.details?.rpcCode;
  return err instanceof ProtocolError && (code === -32002 || code === -32001);
}
