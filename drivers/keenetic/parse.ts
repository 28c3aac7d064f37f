// Pure parsers for what a Keenetic router answers over RCI (doc §3–§7) and, for `show` output, over its
// CLI (doc §5.3; fixtures cli-*.txt). Router output is untrusted: every bad shape becomes a
// ProtocolError, never a crash, and nothing here logs or throws a secret.

import { ProtocolError, UnsupportedError, type RouterctlError } from '../../src/core/errors.js';
import type { RouterInfo, WanDownReason, WanProto, WanSettings, WanStatus } from '../types.js';
import { FAMILY, IFACE_ID, VENDOR, isUnsafeKey } from './common.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short, single-line excerpt of router text for error details. */
export function excerpt(text: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

export function parseJsonText(text: string, what: string): unknown {
  if (text.trim() === '') throw new ProtocolError(`Keenetic: empty reply to ${what}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProtocolError(`Keenetic: the reply to ${what} is not JSON`, { excerpt: excerpt(text, 60) });
  }
}

// ------------------------------------------------------------------------------------------------
// Status objects (doc §3.1; fixtures rci-status-error-no-such-command.json, rci-batch-*.response.json)

export interface RciStatus {
  status: string;
  code?: string | undefined;
  ident?: string | undefined;
  message?: string | undefined;
  /** Where in the reply tree it sat, e.g. `[0].interface.ip.address[0]`. */
  at: string;
}

/** Every `status` entry anywhere in a reply, in document order. Bounded depth and count. */
export function statusEntries(tree: unknown): RciStatus[] {
  const out: RciStatus[] = [];
  const walk = (node: unknown, at: string, depth: number): void => {
    if (depth > 64 || out.length >= 1000) return;
    if (Array.isArray(node)) {
      node.forEach((v, i) => walk(v, `${at}[${i}]`, depth + 1));
      return;
    }
    if (!isRecord(node)) return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'status' && Array.isArray(v)) {
        for (const s of v) {
          if (isRecord(s) && typeof s.status === 'string') {
            out.push({ status: s.status, code: scalarText(s.code), ident: scalarText(s.ident), message: scalarText(s.message), at: at || '.' });
          }
        }
        continue;
      }
      walk(v, at ? `${at}.${k}` : k, depth + 1);
    }
  };
  walk(tree, '', 0);
  return out;
}

/**
 * Removes values we sent from router text: whole occurrences (also JSON-escaped); a text that still holds
 * a piece of one (a router may echo a cut or re-quoted argument) is withheld entirely.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let t = text;
  for (const s of secrets) {
    if (!s) continue;
    for (const form of [s, JSON.stringify(s).slice(1, -1)]) t = t.split(form).join('***');
  }
  for (const s of secrets) {
    const w = Math.min(6, s.length);
    if (w < 3) continue;
    for (const form of [s, JSON.stringify(s).slice(1, -1)]) {
      for (let i = 0; i + w <= form.length; i++) if (t.includes(form.slice(i, i + w))) return '(withheld: it may quote a secret)';
    }
  }
  return t;
}

/** "no such command" (doc §3.1 code 7405600): the firmware lacks the command or component. */
export const CODE_NO_SUCH_COMMAND = '7405600';

/**
 * The error for `status: error|critical` entries (errors come back with HTTP 200, doc §3.1, §8), or
 * undefined when there are none. `redact` removes values we sent (a router may echo an argument).
 */
export function statusError(tree: unknown, what: string, redact: readonly string[] = []): RouterctlError | undefined {
  const bad = statusEntries(tree).filter((s) => s.status === 'error' || s.status === 'critical');
  if (bad.length === 0) return undefined;
  const clean = (m: string | undefined): string | undefined => (m === undefined ? undefined : excerpt(redactSecrets(m, redact), 160));
  const errors = bad.slice(0, 5).map((s) => ({ code: s.code, ident: s.ident, message: clean(s.message), at: s.at }));
  const first = errors[0]!;
  const text = `${first.ident ?? 'router'}${first.code ? ` error[${first.code}]` : ''}: ${first.message ?? 'error'}`;
  if (bad.every((s) => s.code === CODE_NO_SUCH_COMMAND)) {
    return new UnsupportedError(`Keenetic: ${what} is not supported by this firmware (${text})`, { rciErrors: errors });
  }
  return new ProtocolError(`Keenetic: ${what} failed: ${text}`, { rciErrors: errors });
}

// ------------------------------------------------------------------------------------------------
// CLI text (doc §5.3; fixtures cli-show-version-keenetic-4g-iii.txt, cli-command-result-*.txt)

/**
 * `show …` CLI output into a tree (doc §5.3): `key: value` lines with the keys right-aligned on the
 * colon, so nesting shows as a colon further right; repeated keys form lists; a line without a key
 * continues the previous value (long comma lists wrap, fixture cli-show-version-keenetic-4g-iii.txt).
 */
export function parseCliShow(text: string): JsonObject {
  if (typeof text !== 'string') throw new ProtocolError('Keenetic: CLI output is not text');
  const root: JsonObject = Object.create(null) as JsonObject;
  const stack: Array<{ col: number; obj: JsonObject }> = [{ col: -1, obj: root }];
  let last: { obj: JsonObject; key: string; valueCol: number } | undefined;
  const lines = text.split(/\r?\n/);
  if (lines.length > 20000) throw new ProtocolError('Keenetic: CLI output is too long');
  for (const raw of lines) {
    if (raw.trim() === '') continue;
    const indent = raw.length - raw.trimStart().length;
    const m = /^\s*([^:\s][^:]*?):(?:\s(.*)|)$/.exec(raw);
    const isKey = m !== null && !/\s{2,}/.test(m[1]!) && m[1]!.length <= 64;
    if (!isKey) {
      if (last && indent >= last.valueCol - 2) {
        const prev = last.obj[last.key];
        if (typeof prev === 'string') last.obj[last.key] = prev + raw.trim();
        else if (Array.isArray(prev) && typeof prev[prev.length - 1] === 'string') prev[prev.length - 1] = (prev[prev.length - 1] as string) + raw.trim();
        continue;
      }
      throw new ProtocolError('Keenetic: unexpected line in CLI output', { excerpt: excerpt(raw, 60) });
    }
    const key = m[1]!.trim();
    const value = (m[2] ?? '').trim();
    const col = raw.indexOf(':');
    while (stack.length > 1 && col <= stack[stack.length - 1]!.col) stack.pop();
    const parent = stack[stack.length - 1]!.obj;
    last = undefined;
    if (isUnsafeKey(key)) continue;
    const put = (v: Json): void => {
      const prev = parent[key];
      if (prev === undefined) parent[key] = v;
      else if (Array.isArray(prev)) prev.push(v);
      else parent[key] = [prev, v];
    };
    if (value === '') {
      const child: JsonObject = Object.create(null) as JsonObject;
      put(child);
      stack.push({ col, obj: child });
    } else {
      put(value);
      last = { obj: parent, key, valueCol: col + 2 };
    }
  }
  return root;
}

export interface CliResult {
  ok: boolean;
  messages: Array<{ ident: string; code?: string | undefined; message: string; error: boolean }>;
}

/** CLI command result lines: `Ident error[<code>]: text` is a failure, `Ident: text` a message (doc §5.3). */
export function parseCliResult(text: string): CliResult {
  const messages: CliResult['messages'] = [];
  for (const line of String(text).split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const err = /^\s*(\S.*?)\s+error\[(\d+)\]:\s*(.*)$/.exec(line);
    if (err) {
      messages.push({ ident: err[1]!, code: err[2]!, message: err[3]!, error: true });
      continue;
    }
    const msg = /^\s*([\w:]+):\s*(.*)$/.exec(line);
    messages.push(msg ? { ident: msg[1]!, message: msg[2]!, error: false } : { ident: '', message: line.trim(), error: false });
  }
  return { ok: messages.every((m) => !m.error), messages };
}

// ------------------------------------------------------------------------------------------------
// show version / show system (doc §1, §4.3; fixtures rci-show-system.response.json, cli-show-version-*)

function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

function nonEmpty(v: unknown, max = 128): string | undefined {
  const s = scalarText(v)?.trim();
  return s ? excerpt(s, max) : undefined;
}

export interface VersionInfo {
  model?: string | undefined;
  firmware?: string | undefined;
  /** `ndw.components`, comma list (doc §8: l2tp/pptp/pppoe are components). */
  components: string[];
}

export function parseVersion(json: unknown): VersionInfo {
  if (!isRecord(json)) throw new ProtocolError('Keenetic: show version is not an object');
  const release = nonEmpty(json.release) ?? nonEmpty(json.title);
  if (release === undefined) throw new ProtocolError('Keenetic: show version has no release');
  const device = nonEmpty(json.device) ?? nonEmpty(json.description) ?? nonEmpty(json.model);
  const hwId = nonEmpty(json.hw_id, 32);
  // KN-xxxx is the model number on KeeneticOS hardware; NDMS 2 reports an internal id (`kn_rg`).
  const model = device && hwId && /^KN-\d{4}/.test(hwId) && !device.includes(hwId) ? `${device} (${hwId})` : device;
  const ndw = isRecord(json.ndw) ? json.ndw : undefined;
  const compText = scalarText(ndw?.components) ?? scalarText(json.components) ?? '';
  const components = compText
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '' && c.length <= 64)
    .slice(0, 500);
  return { model, firmware: release, components };
}

export function parseSystem(json: unknown): Pick<RouterInfo, 'hostname' | 'uptimeSeconds'> {
  if (!isRecord(json)) throw new ProtocolError('Keenetic: show system is not an object');
  return { hostname: nonEmpty(json.hostname, 64), uptimeSeconds: toInt(json.uptime) };
}

export function routerInfo(version: VersionInfo | undefined, system: Pick<RouterInfo, 'hostname' | 'uptimeSeconds'> | undefined): RouterInfo {
  return {
    family: FAMILY,
    vendor: VENDOR,
    model: version?.model,
    firmware: version?.firmware,
    hostname: system?.hostname,
    uptimeSeconds: system?.uptimeSeconds,
  };
}

// ------------------------------------------------------------------------------------------------
// show interface (doc §4.1, §6)

function toInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^\s*-?\d{1,15}\s*$/.test(v)) return parseInt(v, 10);
  return undefined;
}

/** Booleans may come as JSON booleans or as strings (doc §4.1, §8). */
export function toBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['yes', 'true', 'up', 'on', '1'].includes(s)) return true;
    if (['no', 'false', 'down', 'off', '0', ''].includes(s)) return false;
  }
  return undefined;
}

/** `connected`: `yes`/`no` on NDMS 2, an epoch timestamp on newer builds (doc §4.1, §8). */
export function connectedOf(v: unknown): boolean {
  const b = toBool(v);
  if (b !== undefined) return b;
  const n = toInt(v);
  if (n !== undefined) return n > 0;
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v.trim());
}

export interface LayerSummary {
  conf?: string | undefined;
  link?: string | undefined;
  ipv4?: string | undefined;
  ipv6?: string | undefined;
  ctrl?: string | undefined;
}

export interface IfaceStatus {
  id: string;
  type: string;
  description?: string | undefined;
  interfaceName?: string | undefined;
  link?: string | undefined;
  connected: boolean;
  state?: string | undefined;
  role: string[];
  global: boolean;
  defaultgw: boolean;
  priority?: number | undefined;
  address?: string | undefined;
  mask?: string | undefined;
  uptime?: number | undefined;
  via?: string | undefined;
  remote?: string | undefined;
  mtu?: number | undefined;
  layers: LayerSummary;
}

function lower(v: unknown): string | undefined {
  const s = scalarText(v);
  return s === undefined ? undefined : s.trim().toLowerCase();
}

function roleList(v: unknown): string[] {
  const items = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return items.map((x) => lower(x)).filter((x): x is string => x !== undefined && x !== '');
}

function ipv4Text(v: unknown): string | undefined {
  const s = scalarText(v)?.trim();
  return s && /^\d{1,3}(\.\d{1,3}){3}$/.test(s) && s !== '0.0.0.0' ? s : undefined;
}

export function toIfaceStatus(id: string, raw: unknown): IfaceStatus {
  if (!isRecord(raw)) throw new ProtocolError(`Keenetic: status of interface ${excerpt(id, 40)} is not an object`);
  const realId = nonEmpty(raw.id, 64) ?? id;
  const summary = isRecord(raw.summary) ? raw.summary : undefined;
  const layer = isRecord(summary?.layer) ? summary.layer : {};
  return {
    id: realId,
    type: nonEmpty(raw.type, 32) ?? '',
    description: nonEmpty(raw.description),
    interfaceName: nonEmpty(raw['interface-name'], 64),
    link: lower(raw.link),
    connected: connectedOf(raw.connected),
    state: lower(raw.state),
    role: roleList(raw.role),
    global: toBool(raw.global) ?? false,
    defaultgw: toBool(raw.defaultgw) ?? false,
    priority: toInt(raw.priority),
    address: ipv4Text(raw.address),
    mask: nonEmpty(raw.mask, 32),
    uptime: toInt(raw.uptime),
    via: nonEmpty(raw.via, 64),
    remote: ipv4Text(raw.remote),
    mtu: toInt(raw.mtu),
    layers: { conf: lower(layer.conf), link: lower(layer.link), ipv4: lower(layer.ipv4), ipv6: lower(layer.ipv6), ctrl: lower(layer.ctrl) },
  };
}

/** `GET /rci/show/interface`: an object keyed by interface id. */
export function parseInterfaceList(json: unknown): IfaceStatus[] {
  if (!isRecord(json)) throw new ProtocolError('Keenetic: show interface is not an object');
  const out: IfaceStatus[] = [];
  for (const [id, raw] of Object.entries(json)) {
    if (!isRecord(raw) || isUnsafeKey(id)) continue; // e.g. a stray `status` array
    out.push(toIfaceStatus(id, raw));
    if (out.length > 512) break;
  }
  return out;
}

/** `GET /rci/show/interface?name=X`: the interface object itself, or (tolerated) keyed by its id. */
export function parseInterfaceStatus(json: unknown, name: string): IfaceStatus {
  if (!isRecord(json)) throw new ProtocolError(`Keenetic: status of interface ${excerpt(name, 40)} is not an object`);
  const keyed = Object.prototype.hasOwnProperty.call(json, name) ? json[name] : undefined;
  if (isRecord(keyed)) return toIfaceStatus(name, keyed);
  if (json.id === undefined && json.type === undefined && json.link === undefined) {
    throw new ProtocolError(`Keenetic: no status for interface ${excerpt(name, 40)}`);
  }
  return toIfaceStatus(name, json);
}

const PPP_TYPES: Record<string, WanProto> = { pppoe: 'pppoe', l2tp: 'l2tp', pptp: 'pptp' };

export function protoOfType(type: string): WanProto {
  return PPP_TYPES[type.toLowerCase()] ?? 'other';
}

/** Uplink rule of a maintained integration (doc §4.1): `role` has `inet`, or global with a priority. */
export function isUplink(i: IfaceStatus): boolean {
  return i.role.includes('inet') || (i.global && i.priority !== undefined);
}

/**
 * The interface the home internet goes through: a PPP uplink first (highest priority, then the default
 * gateway), else any uplink (so the caller can say "no password here"). NotFound-like ProtocolError otherwise.
 */
export function pickWan(list: IfaceStatus[]): IfaceStatus {
  const uplinks = list.filter(isUplink);
  const rank = (i: IfaceStatus): number[] => [
    protoOfType(i.type) !== 'other' ? 1 : 0,
    i.defaultgw ? 1 : 0,
    i.priority ?? -1,
    i.state === 'up' ? 1 : 0,
  ];
  const sorted = [...uplinks].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let k = 0; k < ra.length; k++) if (ra[k] !== rb[k]) return rb[k]! - ra[k]!;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  const best = sorted[0];
  if (!best) throw new ProtocolError('Keenetic: no internet (WAN) interface found: no interface has the role "inet"');
  return best;
}

// ------------------------------------------------------------------------------------------------
// Interface configuration (doc §4.2, §5.1): `GET /rci/interface?name=X` → {"X": {…}}

export interface PppConfig {
  identity?: string | undefined;
  password?: string | undefined;
  /** The router answered a password we cannot read (masked, doc §4.2 "whether returned in clear is UNVERIFIED"). */
  passwordMasked: boolean;
  peer?: string | undefined;
  mtu?: number | undefined;
  up?: boolean | undefined;
}

/** The configuration object of interface `name` out of `GET /rci/interface?name=` (keyed or bare). */
export function interfaceConfigOf(json: unknown, name: string): Record<string, unknown> {
  if (!isRecord(json)) throw new ProtocolError(`Keenetic: configuration of ${excerpt(name, 40)} is not an object`);
  const keyed = Object.prototype.hasOwnProperty.call(json, name) ? json[name] : undefined;
  if (isRecord(keyed)) return keyed;
  const err = statusError(json, `reading the configuration of ${name}`);
  if (err) throw err;
  // A bare object is accepted only when it looks like interface settings, not another interface's.
  const keys = Object.keys(json);
  if (keys.length > 0 && keys.every((k) => IFACE_ID.test(k) && /\d/.test(k) && isRecord(json[k]))) {
    throw new ProtocolError(`Keenetic: the router returned the configuration of another interface than ${excerpt(name, 40)}`);
  }
  return json;
}

function configText(v: unknown, what: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  // `{"no": true}` style or an object with a value: not a set parameter.
  if (isRecord(v) && (v.no === true || Object.keys(v).length === 0)) return undefined;
  throw new ProtocolError(`Keenetic: unexpected value for ${what} in the interface configuration`);
}

export function isMaskedSecret(v: string): boolean {
  return /^\*{3,}$/.test(v);
}

export function parsePppConfig(cfg: Record<string, unknown>): PppConfig {
  const auth = cfg.authentication;
  if (auth !== undefined && !isRecord(auth)) throw new ProtocolError('Keenetic: `authentication` in the interface configuration is not an object');
  const identity = configText(auth?.identity, 'authentication identity');
  const rawPassword = configText(auth?.password, 'authentication password');
  const masked = rawPassword !== undefined && isMaskedSecret(rawPassword);
  const ip = isRecord(cfg.ip) ? cfg.ip : undefined;
  const mtu = toInt(isRecord(ip?.mtu) ? undefined : ip?.mtu);
  return {
    identity,
    password: masked ? undefined : rawPassword,
    passwordMasked: masked,
    peer: configText(cfg.peer, 'peer'),
    mtu: mtu !== undefined && mtu > 0 && mtu < 65536 ? mtu : undefined,
    up: toBool(cfg.up),
  };
}

/** DHCP or static for an Ethernet uplink, when its configuration says so (shape UNVERIFIED, best effort). */
function ethernetProto(cfg: Record<string, unknown> | undefined): WanProto {
  const ip = isRecord(cfg?.ip) ? cfg.ip : undefined;
  const address = ip?.address;
  if (isRecord(address) && (address.dhcp !== undefined || isRecord(address.dhcp))) return 'dhcp';
  if (isRecord(ip?.dhcp)) return 'dhcp';
  if (typeof address === 'string' || (isRecord(address) && typeof address.address === 'string')) return 'static';
  return 'other';
}

export function toWanSettings(status: IfaceStatus, cfg: Record<string, unknown> | undefined, opts: { withPassword?: boolean } = {}): WanSettings {
  const proto = protoOfType(status.type);
  if (proto === 'other') {
    const p = ethernetProto(cfg);
    return { interface: status.id, proto: p, rawProto: status.type || undefined, hasPassword: false, mtu: status.mtu };
  }
  const ppp = parsePppConfig(cfg ?? {});
  const settings: WanSettings = {
    interface: status.id,
    proto,
    rawProto: status.type,
    username: ppp.identity,
    server: proto === 'pppoe' ? undefined : ppp.peer,
    mtu: ppp.mtu ?? status.mtu,
    hasPassword: ppp.password !== undefined ? ppp.password !== '' : ppp.passwordMasked,
  };
  if (opts.withPassword && ppp.password !== undefined) settings.password = ppp.password;
  return settings;
}

// ------------------------------------------------------------------------------------------------
// System log (doc §4.3) and the PPP auth-failure signal (doc §7)

export interface LogRecord {
  id: number;
  timestamp?: string | undefined;
  ident: string;
  level?: string | undefined;
  message: string;
}

/** `show log` → `{"log": {"<n>": {timestamp, ident, id, message: {level, label, message}}}, "continued"}`. */
export function parseLog(json: unknown): LogRecord[] {
  if (!isRecord(json)) throw new ProtocolError('Keenetic: show log is not an object');
  const log = json.log;
  if (log === undefined) return [];
  const entries = Array.isArray(log) ? log.map((v, i) => [String(i), v] as const) : isRecord(log) ? Object.entries(log) : undefined;
  if (!entries) throw new ProtocolError('Keenetic: show log has no record list');
  const out: LogRecord[] = [];
  for (const [key, raw] of entries) {
    if (!isRecord(raw)) continue;
    const m = raw.message;
    const text = isRecord(m) ? scalarText(m.message) : scalarText(m);
    if (text === undefined) continue;
    const id = toInt(raw.id) ?? toInt(key) ?? out.length;
    out.push({
      id,
      timestamp: nonEmpty(raw.timestamp, 40),
      ident: scalarText(raw.ident) ?? '',
      level: isRecord(m) ? nonEmpty(m.level, 16) : undefined,
      message: excerpt(text, 300),
    });
    if (out.length >= 5000) break;
  }
  return out.sort((a, b) => a.id - b.id);
}

type LogKind = 'auth' | 'unreachable' | 'no_carrier' | 'success' | 'reset' | 'other';

// pppd / rp-pppoe style texts (doc §7; exact Keenetic wording UNVERIFIED).
const AUTH_FAIL = /\b(?:PAP|CHAP|MS-CHAP(?:v2)?)?\s*authentication failed\b|\bauth(?:entication)? (?:failure|rejected)\b|\bpeer refused to authenticate\b/i;
const UNREACHABLE = /timeout waiting for PAD[OS]|no response from (?:the )?(?:server|peer|access concentrator)|unable to (?:connect|resolve)|could not (?:connect|resolve)|server (?:is )?not responding|host unreachable/i;
const NO_CARRIER = /\bno carrier\b|\blink (?:is )?down\b|cable (?:is )?(?:unplugged|disconnected)/i;
const SUCCESS = /\blocal\s+IP address\b|\bIPCP:? .*\bup\b/i;
const RESET = /interface is (?:up|down)\.?$|configuration (?:changed|reloaded)/i;

function classify(r: LogRecord): LogKind {
  if (AUTH_FAIL.test(r.message)) return 'auth';
  if (UNREACHABLE.test(r.message)) return 'unreachable';
  if (NO_CARRIER.test(r.message)) return 'no_carrier';
  if (SUCCESS.test(r.message)) return 'success';
  if (RESET.test(r.message)) return 'reset';
  return 'other';
}

function mentions(text: string, name: string): boolean {
  const i = text.indexOf(name);
  if (i < 0) return false;
  const after = text.charAt(i + name.length);
  return !/[A-Za-z0-9]/.test(after);
}

/**
 * Records about interface `name`: those naming it, plus pppd lines that name no interface when this is
 * the only PPP interface that can be dialling (`barePppd`), since pppd logs without the interface name.
 */
export function recordsFor(log: LogRecord[], name: string, barePppd: boolean): LogRecord[] {
  return log.filter((r) => mentions(r.ident, name) || mentions(r.message, name) || (barePppd && /^(?:pppd|pppoe|l2tp|xl2tpd|pptp)\b/i.test(r.ident)));
}

export interface WanEvidence {
  iface: IfaceStatus;
  /** The carrier (`via`) interface, when known: its `link: up` rules out "cable unplugged" (doc §7). */
  carrier?: IfaceStatus | undefined;
  /** Log records about this interface (see recordsFor), in id order. */
  log: LogRecord[];
}

/**
 * WAN state from the interface status (doc §6) combined with the log (doc §7). A failure recorded
 * after the last admin down/up (reset) and after the last success is sticky while pppd redials,
 * so an ISP rejecting the password reads as down/auth_failed, not as an endless "connecting".
 */
export function wanStatusOf(e: WanEvidence): WanStatus {
  const i = e.iface;
  const up =
    i.connected &&
    (i.link === undefined || i.link === 'up') &&
    (i.layers.ipv4 === undefined || i.layers.ipv4 === 'running') &&
    i.address !== undefined;
  if (i.layers.conf === 'disabled' || i.state === 'down') return { state: 'down', reason: 'disabled' };
  if (up) {
    return { state: 'up', ipv4: i.address, gateway: i.remote, uptimeSeconds: i.uptime };
  }
  if (e.carrier && e.carrier.link !== undefined && e.carrier.link !== 'up') {
    return { state: 'down', reason: 'no_carrier', rawErrors: [`${e.carrier.id}: link ${e.carrier.link}`] };
  }
  let since = 0;
  e.log.forEach((r, idx) => {
    if (classify(r) === 'reset') since = idx + 1;
  });
  const recent = e.log.slice(since);
  let lastSuccess = -1;
  recent.forEach((r, idx) => {
    if (classify(r) === 'success') lastSuccess = idx;
  });
  const failures = recent.slice(lastSuccess + 1).filter((r) => ['auth', 'unreachable', 'no_carrier'].includes(classify(r)));
  const lastFailure = failures[failures.length - 1];
  if (lastFailure) {
    const kind = classify(lastFailure);
    const reason: WanDownReason = kind === 'auth' ? 'auth_failed' : kind === 'unreachable' ? 'server_unreachable' : 'no_carrier';
    const rawErrors = [...new Set(failures.map((r) => r.message))].slice(-3);
    return { state: 'down', reason, rawErrors };
  }
  return { state: 'connecting' };
}
