// Transport failures as typed errors, the same for every router family. Only an error code and a fixed
// message go out: an AxiosError (or a Node socket error) carries the request, which may hold a login
// body with the password, so it is never attached as a cause and its message is never quoted.
import { ProtocolError, RouterctlError, TimeoutError, UnreachableError } from '../core/errors.js';

/** Node/OS error codes that mean "the router cannot be talked to right now". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ECONNRESET',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EADDRNOTAVAIL',
  'ENETDOWN',
]);

/** OpenSSL errors that mean "this router's TLS is old or weak", which routerctl allows only for a pinned router. */
const LEGACY_TLS =
  /UNSAFE_LEGACY_RENEGOTIATION_DISABLED|KEY_TOO_SMALL|key too small|unsupported protocol|UNSUPPORTED_PROTOCOL|no protocols available|ALERT_PROTOCOL_VERSION|alert protocol version|legacy renegotiation|NO_SHARED_CIPHER|no shared cipher|HANDSHAKE_FAILURE|handshake failure/i;

export interface Where {
  /** Family label for messages, e.g. "OpenWrt". */
  label: string;
  /** scheme://host:port */
  base: string;
  /** Path without the query (the query may carry names, never secrets, but stays out anyway). */
  path: string;
}

/**
 * The certificate (or SSH host key) a router presents is not the one routerctl trusted before.
 * Code `protocol`: the router answered, but not as the router routerctl knows; the message says
 * what to do. Never counts as a failed login.
 */
export class TrustMismatchError extends RouterctlError {
  constructor(
    readonly kind: 'https' | 'ssh',
    readonly endpoint: string,
    readonly pinned: string,
    readonly presented: string,
    host: string,
  ) {
    const what = kind === 'https' ? 'HTTPS certificate' : 'SSH host key';
    super(
      'protocol',
      `the ${what} of ${endpoint} changed since routerctl first trusted it (trusted ${pinned}, now ${presented}). ` +
        'This happens after a reset, a firmware update or a new router, but it can also mean someone is intercepting the connection, ' +
        `so routerctl sent nothing. If you reset or replaced the router, check and accept it with: routerctl trust --host ${host}`,
      { reason: 'trust_mismatch', kind, endpoint, pinned, presented },
    );
  }
}

/** Marks the socket error a pinning agent destroys a connection with. */
export const PIN_MISMATCH = 'ERR_ROUTERCTL_PIN_MISMATCH';

function field(err: unknown, name: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[name] : undefined;
}

/** The first TrustMismatchError in an error's cause chain (axios wraps socket errors). */
export function trustMismatchIn(err: unknown): TrustMismatchError | undefined {
  let e: unknown = err;
  for (let i = 0; i < 5 && e !== undefined && e !== null; i++) {
    if (e instanceof TrustMismatchError) return e;
    const carried = field(e, 'trustMismatch');
    if (carried instanceof TrustMismatchError) return carried;
    e = field(e, 'cause');
  }
  return undefined;
}

export function transportError(err: unknown, where: Where): RouterctlError {
  const mismatch = trustMismatchIn(err);
  if (mismatch) return mismatch;
  if (err instanceof RouterctlError) return err;
  const rawCode = field(err, 'code');
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  const rawMessage = field(err, 'message');
  const message = typeof rawMessage === 'string' ? rawMessage : '';
  const name = field(err, 'name');
  const url = `${where.base}${where.path}`;
  const details = { url, errorCode: code };
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED' || name === 'TimeoutError' || name === 'CanceledError' || name === 'AbortError') {
    return new TimeoutError(`${where.label}: no answer from ${url} in time`, details);
  }
  if (code === 'ERR_BAD_RESPONSE' && message.includes('maxContentLength')) {
    return new ProtocolError(`${where.label}: the reply from ${url} is larger than the allowed size`, { ...details, reason: 'too_large' });
  }
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return new UnreachableError(`${where.label}: cannot talk to ${where.base} (${code})`, details);
  }
  if (message.includes('socket hang up')) return new UnreachableError(`${where.label}: ${where.base} closed the connection`, details);
  if (LEGACY_TLS.test(code ?? '') || LEGACY_TLS.test(message)) {
    return new ProtocolError(
      `${where.label}: ${where.base} uses old or weak TLS settings that routerctl allows only for a router you trusted; ` +
        `check it and trust it with: routerctl trust --host ${hostOf(where.base)}`,
      { ...details, reason: 'legacy_tls' },
    );
  }
  if (code !== undefined && /^(ERR_SSL|ERR_TLS|EPROTO)/.test(code)) {
    return new UnreachableError(`${where.label}: the TLS connection to ${where.base} failed (${code})`, details);
  }
  return new ProtocolError(`${where.label}: the HTTP request to ${url} failed${code ? ` (${code})` : ''}`, details);
}

/** host[:port] → host, for the `routerctl trust --host` advice. */
function hostOf(base: string): string {
  try {
    return new URL(base).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return base;
  }
}

/** Errors that mean "the router may answer if asked again": worth one retry of an idempotent read. */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof RouterctlError)) return false;
  if (err instanceof TrustMismatchError) return false;
  if (err.code === 'unreachable' || err.code === 'timeout') return true;
  const reason = err.details['reason'];
  if (err.code === 'protocol' && (reason === 'not_json' || reason === 'too_large' || reason === 'http_5xx')) return true;
  const status = err.details['httpStatus'];
  return err.code === 'protocol' && typeof status === 'number' && status >= 500;
}
