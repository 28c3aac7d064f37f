// Why: the in-process ubus: object registry, blobmsg argument policies (wrong-typed arguments are dropped like
// blobmsg_parse does), method dispatch with ubus status codes, and libubox's JSON formatting used by uhttpd
// (compact) and the `ubus` CLI (tab-indented).

export type PolicyType = 'string' | 'int32' | 'bool' | 'array' | 'table';

export const UBUS_STATUS = {
  OK: 0,
  INVALID_COMMAND: 1,
  INVALID_ARGUMENT: 2,
  METHOD_NOT_FOUND: 3,
  NOT_FOUND: 4,
  NO_DATA: 5,
  PERMISSION_DENIED: 6,
  TIMEOUT: 7,
  NOT_SUPPORTED: 8,
  UNKNOWN_ERROR: 9,
  CONNECTION_FAILED: 10,
  NO_MEMORY: 11,
  PARSE_ERROR: 12,
  SYSTEM_ERROR: 13,
} as const;

/** libubus ubus_strerror. */
export const UBUS_STRERROR = [
  'Success',
  'Invalid command',
  'Invalid argument',
  'Method not found',
  'Not found',
  'No response',
  'Permission denied',
  'Request timed out',
  'Operation not supported',
  'Unknown error',
  'Connection failed',
  'Out of memory',
  'Parsing message data failed',
  'System error',
];

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export interface UbusReply {
  status: number;
  /** Reply message; omitted or empty = no data. */
  data?: JsonObject | undefined;
}

export interface CallContext {
  /** The session id uhttpd injects as ubus_rpc_session; undefined for local (CLI) callers. */
  sid?: string | undefined;
}

export interface UbusMethod {
  policy: Record<string, PolicyType>;
  handler(args: Record<string, Json>, ctx: CallContext, raw: JsonObject): UbusReply;
}

export interface UbusObject {
  name: string;
  id: number;
  methods: Record<string, UbusMethod>;
}

export const reply = (status: number, data?: JsonObject): UbusReply => ({ status, data });
export const ok = (data?: JsonObject): UbusReply => ({ status: 0, data });

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** blobmsg type of a JSON value as blobmsg_add_json_element creates it. */
function jsonBlobType(v: Json): PolicyType | 'int64' | 'double' | 'unspec' {
  if (v === null) return 'unspec';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return 'double';
    return v >= -2147483648 && v <= 2147483647 ? 'int32' : 'int64';
  }
  return Array.isArray(v) ? 'array' : 'table';
}

/** blobmsg_parse: keeps only policy members of the right type. */
export function parseArgs(policy: Record<string, PolicyType>, raw: JsonObject): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, t] of Object.entries(policy)) {
    if (!(k in raw)) continue;
    if (jsonBlobType(raw[k]!) === t) out[k] = raw[k]!;
  }
  return out;
}

export class Ubus {
  private readonly providers: (() => UbusObject[])[] = [];
  private nextId = 0x1a2b3c4d;
  private readonly ids = new Map<string, number>();

  /** Registers a (possibly dynamic) set of objects. */
  provide(fn: () => UbusObject[]): void {
    this.providers.push(fn);
  }

  /** Stable per-run object id, as ubusd hands out. */
  idFor(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      this.nextId = (Math.imul(this.nextId, 1103515245) + 12345) >>> 0;
      id = this.nextId;
      this.ids.set(name, id);
    }
    return id;
  }

  objects(): UbusObject[] {
    return this.providers.flatMap((p) => p()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  lookup(name: string): UbusObject | undefined {
    return this.objects().find((o) => o.name === name);
  }

  /** ubus_lookup with an optional trailing-`*` wildcard path. */
  lookupPattern(path: string | undefined): UbusObject[] {
    const all = this.objects();
    if (path === undefined) return all;
    if (path.endsWith('*')) return all.filter((o) => o.name.startsWith(path.slice(0, -1)));
    return all.filter((o) => o.name === path);
  }

  invoke(object: string, method: string, raw: JsonObject, ctx: CallContext): UbusReply {
    const obj = this.lookup(object);
    if (!obj) return reply(UBUS_STATUS.NOT_FOUND);
    const m = obj.methods[method];
    if (!m) return reply(UBUS_STATUS.METHOD_NOT_FOUND);
    return m.handler(parseArgs(m.policy, raw), ctx, raw);
  }
}

/** uhttpd `list` signature types. */
export function jsonSignature(obj: UbusObject): JsonObject {
  const names: Record<PolicyType, string> = { string: 'string', int32: 'number', bool: 'boolean', array: 'array', table: 'object' };
  const out: JsonObject = {};
  for (const [m, def] of Object.entries(obj.methods)) {
    const sig: JsonObject = {};
    for (const [k, t] of Object.entries(def.policy)) sig[k] = names[t];
    out[m] = sig;
  }
  return out;
}

/** `ubus -v list` lines. */
export function cliSignature(obj: UbusObject): string {
  const names: Record<PolicyType, string> = { string: 'String', int32: 'Integer', bool: 'Boolean', array: 'Array', table: 'Table' };
  let out = `'${obj.name}' @${obj.id.toString(16).padStart(8, '0')}\n`;
  for (const [m, def] of Object.entries(obj.methods)) {
    const parts = Object.entries(def.policy).map(([k, t]) => `${blobString(k)}:"${names[t]}"`);
    out += `\t${blobString(m)}:{${parts.join(',')}}\n`;
  }
  return out;
}

// ---------------------------------------------------------------- libubox blobmsg_json formatting

/** blobmsg_format_string. */
export function blobString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\b') out += '\\b';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c < 0x20) out += '\\u00' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** blobmsg_format_json (indent < 0) or blobmsg_format_json_indent (indent >= 0). */
export function blobJson(v: Json, indent = -1): string {
  const ind = indent >= 0;
  const sep = (level: number): string => (ind ? '\n' + '\t'.repeat(level) : '');
  const fmt = (x: Json, level: number): string => {
    if (x === null) return 'null';
    if (typeof x === 'boolean') return x ? 'true' : 'false';
    if (typeof x === 'number') return Number.isInteger(x) ? String(x) : x.toFixed(6);
    if (typeof x === 'string') return blobString(x);
    const arr = Array.isArray(x);
    const entries = arr ? x.map((e) => fmt(e, level + 1)) : Object.entries(x).map(([k, e]) => `${blobString(k)}:${ind ? ' ' : ''}${fmt(e, level + 1)}`);
    return (arr ? '[' : '{') + sep(level + 1) + entries.join(',' + sep(level + 1)) + sep(level) + (arr ? ']' : '}');
  };
  return fmt(v, indent >= 0 ? indent : 0);
}
