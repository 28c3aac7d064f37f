// Pure parsers for what OpenWrt answers (rpcd uci, netifd status, procd system, uci CLI text).
// Router output is untrusted: anything unexpected becomes a ProtocolError, never a TypeError.

import { NotFoundError, ProtocolError } from '../../src/core/errors.js';
import type { RouterInfo, WanDownReason, WanProto, WanSettings, WanStatus } from '../types.js';

export type UciValue = string | string[];

export interface UciSection {
  name: string;
  type: string;
  anonymous: boolean;
  /** Position in the package, as the router orders it. */
  index: number;
  /** Options only (no `.name`/`.type`/... keys), in the router's order. */
  options: Record<string, UciValue>;
}

/** uci itself only accepts these characters in package, section and option names (libuci uci_validate_name). */
const UCI_NAME = /^[A-Za-z0-9_]{1,64}$/;

export function isUciName(s: unknown): s is string {
  // "__proto__" is a valid uci word but never a real option; refusing it keeps plain objects safe.
  return typeof s === 'string' && UCI_NAME.test(s) && s !== '__proto__';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(message: string, details: Record<string, unknown> = {}): ProtocolError {
  return new ProtocolError(`OpenWrt: ${message}`, details);
}

// Option maps are built with a null prototype so names such as "__proto__" (impossible in uci,
// but this is untrusted input) cannot reach Object.prototype.
function emptyOptions(): Record<string, UciValue> {
  return Object.create(null) as Record<string, UciValue>;
}

function toUciValue(v: unknown, where: string): UciValue {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return [...(v as string[])];
  throw bad(`unexpected value type in ${where}`);
}

// ---------------------------------------------------------------------------------------------
// rpcd `uci get`

/** One section from rpcd's `values` object (a section of `uci get {config}` or the whole `uci get {config,section}` reply). */
function sectionFromRpcd(name: string, raw: unknown, fallbackIndex: number): UciSection {
  if (!isUciName(name)) throw bad('invalid uci section name');
  if (!isRecord(raw)) throw bad('uci section is not an object', { section: name });
  const type = raw['.type'];
  if (typeof type !== 'string' || !isUciName(type)) throw bad('uci section without a valid .type', { section: name });
  const idx = raw['.index'];
  const options = emptyOptions();
  for (const [k, v] of Object.entries(raw)) {
    if (k.startsWith('.')) continue;
    if (!isUciName(k)) throw bad('invalid uci option name', { section: name });
    options[k] = toUciValue(v, `${name}.${k}`);
  }
  return {
    name,
    type,
    anonymous: raw['.anonymous'] === true,
    index: typeof idx === 'number' && Number.isInteger(idx) ? idx : fallbackIndex,
    options,
  };
}

/** `uci get {config}` data → sections in package order. */
export function parseUciPackage(data: unknown): UciSection[] {
  if (!isRecord(data) || !isRecord(data.values)) throw bad('uci get reply has no values object');
  const sections = Object.entries(data.values).map(([name, raw], i) => sectionFromRpcd(name, raw, i));
  return sections.sort((a, b) => a.index - b.index);
}

/**
 * `uci get {config, section}` data → the section, or undefined when rpcd answered `[0]` without data
 * (current rpcd's way of saying "no such section", doc §3).
 */
export function parseUciSection(name: string, data: unknown): UciSection | undefined {
  if (data === undefined) return undefined;
  if (!isRecord(data) || !isRecord(data.values)) throw bad('uci get reply has no values object');
  return sectionFromRpcd(name, data.values, 0);
}

/** `uci changes {config}` data → entries like ["set","wan","password","x"]. */
export function parseUciChanges(data: unknown): string[][] {
  if (data === undefined) return [];
  if (!isRecord(data)) throw bad('uci changes reply is not an object');
  const ch = data.changes;
  // With `config` rpcd returns a plain array; an empty package may come back as {} (doc §4.1).
  if (isRecord(ch) && Object.keys(ch).length === 0) return [];
  if (!Array.isArray(ch)) throw bad('uci changes reply has no changes array');
  return ch.map((entry) => {
    if (!Array.isArray(entry) || entry.length === 0 || !entry.every((x) => typeof x === 'string')) {
      throw bad('malformed uci changes entry');
    }
    return entry as string[];
  });
}

// ---------------------------------------------------------------------------------------------
// WAN section and settings

const PPP_PROTOS = new Set(['pppoe', 'l2tp', 'pptp']);
const KNOWN_PROTOS: ReadonlySet<string> = new Set(['pppoe', 'l2tp', 'pptp', 'dhcp', 'static']);

/**
 * The WAN is `network.wan` when it is an interface; otherwise the first interface that dials
 * (pppoe/l2tp/pptp) — multi-WAN builds name it wan1, wanb, etc.
 */
export function pickWanSection(sections: UciSection[]): UciSection {
  const ifaces = sections.filter((s) => s.type === 'interface');
  const named = ifaces.find((s) => s.name === 'wan');
  if (named) return named;
  const ppp = ifaces.find((s) => typeof s.options.proto === 'string' && PPP_PROTOS.has(s.options.proto));
  if (ppp) return ppp;
  throw new NotFoundError('OpenWrt: no WAN interface found in /etc/config/network', {
    interfaces: ifaces.map((s) => s.name),
  });
}

function scalar(v: UciValue | undefined): string | undefined {
  if (v === undefined) return undefined;
  // A list where a scalar is expected: netifd uses the first item as well.
  return typeof v === 'string' ? v : v[0];
}

export function toWanSettings(section: UciSection, opts: { withPassword?: boolean } = {}): WanSettings {
  const raw = scalar(section.options.proto) ?? '';
  const proto: WanProto = KNOWN_PROTOS.has(raw) ? (raw as WanProto) : 'other';
  const password = scalar(section.options.password);
  const mtuText = scalar(section.options.mtu);
  const mtu = mtuText !== undefined && /^\d{1,5}$/.test(mtuText.trim()) ? Number(mtuText.trim()) : undefined;
  const settings: WanSettings = {
    interface: section.name,
    proto,
    hasPassword: password !== undefined && password !== '',
  };
  if (proto === 'other') settings.rawProto = raw;
  const username = scalar(section.options.username);
  if (username !== undefined) settings.username = username;
  const server = scalar(section.options.server);
  if (server !== undefined) settings.server = server;
  if (mtu !== undefined) settings.mtu = mtu;
  if (opts.withPassword && password !== undefined) settings.password = password;
  return settings;
}

// ---------------------------------------------------------------------------------------------
// netifd interface status

// Newer ppp.sh/ppp.uc names, older bare pppd exit numbers (doc §6.4), netifd interface codes (§6.3).
const ERROR_REASONS: Record<string, WanDownReason> = {
  AUTH_TOPEER_FAILED: 'auth_failed',
  AUTH_FAILED: 'auth_failed',
  '19': 'auth_failed',
  CONNECT_FAILED: 'server_unreachable',
  '8': 'server_unreachable',
  NO_DEVICE: 'no_carrier',
  DEVICE_CLAIM_FAILED: 'no_carrier',
  NEGOTIATION_FAILED: 'negotiation_failed',
  PEER_DEAD: 'negotiation_failed',
  HANGUP: 'negotiation_failed',
  '10': 'negotiation_failed',
  '15': 'negotiation_failed',
  '16': 'negotiation_failed',
};
// When several errors are recorded, the most telling one wins.
const REASON_PRIORITY: WanDownReason[] = ['auth_failed', 'server_unreachable', 'no_carrier', 'negotiation_failed'];

function errorCodes(errors: unknown): string[] {
  if (errors === undefined) return [];
  if (!Array.isArray(errors)) throw bad('interface status errors is not an array');
  const codes: string[] = [];
  for (const e of errors) {
    const code = isRecord(e) ? e.code : undefined;
    const text = typeof code === 'number' && Number.isInteger(code) ? String(code) : code;
    // Only short code-like tokens: errors[].data may carry free text, which is never passed on.
    if (typeof text === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(text)) codes.push(text);
  }
  return codes.slice(0, 16);
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function firstIpv4(v: unknown): { address?: string; ptp?: string } {
  if (!Array.isArray(v)) return {};
  for (const a of v) {
    if (isRecord(a) && typeof a.address === 'string') {
      return { address: a.address, ...(typeof a.ptpaddress === 'string' ? { ptp: a.ptpaddress } : {}) };
    }
  }
  return {};
}

function defaultGateway(routes: unknown): string | undefined {
  if (!Array.isArray(routes)) return undefined;
  for (const r of routes) {
    if (isRecord(r) && r.target === '0.0.0.0' && r.mask === 0 && typeof r.nexthop === 'string') return r.nexthop;
  }
  return undefined;
}

/**
 * `network.interface[.x] status`, one `dump` entry or `ifstatus x` → WanStatus.
 * up:true counts as up even without IPv4 (IPv6-only PPP sessions exist); the host-side checks
 * verify the internet anyway.
 */
export function parseInterfaceStatus(data: unknown): WanStatus {
  if (!isRecord(data)) throw bad('interface status is not an object');
  const hasUp = 'up' in data;
  if (hasUp && typeof data.up !== 'boolean') throw bad('interface status "up" is not a boolean');
  // A bare {"errors":[…]} (as published in bug reports) still says something; {} says nothing.
  if (!hasUp && !('errors' in data)) throw bad('interface status has neither "up" nor "errors"');
  const codes = errorCodes(data.errors);
  const rawErrors = codes.length > 0 ? codes : undefined;

  if (data.up === true) {
    const status: WanStatus = { state: 'up' };
    const v4 = firstIpv4(data['ipv4-address']);
    if (v4.address) status.ipv4 = v4.address;
    const gw = defaultGateway(data.route) ?? v4.ptp;
    if (gw) status.gateway = gw;
    const dns = strings(data['dns-server']);
    if (dns.length > 0) status.dns = dns;
    if (typeof data.uptime === 'number' && Number.isFinite(data.uptime) && data.uptime >= 0) {
      status.uptimeSeconds = Math.floor(data.uptime);
    }
    if (rawErrors) status.rawErrors = rawErrors;
    return status;
  }

  const reasons = new Set(codes.map((c) => ERROR_REASONS[c]).filter((r): r is WanDownReason => r !== undefined));
  const fromErrors = REASON_PRIORITY.find((r) => reasons.has(r));
  const withErrors = (s: WanStatus): WanStatus => (rawErrors ? { ...s, rawErrors } : s);
  // Recorded errors win over "pending": without authfail pppd keeps redialling, so a rejected
  // password shows as pending + AUTH_TOPEER_FAILED and must not look like a normal dial.
  if (fromErrors) return withErrors({ state: 'down', reason: fromErrors });
  if (data.pending === true) return withErrors({ state: 'connecting' });
  if (data.available === false) return withErrors({ state: 'down', reason: 'no_carrier' });
  if (data.autostart === false) return withErrors({ state: 'down', reason: 'disabled' });
  return withErrors({ state: 'down', reason: 'unknown' });
}

/** Whether netifd will not bring the interface up by itself (after ifdown or an authfail block). */
export function needsExplicitUp(data: unknown): boolean {
  return isRecord(data) && data.up === false && data.pending !== true && data.autostart === false;
}

/** The raw status entry of one interface from `network.interface dump`. */
export function findInDump(data: unknown, iface: string): Record<string, unknown> {
  if (!isRecord(data) || !Array.isArray(data.interface)) throw bad('interface dump has no interface array');
  const entry = data.interface.find((e) => isRecord(e) && e.interface === iface);
  if (!isRecord(entry)) throw new NotFoundError(`OpenWrt: interface ${iface} is not known to netifd`, { interface: iface });
  return entry;
}

export function parseInterfaceDump(data: unknown, iface: string): WanStatus {
  return parseInterfaceStatus(findInDump(data, iface));
}

/** Text of a command that prints JSON (ifstatus, ubus call) → value. */
export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw bad(`${what} did not print valid JSON`, { excerpt: excerpt(text) });
  }
}

/** A short, single-line, printable sample of untrusted text for error details. */
export function excerpt(text: string, max = 120): string {
  const flat = text.slice(0, max * 2).replace(/\p{Cc}+/gu, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

// ---------------------------------------------------------------------------------------------
// procd system

export function parseSystemBoard(data: unknown): Pick<RouterInfo, 'model' | 'firmware' | 'hostname'> {
  if (!isRecord(data)) throw bad('system board reply is not an object');
  const out: Pick<RouterInfo, 'model' | 'firmware' | 'hostname'> = {};
  if (typeof data.model === 'string' && data.model) out.model = data.model;
  if (typeof data.hostname === 'string' && data.hostname) out.hostname = data.hostname;
  const rel = data.release;
  if (isRecord(rel)) {
    if (typeof rel.description === 'string' && rel.description) out.firmware = rel.description;
    else if (typeof rel.version === 'string' && rel.version) {
      out.firmware = [rel.distribution, rel.version, rel.revision].filter((x) => typeof x === 'string' && x).join(' ');
    }
  }
  return out;
}

export function parseSystemInfo(data: unknown): { uptimeSeconds?: number } {
  if (!isRecord(data)) throw bad('system info reply is not an object');
  const up = data.uptime;
  return typeof up === 'number' && Number.isFinite(up) && up >= 0 ? { uptimeSeconds: Math.floor(up) } : {};
}

// ---------------------------------------------------------------------------------------------
// uci CLI text: `uci export` (file syntax) and `uci show` (shell-quoted key=value lines)

interface Token {
  text: string;
  /** The token ends a statement (an unquoted newline followed it, or end of input). */
  eol: boolean;
}

/**
 * Splits uci file/show syntax into words the way libuci does: whitespace separates, '…' is
 * literal, "…" honours backslash escapes, a backslash outside quotes escapes the next character,
 * adjacent pieces join ('it'\''s' is one word), quoted strings may span lines, an unquoted
 * newline ends the statement, # starts a comment.
 */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  const end = (eol: boolean): void => {
    if (inWord) tokens.push({ text: cur, eol: false });
    cur = '';
    inWord = false;
    if (eol && tokens.length > 0) tokens[tokens.length - 1]!.eol = true;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      end(true);
      i++;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      end(false);
      i++;
    } else if (c === '#' && !inWord) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw bad('unterminated single quote in uci output');
      cur += text.slice(i + 1, close);
      inWord = true;
      i = close + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw bad('unterminated double quote in uci output');
        const d = text[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < text.length) {
          cur += text[i + 1]!;
          i += 2;
        } else {
          cur += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === '\\') {
      if (i + 1 < text.length && text[i + 1] !== '\n') cur += text[i + 1]!;
      inWord = true;
      i += 2;
    } else {
      cur += c;
      inWord = true;
      i++;
    }
  }
  end(true);
  return tokens;
}

function statements(text: string): string[][] {
  const out: string[][] = [];
  let stmt: string[] = [];
  for (const t of tokenize(text)) {
    stmt.push(t.text);
    if (t.eol) {
      out.push(stmt);
      stmt = [];
    }
  }
  if (stmt.length > 0) out.push(stmt);
  return out;
}

function setOption(section: UciSection, name: string, value: string, list: boolean): void {
  if (!isUciName(name)) throw bad('invalid uci option name in uci output', { section: section.name });
  const prev = section.options[name];
  if (!list) section.options[name] = value;
  else section.options[name] = Array.isArray(prev) ? [...prev, value] : [value];
}

/** `uci export <pkg>` → package name and sections. Unnamed sections get @type[n] names (as `uci show`). */
export function parseUciExport(text: string): { package: string; sections: UciSection[] } {
  if (typeof text !== 'string') throw bad('uci export output is not text');
  let pkg: string | undefined;
  const sections: UciSection[] = [];
  const anonCount = new Map<string, number>();
  let current: UciSection | undefined;
  for (const st of statements(text)) {
    const [kw, a, b, ...rest] = st;
    if (rest.length > 0) throw bad('unexpected extra words in uci export output');
    if (kw === 'package') {
      if (!isUciName(a) || b !== undefined) throw bad('malformed package line in uci export output');
      pkg = a;
    } else if (kw === 'config') {
      if (!isUciName(a)) throw bad('malformed config line in uci export output');
      const n = anonCount.get(a) ?? 0;
      anonCount.set(a, n + 1);
      if (b !== undefined && !isUciName(b)) throw bad('invalid section name in uci export output');
      current = { name: b ?? `@${a}[${n}]`, type: a, anonymous: b === undefined, index: sections.length, options: emptyOptions() };
      sections.push(current);
    } else if (kw === 'option' || kw === 'list') {
      if (!current || a === undefined || b === undefined) throw bad(`malformed ${kw} line in uci export output`);
      setOption(current, a, b, kw === 'list');
    } else {
      throw bad('unknown statement in uci export output');
    }
  }
  if (pkg === undefined) throw bad('uci export output has no package line');
  return { package: pkg, sections };
}

/**
 * `uci show <pkg>[.<section>]` → sections. A list prints as several quoted words on one line; a
 * scalar as exactly one, which is how the two are told apart.
 */
export function parseUciShow(text: string): UciSection[] {
  if (typeof text !== 'string') throw bad('uci show output is not text');
  const sections = new Map<string, UciSection>();
  for (const st of statements(text)) {
    const first = st[0] ?? '';
    const eq = first.indexOf('=');
    if (eq < 0) throw bad('uci show line without "="');
    const key = first.slice(0, eq).split('.');
    const values = [first.slice(eq + 1), ...st.slice(1)];
    const [, sec, opt, extra] = key;
    if (key.length < 2 || extra !== undefined || sec === undefined || !/^(?:[A-Za-z0-9_]{1,64}|@[A-Za-z0-9_]{1,64}\[-?\d{1,5}\])$/.test(sec)) {
      throw bad('malformed key in uci show output');
    }
    if (opt === undefined) {
      const type = values[0] ?? '';
      if (values.length !== 1 || !isUciName(type)) throw bad('malformed section line in uci show output');
      sections.set(sec, { name: sec, type, anonymous: sec.startsWith('@') || /^cfg[0-9a-f]{6}$/.test(sec), index: sections.size, options: emptyOptions() });
      continue;
    }
    const section = sections.get(sec);
    if (!section) throw bad('uci show option before its section');
    if (!isUciName(opt)) throw bad('invalid uci option name in uci show output', { section: sec });
    section.options[opt] = values.length === 1 ? values[0]! : values;
  }
  return [...sections.values()];
}

/** Same options and values (order ignored) — for read-back checks after a write. */
export function sameOptions(a: Record<string, UciValue>, b: Record<string, UciValue>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}
