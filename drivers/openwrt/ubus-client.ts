// JSON-RPC client for uhttpd's /ubus endpoint (doc §2, §6). Maps every failure to a typed error;
// the password lives only inside a closure used for (re-)login and never reaches a message or log.

import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosResponse } from 'axios';
import {
  AuthError,
  NotFoundError,
  ProtocolError,
  TimeoutError,
  UnreachableError,
  UnsupportedError,
  type RouterctlError,
} from '../../src/core/errors.js';
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
  /** For HTTPS; defaults to accepting the router's self-signed certificate (pinning lives in src/transport). */
  httpsAgent?: https.Agent | undefined;
}

type CallData = Record<string, unknown> | undefined;

export class UbusClient {
  readonly #opts: Required<Pick<UbusClientOptions, 'baseUrl' | 'path' | 'timeoutMs' | 'maxResponseBytes'>>;
  readonly #logger: DriverLogger | undefined;
  readonly #httpAgent = new http.Agent({ keepAlive: false });
  readonly #httpsAgent: https.Agent;
  #id = 0;
  #sid: string | undefined;
  #sessionTimeout = 0;
  /** Logs in again with the last good credentials, which live in this closure only. */
  #loginWith: ((timeoutSeconds: number | undefined) => Promise<void>) | undefined;
  /** object.method pairs that stayed denied after a fresh login: ACL, so no more re-logins for them. */
  readonly #aclDenied = new Set<string>();

  constructor(opts: UbusClientOptions) {
    this.#opts = {
      baseUrl: opts.baseUrl.replace(/\/+$/, ''),
      path: opts.path ?? '/ubus',
      timeoutMs: opts.timeoutMs,
      maxResponseBytes: opts.maxResponseBytes,
    };
    this.#logger = opts.logger;
    this.#httpsAgent = opts.httpsAgent ?? new https.Agent({ keepAlive: false, rejectUnauthorized: false });
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
    try {
      return await this.#callOnce(object, method, args);
    } catch (err) {
      const loginWith = this.#loginWith;
      if (!isSessionDenied(err) || this.#aclDenied.has(key) || !loginWith) throw err;
      this.#logger?.debug('ubus access denied, logging in again once', { object, method });
      await loginWith(this.#sessionTimeout || undefined);
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
    const reply = await this.#rpc('call', [sid, 'session', 'destroy', {}], false);
    const [status] = this.#result(reply, 'session', 'destroy');
    if (status !== UBUS.OK) throw this.#statusError(status, 'session', 'destroy');
  }

  /** Unauthenticated JSON-RPC `list` (object names). */
  async list(): Promise<unknown> {
    const reply = await this.#rpc('list', undefined, false);
    if (reply.error !== undefined) throw this.#rpcError(reply.error, 'list', '');
    return reply.result;
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
  async #rpc(method: 'call' | 'list', params: unknown[] | undefined, sensitive: boolean): Promise<RpcReply> {
    const id = ++this.#id;
    const body = JSON.stringify(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    const url = `${this.#opts.baseUrl}${this.#opts.path}`;
    let res: AxiosResponse<string>;
    try {
      res = await axios.post<string>(url, body, {
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        timeout: this.#opts.timeoutMs,
        // The socket timeout above only notices silence; this bounds a slowly dripping reply too.
        signal: AbortSignal.timeout(this.#opts.timeoutMs + 1000),
        maxContentLength: this.#opts.maxResponseBytes,
        maxBodyLength: this.#opts.maxResponseBytes,
        maxRedirects: 0,
        responseType: 'text',
        transformResponse: [(d: unknown) => d],
        validateStatus: () => true,
        httpAgent: this.#httpAgent,
        httpsAgent: this.#httpsAgent,
        proxy: false,
      });
    } catch (err) {
      throw transportError(err, url);
    }
    if (res.status !== 200) {
      const hint =
        res.status >= 300 && res.status < 400
          ? ' (the router redirects, probably to HTTPS: use the HTTPS port)'
          : res.status === 404
            ? ' (no /ubus endpoint: is uhttpd-mod-ubus installed? the SSH transport may work)'
            : '';
      throw new ProtocolError(`OpenWrt: HTTP ${res.status} from /ubus${hint}`, { httpStatus: res.status });
    }
    const text = typeof res.data === 'string' ? res.data : '';
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ProtocolError('OpenWrt: /ubus answered with something that is not JSON', sensitive ? {} : { excerpt: excerpt(text) });
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

// Only the error code and a fixed message go out: an AxiosError carries the request config,
// which holds the login body with the password, so it is never attached as a cause.
function transportError(err: unknown, url: string): RouterctlError {
  const e = err as { code?: unknown; message?: unknown; name?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : '';
  const where = { url, errorCode: code };
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED' || e?.name === 'TimeoutError' || e?.name === 'CanceledError') {
    return new TimeoutError(`OpenWrt: no answer from ${url} in time`, where);
  }
  if (code === 'ERR_BAD_RESPONSE' && message.includes('maxContentLength')) {
    return new ProtocolError(`OpenWrt: reply from ${url} is larger than the allowed size`, where);
  }
  if (
    code !== undefined &&
    ['ECONNREFUSED', 'EHOSTUNREACH', 'ECONNRESET', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EADDRNOTAVAIL'].includes(code)
  ) {
    return new UnreachableError(`OpenWrt: cannot talk to ${url} (${code})`, where);
  }
  if (message.includes('socket hang up')) return new UnreachableError(`OpenWrt: ${url} closed the connection`, where);
  return new ProtocolError(`OpenWrt: HTTP request to ${url} failed${code ? ` (${code})` : ''}`, where);
}
