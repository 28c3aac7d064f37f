// Pure readers of RouterOS REST answers (doc §3, §5, §6, §7). Every value RouterOS returns is a string
// (doc §2.1: "true"/"false", numbers as strings); singletons may come as an object (current v7) or as a
// one-element array (7.1beta docs, fixture rest-get-system-resource-docs-7.1beta4.json).
import { ProtocolError } from '../../src/core/errors.js';
import type { RouterHealth, RouterInfo, WanStatus } from '../types.js';
import { FAMILY, ITEM_ID, PROTO_OF_MENU, VENDOR, type PppMenu } from './common.js';

export type Item = Record<string, string>;

export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ProtocolError(`MikroTik: the reply to ${what} is not JSON`, { reason: 'not_json' });
  }
}

const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

/** One item: only string (or number/boolean, stringified) members are kept. */
export function toItem(v: unknown, what: string): Item {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ProtocolError(`MikroTik: ${what} is not an object`);
  const out: Item = Object.create(null) as Item;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (UNSAFE.has(k)) continue;
    if (typeof x === 'string') out[k] = x;
    else if (typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
  }
  return out;
}

export function toList(v: unknown, what: string): Item[] {
  if (!Array.isArray(v)) throw new ProtocolError(`MikroTik: ${what} is not a list`);
  return v.map((x, i) => toItem(x, `${what}[${i}]`));
}

/** A singleton menu: an object, or a one-element array (doc §3.1). */
export function toSingleton(v: unknown, what: string): Item {
  if (Array.isArray(v)) {
    if (v.length !== 1) throw new ProtocolError(`MikroTik: ${what} is a list of ${v.length}, expected one item`);
    return toItem(v[0], what);
  }
  return toItem(v, what);
}

export const isTrue = (v: string | undefined): boolean => v === 'true' || v === 'yes';

/** RouterOS durations: `2d20h12m20s`, `1w2d`, `00:05:10` (doc §7). */
export function durationSeconds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  const hms = /^(\d{1,6}):(\d{2}):(\d{2})$/.exec(t);
  if (hms) return Number(hms[1]) * 3600 + Number(hms[2]) * 60 + Number(hms[3]);
  const re = /(\d{1,9})(w|d|h|ms|m|s)/gy;
  const unit: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };
  let total = 0;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(t)) !== null) {
    total += Number(m[1]) * unit[m[2]!]!;
    pos = re.lastIndex;
  }
  return pos === t.length && pos > 0 ? Math.floor(total) : undefined;
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d{1,15}(\.\d+)?$/.test(v.trim())) return undefined;
  return Number(v);
}

export interface Resource {
  board?: string | undefined;
  version?: string | undefined;
  platform?: string | undefined;
  architecture?: string | undefined;
  uptimeSeconds?: number | undefined;
  cpuLoadPercent?: number | undefined;
  cpuCount?: number | undefined;
  memTotalBytes?: number | undefined;
  memFreeBytes?: number | undefined;
}

/** `GET /rest/system/resource` (doc §7). */
export function parseResource(v: unknown): Resource {
  const r = toSingleton(v, 'system/resource');
  return {
    board: r['board-name'] || undefined,
    version: r.version || undefined,
    platform: r.platform || undefined,
    architecture: r['architecture-name'] || undefined,
    uptimeSeconds: durationSeconds(r.uptime),
    cpuLoadPercent: num(r['cpu-load']),
    cpuCount: num(r['cpu-count']),
    memTotalBytes: num(r['total-memory']),
    memFreeBytes: num(r['free-memory']),
  };
}

/** `GET /rest/system/routerboard` (doc §1): model and firmware; absent on CHR/x86. */
export function parseRouterboard(v: unknown): { model?: string | undefined; firmware?: string | undefined } {
  const r = toSingleton(v, 'system/routerboard');
  return { model: r.model || undefined, firmware: r['current-firmware'] || undefined };
}

export function routerInfo(res: Resource, rb: { model?: string | undefined } | undefined, identity: string | undefined): RouterInfo {
  return {
    family: FAMILY,
    vendor: VENDOR,
    model: rb?.model ?? res.board,
    // "7.16.2 (stable)" -> "7.16.2 (stable)": the channel is part of what RouterOS reports.
    firmware: res.version,
    hostname: identity,
    uptimeSeconds: res.uptimeSeconds,
  };
}

export function healthOf(res: Resource): RouterHealth {
  const h: RouterHealth = {};
  if (res.uptimeSeconds !== undefined) h.uptimeSeconds = res.uptimeSeconds;
  if (res.cpuLoadPercent !== undefined && res.cpuLoadPercent <= 100) h.cpuLoadPercent = res.cpuLoadPercent;
  if (res.cpuCount !== undefined) h.cpuCount = res.cpuCount;
  if (res.memTotalBytes !== undefined) h.memTotalBytes = res.memTotalBytes;
  if (res.memFreeBytes !== undefined) h.memAvailableBytes = res.memFreeBytes;
  return h;
}

/** A PPP client item (doc §3.1 property sets), the fields the driver uses. */
export interface PppClient {
  menu: PppMenu;
  id: string;
  name: string;
  user: string;
  password: string;
  server?: string | undefined;
  mtu?: number | undefined;
  disabled: boolean;
  running: boolean;
  defaultRoute: boolean;
}

export function parsePppClient(menu: PppMenu, item: Item): PppClient {
  const id = item['.id'] ?? '';
  const name = item.name ?? '';
  if (!ITEM_ID.test(id) || name === '') throw new ProtocolError(`MikroTik: a ${menu} item without a valid .id or name`);
  const mtu = num(item['max-mtu']);
  return {
    menu,
    id,
    name,
    user: item.user ?? '',
    password: item.password ?? '',
    server: menu === 'pppoe-client' ? undefined : item['connect-to'] || undefined,
    mtu,
    disabled: isTrue(item.disabled),
    running: isTrue(item.running),
    defaultRoute: isTrue(item['add-default-route']),
  };
}

/** The WAN among the PPP clients: enabled with a default route first, then enabled, then any (doc §3). */
export function pickWan(clients: readonly PppClient[]): PppClient | undefined {
  return clients.find((c) => !c.disabled && c.defaultRoute) ?? clients.find((c) => !c.disabled) ?? clients[0];
}

/** What `readWan` reports for a PPP client. */
export function wanSettingsOf(c: PppClient, withPassword: boolean): import('../types.js').WanSettings {
  return {
    interface: c.name,
    proto: PROTO_OF_MENU[c.menu],
    rawProto: c.menu,
    username: c.user || undefined,
    server: c.server,
    mtu: c.mtu,
    hasPassword: c.password !== '',
    ...(withPassword ? { password: c.password } : {}),
  };
}

export interface LogEntry {
  id: number;
  topics: string;
  message: string;
}

/** `GET /rest/log`: `{".id","time","topics","message"}` per entry (doc §5). Ids are `*hex`. */
export function parseLog(v: unknown): LogEntry[] {
  return toList(v, 'log')
    .map((e) => ({ id: /^\*[0-9A-Fa-f]{1,8}$/.test(e['.id'] ?? '') ? parseInt(e['.id']!.slice(1), 16) : -1, topics: e.topics ?? '', message: e.message ?? '' }))
    .filter((e) => e.id >= 0);
}

/**
 * Why a PPP client that is not running is down, from the log lines of its last finished dial attempt
 * after `sinceId` (doc §5 "Auth failure detection"; message wording UNVERIFIED for PPPoE).
 */
export function reasonFromLog(log: readonly LogEntry[], name: string, sinceId: number): { reason?: WanStatus['reason']; raw?: string } {
  const prefix = `${name}: `;
  const mine = log.filter((e) => e.id > sinceId && e.message.startsWith(prefix));
  for (let i = mine.length - 1; i >= 0; i--) {
    const m = mine[i]!.message.slice(prefix.length);
    if (/authentication failed|auth(entication)? (rejected|failure)/i.test(m)) return { reason: 'auth_failed', raw: m.slice(0, 120) };
    if (/peer is not responding/i.test(m)) return { reason: 'server_unreachable', raw: m.slice(0, 120) };
    if (/no response from (access concentrator|server)|link down|no carrier/i.test(m)) return { reason: 'no_carrier', raw: m.slice(0, 120) };
    if (/\bconnected\b/i.test(m) && !/disconnected/i.test(m)) return {};
  }
  return {};
}

/**
 * `GET /rest/ip/address?interface=<client>`: the PPP client's address (doc §5: dynamic, `a.b.c.d/32`,
 * `network` = the peer). `network` is taken as the gateway only for a /32; on a LAN-style prefix it is
 * the network address (fixture rest-ip-address-item.json).
 */
export function pppAddressOf(v: unknown): { ipv4?: string; gateway?: string } {
  const list = toList(v, 'ip/address').filter((x) => !isTrue(x.disabled) && !isTrue(x.invalid) && x.address);
  const a = list.find((x) => isTrue(x.dynamic)) ?? list[0];
  const m = a ? /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?$/.exec(a.address!.trim()) : null;
  if (!a || !m) return {};
  const out: { ipv4?: string; gateway?: string } = { ipv4: m[1]! };
  if ((m[2] === undefined || m[2] === '32') && a.network && /^\d{1,3}(\.\d{1,3}){3}$/.test(a.network)) out.gateway = a.network;
  return out;
}

/** A REST error body (doc §6): `{"error":<code>,"message":"…","detail":"…"}`. */
export function restErrorOf(text: string): { error?: number; message?: string; detail?: string } | undefined {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) return undefined;
  const o = j as Record<string, unknown>;
  const error = typeof o.error === 'number' ? o.error : typeof o.error === 'string' && /^\d{3}$/.test(o.error) ? Number(o.error) : undefined;
  if (error === undefined) return undefined;
  return {
    error,
    message: typeof o.message === 'string' ? o.message.slice(0, 120) : undefined,
    detail: typeof o.detail === 'string' ? o.detail.slice(0, 200) : undefined,
  };
}
