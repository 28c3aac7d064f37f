// Parsers for what Asuswrt httpd answers (doc §2, §3, §5, §6): lenient JSON for appGet.cgi (a BOM, a
// leading `{ ,`, trailing commas), the `&#NN` escaping of nvram_get, the percent-encoding of
// nvram_char_to_ascii, login replies (incl. the Boa variant's lock time after the closing brace),
// the devicemap XML and the WAN state codes of shared/rtstate.h. Pure functions, no I/O.
import { ProtocolError } from '../../src/core/errors.js';
import type { WanDownReason, WanProto, WanSettings, WanStatus } from '../types.js';

export type AppGetValues = Record<string, unknown>;

/** Strips a UTF-8 BOM (ASP-generated bodies start with one, doc §3.1). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Parses an appGet.cgi (or other JSON) body leniently (doc §3.1, §8.7): drops a BOM, repairs `{ ,`
 * and trailing commas; duplicate keys: the last wins. Anything else that is not a JSON object is a
 * ProtocolError that never quotes the body (it may hold secrets).
 */
export function parseLenientJson(text: string, what: string): AppGetValues {
  let t = stripBom(text).trim();
  t = t.replace(/^\{\s*,/, '{').replace(/,\s*([}\]])/g, '$1');
  let j: unknown;
  try {
    j = JSON.parse(t);
  } catch {
    throw new ProtocolError(`ASUS: the reply to ${what} is not JSON`, { reason: 'not_json' });
  }
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new ProtocolError(`ASUS: the reply to ${what} is not a JSON object`, { reason: 'not_object' });
  return j as AppGetValues;
}

/** The bytes nvram_get writes as `&#<dec>` (doc §3.1). */
const ESCAPED = (b: number): boolean => b < 0x20 || b === 0x22 || b === 0x26 || b === 0x3c || b === 0x3e || (b >= 0x7f && b <= 0xff);

/**
 * Undoes nvram_get's escaping (doc §3.1): `"`, `&`, `<`, `>` and every byte ≥ 0x80 or non-printable
 * appear as `&#<decimal>` without `;` (a `;` right after is kept as text: the firmware never writes one).
 * Bytes are collected and decoded as UTF-8.
 */
export function decodeNvramGet(value: string): string {
  if (!value.includes('&#')) return value;
  const bytes: number[] = [];
  let i = 0;
  while (i < value.length) {
    // No `;` ends the number, so digits that follow belong to the text: the longest prefix that is a
    // byte the firmware escapes wins (`&#6200:` is `>` + `00:`, fixture appget-nvram-escaped-separators).
    const digits = /^&#(\d{1,3})/.exec(value.slice(i, i + 5))?.[1];
    const len = digits ? [3, 2, 1].find((n) => n <= digits.length && ESCAPED(Number(digits.slice(0, n)))) : undefined;
    if (digits && len !== undefined) {
      bytes.push(Number(digits.slice(0, len)));
      i += 2 + len;
      continue;
    }
    for (const b of Buffer.from(value[i]!, 'utf8')) bytes.push(b);
    i++;
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Decodes nvram_char_to_ascii's `%XX` text (doc §3.1) exactly; a broken escape is a ProtocolError. */
export function decodeCharToAscii(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new ProtocolError(`ASUS: ${what} is missing from the reply`, { reason: 'missing' });
  try {
    return decodeURIComponent(value);
  } catch {
    throw new ProtocolError(`ASUS: ${what} is not valid percent-encoded text`, { reason: 'bad_encoding' });
  }
}

/** An nvram_get value as text (numbers such as get_wan_unit come as JSON numbers). */
export function nvramText(v: AppGetValues, key: string): string | undefined {
  const x = v[key];
  if (typeof x === 'string') return decodeNvramGet(x);
  if (typeof x === 'number') return String(x);
  return undefined;
}

export type LoginReply =
  | { ok: true; token: string }
  | { ok: false; errorStatus: number; remainingLockSeconds?: number | undefined };

/**
 * A login.cgi reply in app mode (doc §2.1): `{"asus_token":"…"}` or `{"error_status":"<n>"}` with
 * `remaining_lock_time` for a lockout — also the Boa variant that writes it after the closing brace.
 */
export function parseLoginReply(text: string): LoginReply | undefined {
  const t = stripBom(text);
  const token = /"asus_token"\s*:\s*"([^"]*)"/.exec(t)?.[1];
  if (token) return { ok: true, token };
  const status = /"error_status"\s*:\s*"?(\d+)"?/.exec(t)?.[1];
  if (status === undefined) return undefined;
  const lock = /"remaining_lock_time"\s*:\s*"?(\d+)"?/.exec(t)?.[1];
  return { ok: false, errorStatus: Number(status), remainingLockSeconds: lock !== undefined ? Number(lock) : undefined };
}

/** `error_status` of an authenticated reply (1 no token, 2 token invalid/expired…), if that is what it is. */
export function errorStatusOf(text: string): number | undefined {
  const t = stripBom(text).trim();
  if (t.length > 200) return undefined;
  const m = /^\{\s*"error_status"\s*:\s*"?(\d+)"?\s*[},]/.exec(t);
  return m ? Number(m[1]) : undefined;
}

const PROTOS: Record<string, WanProto> = { pppoe: 'pppoe', l2tp: 'l2tp', pptp: 'pptp', dhcp: 'dhcp', static: 'static' };

export function protoOf(raw: string | undefined): WanProto {
  return (raw !== undefined ? PROTOS[raw] : undefined) ?? 'other';
}

export interface RawWan {
  unit: number;
  rawProto: string;
  username?: string | undefined;
  server?: string | undefined;
  mtu?: string | undefined;
  password?: string | undefined;
}

export function wanSettingsOf(w: RawWan, withPassword: boolean): WanSettings {
  const proto = protoOf(w.rawProto);
  const ppp = proto === 'pppoe' || proto === 'l2tp' || proto === 'pptp';
  const mtu = w.mtu !== undefined && /^\d{3,4}$/.test(w.mtu) && proto === 'pppoe' ? Number(w.mtu) : undefined;
  return {
    interface: `wan${w.unit}`,
    proto,
    rawProto: proto === 'other' || proto !== w.rawProto ? w.rawProto : undefined,
    username: ppp ? w.username : undefined,
    server: proto === 'l2tp' || proto === 'pptp' ? w.server || undefined : undefined,
    mtu,
    hasPassword: ppp && (w.password ?? '') !== '',
    password: withPassword && ppp ? (w.password ?? '') : undefined,
  };
}

const STATE_NAMES = ['INITIALIZING', 'CONNECTING', 'CONNECTED', 'DISCONNECTED', 'STOPPED', 'DISABLED', 'STOPPING'];
const SB_NAMES = ['NONE', 'PPP_NO_RESPONSE', 'PPP_AUTH_FAIL', 'DHCP_DECONFIG', 'INVALID_IPADDR', 'MANUAL', 'SYSTEM_ERR', 'IPGATEWAY_CONFLICT', 'METER_LIMIT', 'PINCODE_ERR', 'PPP_LACK_ACTIVITY', 'DATALIMIT', 'USBSCAN'];
const AUX_NAMES = ['NONE', 'NOPHY', 'NO_INTERNET_ACTIVITY'];

export interface RawWanState {
  state?: string | undefined;
  sbstate?: string | undefined;
  auxstate?: string | undefined;
  ipaddr?: string | undefined;
  gateway?: string | undefined;
  dns?: string | undefined;
}

const num = (s: string | undefined): number | undefined => (s !== undefined && /^\d+$/.test(s.trim()) ? Number(s.trim()) : undefined);
const ipv4 = (s: string | undefined): string | undefined => (s && /^\d{1,3}(\.\d{1,3}){3}$/.test(s) && s !== '0.0.0.0' ? s : undefined);

/** wanX_state_t / sbstate_t / auxstate_t → the contract's state (doc §6 mapping). */
export function wanStatusOf(r: RawWanState): WanStatus {
  const st = num(r.state);
  const sb = num(r.sbstate);
  const aux = num(r.auxstate);
  const raw = [
    st !== undefined ? `state ${STATE_NAMES[st] ?? st}` : undefined,
    sb !== undefined && sb !== 0 ? `sbstate ${SB_NAMES[sb] ?? sb}` : undefined,
    aux !== undefined && aux !== 0 ? `auxstate ${AUX_NAMES[aux] ?? aux}` : undefined,
  ].filter((x): x is string => x !== undefined);
  if (st === undefined) throw new ProtocolError('ASUS: the WAN state is missing from the reply', { reason: 'no_state' });
  if (aux === 1) return { state: 'down', reason: 'no_carrier', rawErrors: raw };
  if (st === 2 && (sb ?? 0) === 0) {
    const dns = (r.dns ?? '').split(/\s+/).filter((d) => ipv4(d) !== undefined);
    return { state: 'up', ipv4: ipv4(r.ipaddr), gateway: ipv4(r.gateway), dns: dns.length ? dns : undefined };
  }
  if (st === 5 || sb === 5) return { state: 'down', reason: 'disabled', rawErrors: raw };
  if (sb === 2) return { state: 'down', reason: 'auth_failed', rawErrors: raw };
  if (sb === 1) return { state: st === 1 || st === 0 ? 'connecting' : 'down', reason: st === 1 || st === 0 ? undefined : 'server_unreachable', rawErrors: raw };
  if (st === 0 || st === 1 || st === 6) return { state: 'connecting' };
  const reason: WanDownReason = st === 3 && sb === 3 ? 'negotiation_failed' : 'unknown';
  return { state: 'down', reason, rawErrors: raw };
}

/** The devicemap (`ajax_status.xml`, doc §5): the first three `<wan>` are state, sbstate, auxstate. */
export function parseDevicemap(xml: string): RawWanState {
  const wans = [...stripBom(xml).matchAll(/<wan>([^<]*)<\/wan>/g)].map((m) => m[1]!.trim());
  return { state: wans[0], sbstate: wans[1], auxstate: wans[2] };
}

/** `detect_firmware.asp` (doc §1): JS assignments `name = 'value';` → values (BOM stripped). */
export function parseJsVars(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of stripBom(text).matchAll(/^\s*(?:var\s+)?(\w+)\s*=\s*'([^']*)'\s*;/gm)) out[m[1]!] = m[2]!;
  return out;
}
