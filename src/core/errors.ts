// Typed errors with stable codes. The CLI maps `code` to an exit status and to advice;
// messages never carry secrets (callers pass none, and the logger redacts as a second line of defence).

export type ErrorCode =
  | 'usage'
  | 'config_invalid'
  | 'auth_failed'
  | 'locked_out'
  | 'unreachable'
  | 'timeout'
  | 'protocol'
  | 'unsupported'
  | 'not_found'
  | 'rolled_back'
  | 'restore_failed'
  | 'wan_no_password'
  | 'busy'
  | 'internal';

export class RouterctlError extends Error {
  readonly code: ErrorCode;
  /** Extra facts for --json output and logs; must never hold a secret. */
  readonly details: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

export class UsageError extends RouterctlError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('usage', message, details);
  }
}

export class ConfigError extends RouterctlError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('config_invalid', message, details);
  }
}

/** The router refused the admin credentials. Never retried automatically. */
export class AuthError extends RouterctlError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('auth_failed', message, details);
  }
}

export class LockedOutError extends RouterctlError {
  constructor(message: string, details: Record<string, unknown> & { retryAfterSeconds?: number } = {}) {
    super('locked_out', message, details);
  }
}

export class UnreachableError extends RouterctlError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('unreachable', message, details, options);
  }
}

export class TimeoutError extends RouterctlError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('timeout', message, details);
  }
}

/** The router answered, but not in a shape we understand (bad JSON, unexpected status, error reply). */
export class ProtocolError extends RouterctlError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('protocol', message, details, options);
  }
}

export class UnsupportedError extends RouterctlError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('unsupported', message, details);
  }
}

export class NotFoundError extends RouterctlError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('not_found', message, details);
  }
}

/** Exit statuses: documented in README.md; scripts rely on them. */
export const EXIT_CODES: Record<ErrorCode | 'ok', number> = {
  ok: 0,
  internal: 1,
  usage: 2,
  config_invalid: 3,
  auth_failed: 4,
  locked_out: 5,
  unreachable: 6,
  timeout: 6,
  not_found: 7,
  protocol: 8,
  unsupported: 9,
  wan_no_password: 9,
  rolled_back: 10,
  restore_failed: 11,
  busy: 12,
};

export function toRouterctlError(err: unknown): RouterctlError {
  if (err instanceof RouterctlError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RouterctlError('internal', message, {}, { cause: err });
}
