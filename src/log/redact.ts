// Pure redaction, used by the logger on every record (and usable on error details before printing).
// Two rules:
//  (a) a value under a key that looks secret (password, token, sid, cookie, auth...) is replaced,
//      at any depth. Booleans, null and undefined are kept: they cannot carry a secret and
//      `hasPassword: false` is worth seeing.
//  (b) every registered secret value is replaced wherever it appears inside any string, also in
//      the encoded forms it takes on its way to a router: JSON-escaped (with and without \uXXXX for
//      non-ASCII), URL-encoded (%20 and form-style +).
export const REDACTED = '[redacted]';
export const SENSITIVE_KEY = /pass(word)?|secret|token|sid|session|auth|cookie/i;

const MAX_DEPTH = 10;

function jsonEscapeAscii(s: string, upper: boolean): string {
  return JSON.stringify(s)
    .slice(1, -1)
    .replace(/[\u0080-\uffff]/g, (c) => {
      const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
      return '\\u' + (upper ? hex.toUpperCase() : hex);
    });
}

/** The spellings of one secret that may show up in logs, longest first, no empties. */
export function secretForms(secret: string): string[] {
  if (secret === '') return [];
  const forms = new Set<string>([
    secret,
    JSON.stringify(secret).slice(1, -1),
    jsonEscapeAscii(secret, false),
    jsonEscapeAscii(secret, true),
    encodeURIComponent(secret),
    new URLSearchParams({ v: secret }).toString().slice(2),
  ]);
  return [...forms].filter((f) => f !== '').sort((a, b) => b.length - a.length);
}

const patterns = new WeakMap<readonly string[], RegExp | null>();

function patternFor(forms: readonly string[]): RegExp | null {
  let re = patterns.get(forms);
  if (re === undefined) {
    const alternatives = [...forms].filter((f) => f !== '').sort((a, b) => b.length - a.length);
    re = alternatives.length === 0 ? null : new RegExp(alternatives.map((f) => f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
    patterns.set(forms, re);
  }
  return re;
}

/**
 * Replaces every occurrence of every form. One pass with one alternation (longest first), so a
 * short secret can never match inside an earlier "[redacted]".
 */
export function redactText(text: string, forms: readonly string[]): string {
  const re = patternFor(forms);
  return re ? text.replace(re, REDACTED) : text;
}

function redactInner(value: unknown, forms: readonly string[], seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'string') return redactText(value, forms);
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    return value;
  }
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  try {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (value instanceof URL) return redactText(value.href, forms);
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
    if (Array.isArray(value)) return value.map((v) => redactInner(v, forms, seen, depth + 1));
    if (value instanceof Map) return redactInner(Object.fromEntries(value), forms, seen, depth);
    if (value instanceof Set) return redactInner([...value], forms, seen, depth);

    const out: Record<string, unknown> = {};
    if (value instanceof Error) {
      // Errors do not serialise their message or stack by themselves (non-enumerable).
      out.name = value.name;
      out.message = redactText(value.message, forms);
      if (value.stack) out.stack = redactText(value.stack, forms);
      if (value.cause !== undefined) out.cause = redactInner(value.cause, forms, seen, depth + 1);
    }
    for (const [k, v] of Object.entries(value)) {
      if (SENSITIVE_KEY.test(k) && v !== null && v !== undefined && typeof v !== 'boolean') out[k] = REDACTED;
      else {
        const r = redactInner(v, forms, seen, depth + 1);
        if (r !== undefined) out[k] = r;
      }
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

/** Deep copy of `value` with both rules applied; the input is never modified. */
export function redact(value: unknown, forms: readonly string[] = []): unknown {
  return redactInner(value, forms, new WeakSet(), 0);
}

/** Holds the secrets registered during a run. */
export class SecretRegistry {
  #secrets = new Set<string>();
  #forms: string[] = [];

  add(secret: string): void {
    if (secret === '' || this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    this.#forms = [...new Set([...this.#forms, ...secretForms(secret)])].sort((a, b) => b.length - a.length);
  }

  get forms(): readonly string[] {
    return this.#forms;
  }

  text(s: string): string {
    return redactText(s, this.#forms);
  }

  value(v: unknown): unknown {
    return redact(v, this.#forms);
  }
}
